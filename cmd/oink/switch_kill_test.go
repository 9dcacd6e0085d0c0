//go:build chaos

// These single-role kill runs are part of the long fault-injection suite
// (go test -tags chaos ./...); CI runs the same invariants through
// tools/chaos's TestChaosKill* trials, which kill every role in the
// whole pipeline.

package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"math/rand/v2"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink/legacy"
	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// TestInvariantOneLiveCopyAcrossSwitchKills kills `oink switch` with SIGKILL
// at random moments while the route advances 1 → 10 → 50%, rolls back to 0
// and advances to 100%, restarting it each time: the live topic still holds
// every identity exactly once, from the owning version (invariant 4).
func TestInvariantOneLiveCopyAcrossSwitchKills(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 run skipped in -short mode")
	}
	env := kafkatest.New(t)
	orders, v1, v2, live := env.Topic("orders"), env.Topic("rtcim.v1"), env.Topic("rtcim.v2"), env.Topic("rtcim")
	dbURL, pool := pgtest.SchemaURL(t)
	store := diffstore.New(pool)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	const run = "kill"
	if err := store.EnsureRun(ctx, diffstore.Run{Name: run, ControlTopic: v1, CandidateTopic: v2}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.ApplyPlan(ctx, diffstore.PlanApply{Run: run, Plan: json.RawMessage(`{}`), Margin: 300 * time.Millisecond,
		Actor: "test", Stage: -1, Phase: "running"}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))

	// Upstream at 2500 events/s for 8 s, and v1 and v2 over it.
	var wg sync.WaitGroup
	base := producer.Config{Brokers: env.Brokers, From: orders, StopWhenIdle: 2 * time.Second, Topics: env.Spec, Log: log}
	wg.Go(func() {
		if _, err := loadgen.Load(ctx, loadgen.LoadConfig{Brokers: env.Brokers, Topic: orders, Count: 20000, Rate: 2500,
			Gen: loadgen.Config{Seed: 8}, Topics: env.Spec}); err != nil {
			t.Error(err)
		}
	})
	wg.Go(func() {
		c := base
		c.To, c.Group = v1, env.Group("v1")
		if _, err := legacy.Run(ctx, legacy.Config{Config: c}); err != nil {
			t.Error(err)
		}
	})
	wg.Go(func() {
		c := base
		c.To, c.Group, c.DLQ = v2, env.Group("v2"), env.Topic("orders.dlq")
		if _, err := producer.Run(ctx, c); err != nil {
			t.Error(err)
		}
	})
	wg.Go(func() {
		for _, pct := range []float64{1, 10, 50, 0, 100} {
			select {
			case <-ctx.Done():
				return
			case <-time.After(1300 * time.Millisecond):
			}
			if _, err := store.AddTransition(ctx, run, pct, 300*time.Millisecond, "test", "route change"); err != nil {
				t.Error(err)
				return
			}
		}
	})

	args := []string{"switch", "--brokers", strings.Join(env.Brokers, ","), "--database-url", dbURL, "--run", run,
		"--control", v1, "--candidate", v2, "--live", live, "--group", env.Group("switch"),
		"--rules", "../../shipped/rules/rtcim.yaml", "--session-timeout", "2s", "--log-level", "warn"}
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 2))
	t.Logf("kill schedule seed %d", seed)
	liveCount := func() int64 {
		ends, _ := kafkaio.EndOffsets(ctx, env.Brokers, live)
		return kafkaio.Sum(ends)
	}
	for kill := 1; kill <= 5; kill++ {
		target := liveCount() + 1 + rng.Int64N(2000)
		killWhen(t, "the live topic to grow", func() bool { return liveCount() >= target }, args...)
		t.Logf("kill %d with %d records live", kill, liveCount())
	}
	wg.Wait()
	final := oinkCmd(t, append(args, "--stop-when-idle", "2s")...)
	final.Stderr = os.Stderr
	if err := final.Run(); err != nil {
		t.Fatalf("final switch run: %v", err)
	}
	route, err := store.Route(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	rules, err := comparator.LoadRules("../../shipped/rules/rtcim.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rep, err := cutover.CheckLive(env.ReadAll(live), env.ReadAll(v1), env.ReadAll(v2), route, rules.Identity())
	if err != nil {
		t.Fatalf("invariant 4 violated after 5 kills: %v (%+v)", err, rep)
	}
	if rep.FromV1 == 0 || rep.FromV2 == 0 || rep.Live != 20000 {
		t.Fatalf("report %+v: want 20000 live records from both versions", rep)
	}
	t.Logf("live after kills: %+v", rep)
}
