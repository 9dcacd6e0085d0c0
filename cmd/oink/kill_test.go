//go:build chaos

// These single-role kill runs are part of the long fault-injection suite
// (go test -tags chaos ./...); CI runs the same invariants through
// tools/chaos's TestChaosKill* trials, which kill every role in the
// whole pipeline.

package main

import (
	"context"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/kafkatest"
)

// TestInvariantNoEventLostAcrossKill9 kills `oink produce` with SIGKILL at
// random moments of one 200K-event run, restarts it each time, and checks
// from the topics that every event still ends as an RTCIM or a dead letter
// (invariant 1: a crash resumes from committed offsets).
func TestInvariantNoEventLostAcrossKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 run skipped in -short mode")
	}
	env := kafkatest.New(t)
	orders, out, dlq := env.Topic("orders"), env.Topic("rtcim.v2"), env.Topic("orders.dlq")
	group := env.Group("v2")
	const events = 200000
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	if _, err := loadgen.Load(ctx, loadgen.LoadConfig{Brokers: env.Brokers, Topic: orders, Count: events, Topics: env.Spec,
		Gen: loadgen.Config{Seed: 5, InvalidRatio: 0.01, Start: time.Date(2026, 10, 24, 20, 0, 0, 0, time.UTC), Step: 50 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("kill schedule seed %d", seed)
	args := []string{"produce", "--brokers", strings.Join(env.Brokers, ","), "--from", orders, "--to", out, "--dlq", dlq,
		"--group", group, "--session-timeout", "2s", "--batch-size", "2000", "--log-level", "warn",
		"--replication-factor", strconv.Itoa(env.Spec.ReplicationFactor)}
	outputs := func() int64 {
		a, _ := kafkaio.EndOffsets(ctx, env.Brokers, out)
		b, _ := kafkaio.EndOffsets(ctx, env.Brokers, dlq)
		return kafkaio.Sum(a) + kafkaio.Sum(b)
	}
	kills := 0
	for kills < 5 {
		before := outputs()
		if before >= events {
			break // finished before we killed it often enough: rerun with a smaller step
		}
		target := before + 1 + rng.Int64N(events/8)
		killWhen(t, "output to grow past "+strconv.FormatInt(target, 10), func() bool { return outputs() >= target }, args...)
		kills++
		t.Logf("kill %d at %d outputs", kills, outputs())
	}
	if kills < 5 {
		t.Fatalf("only %d kills happened before the run finished", kills)
	}
	final := oinkCmd(t, append(args, "--stop-when-idle", "3s")...)
	final.Stderr = os.Stderr
	if err := final.Run(); err != nil {
		t.Fatalf("final produce run: %v", err)
	}
	acc, err := producer.CheckNoLoss(env.ReadAll(orders), env.ReadAll(out), env.ReadAll(dlq))
	if err != nil {
		t.Fatalf("invariant 1 violated after %d kills: %v", kills, err)
	}
	if acc.Upstream-acc.Copies != events {
		t.Fatalf("read %d upstream events, want %d", acc.Upstream-acc.Copies, events)
	}
	t.Logf("after %d kills: %+v", kills, acc)
}
