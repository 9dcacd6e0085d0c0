//go:build chaos

// These single-role kill runs are part of the long fault-injection suite
// (go test -tags chaos ./...); CI runs the same invariants through
// tools/chaos's TestChaosKill* trials, which kill every role in the
// whole pipeline.

package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/legacy"
	"github.com/oinkhq/oink/loadgen"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/pgtest"
	"github.com/oinkhq/oink/testkit/shadowtest"
	"github.com/oinkhq/oink/tools/childproc"
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
	args := []string{"produce", "--brokers", strings.Join(env.Brokers, ","), "--from", orders, "--to", out, "--dlq", dlq,
		"--group", group, "--session-timeout", "2s", "--batch-size", "2000", "--log-level", "warn",
		"--replication-factor", strconv.Itoa(env.Spec.ReplicationFactor)}
	outputs := func() int64 {
		a, _ := kafkaio.EndOffsets(ctx, env.Brokers, out)
		b, _ := kafkaio.EndOffsets(ctx, env.Brokers, dlq)
		return kafkaio.Sum(a) + kafkaio.Sum(b)
	}
	killAtRandom(t, "output to grow", outputs, func(at int64) int64 {
		if at >= events {
			return 0 // finished before we killed it often enough: rerun with a smaller step
		}
		return events / 8
	}, args...)
	runOink(t, "final produce run", append(args, "--stop-when-idle", "3s")...)
	acc, err := producer.CheckNoLoss(env.ReadAll(orders), env.ReadAll(out), env.ReadAll(dlq))
	if err != nil {
		t.Fatalf("invariant 1 violated after %d kills: %v", killsPerRun, err)
	}
	if acc.Upstream-acc.Copies != events {
		t.Fatalf("read %d upstream events, want %d", acc.Upstream-acc.Copies, events)
	}
	t.Logf("after %d kills: %+v", killsPerRun, acc)
}

// TestInvariantComparatorKillRestartIsExact kills `oink compare` with
// SIGKILL at random moments (five times), restarting it each time, and
// checks that the final totals and divergence set equal those of a run
// never interrupted (invariant 2).
func TestInvariantComparatorKillRestartIsExact(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 run skipped in -short mode")
	}
	s := shadowtest.New(t, 40000)
	dbURL, pool := pgtest.SchemaURL(t)
	store := diffstore.New(pool)
	args := func(run string, extra ...string) []string {
		return append([]string{"compare", "--brokers", strings.Join(s.Env.Brokers, ","), "--database-url", dbURL,
			"--run", run, "--group", s.Env.Group(run), "--control", s.V1, "--candidate", s.V2,
			"--input", s.Orders, "--control-group", s.Env.Group("v1"), "--candidate-group", s.Env.Group("v2"),
			"--rules", "../../testdata/rules/rtcim-strict.yaml", "--window", "2s", "--session-timeout", "2s",
			"--dlq", s.Env.Topic("compare.dlq"), "--log-level", "warn"}, extra...)
	}
	runOink(t, "uninterrupted compare", args("clean", "--stop-when-idle", "2s")...)
	want, err := store.Summary(t.Context(), "clean")
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	total := want.ReadControl + want.ReadCandidate
	read := func() int64 {
		sum, err := store.Summary(ctx, "killed")
		if err != nil {
			return 0
		}
		return sum.ReadControl + sum.ReadCandidate
	}
	killAtRandom(t, "compare progress", read, func(at int64) int64 { return max(1, (total-at)/4) }, args("killed")...)
	runOink(t, "final compare", args("killed", "--stop-when-idle", "2s")...)
	got, err := store.Summary(ctx, "killed")
	if err != nil {
		t.Fatal(err)
	}
	if got.Counts != want.Counts || got.PendingControl != 0 || got.PendingCandidate != 0 {
		t.Fatalf("after %d kills:\n got %+v\nwant %+v", killsPerRun, got.Counts, want.Counts)
	}
	for _, kind := range []diffstore.Kind{diffstore.KindDivergent, diffstore.KindMissingInControl, diffstore.KindMissingInCandidate} {
		shadowtest.EqualSets(t, string(kind), shadowtest.DivergenceIdentities(t, store, "killed", kind), shadowtest.DivergenceIdentities(t, store, "clean", kind))
	}
	shadowtest.EqualSets(t, "divergent vs fault log", shadowtest.DivergenceIdentities(t, store, "killed", diffstore.KindDivergent),
		s.Identities("rounding", "utc-date"))
}

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
	liveCount := func() int64 {
		ends, _ := kafkaio.EndOffsets(ctx, env.Brokers, live)
		return kafkaio.Sum(ends)
	}
	killAtRandom(t, "the live topic to grow", liveCount, func(int64) int64 { return 2000 }, args...)
	wg.Wait()
	runOink(t, "final switch run", append(args, "--stop-when-idle", "2s")...)
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
		t.Fatalf("invariant 4 violated after %d kills: %v (%+v)", killsPerRun, err, rep)
	}
	if rep.FromV1 == 0 || rep.FromV2 == 0 || rep.Live != 20000 {
		t.Fatalf("report %+v: want 20000 live records from both versions", rep)
	}
	t.Logf("live after kills: %+v", rep)
}

// killsPerRun is how often a kill run kills its role.
const killsPerRun = 5

// killAtRandom kills `oink args…` killsPerRun times (killWhen), each time
// once progress has passed a random point up to spread(p) beyond the
// progress p it had when the process started; the points come from a seed
// it logs. A spread of 0 says the work is already done: too soon, t fails.
func killAtRandom(t *testing.T, what string, progress func() int64, spread func(int64) int64, args ...string) {
	t.Helper()
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("kill schedule seed %d", seed)
	for kill := 1; kill <= killsPerRun; kill++ {
		at := progress()
		n := spread(at)
		if n <= 0 {
			t.Fatalf("only %d kills happened before the run finished", kill-1)
		}
		target := at + 1 + rng.Int64N(n)
		killWhen(t, what, func() bool { return progress() >= target }, args...)
		t.Logf("kill %d at progress %d (target %d)", kill, progress(), target)
	}
}

// killWhen runs `oink args…` as a process until reached reports true
// (polled for up to 2 minutes), then kills it with SIGKILL. A process that
// exited by itself before is a failure, reported with its stderr.
func killWhen(t *testing.T, what string, reached func() bool, args ...string) {
	t.Helper()
	p := childproc.New(childproc.Config{Name: "oink " + args[0], Exe: oinkBinary(t), Args: args})
	if err := p.Start(io.Discard); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Kill() }() // when the wait fails; a no-op after the kill
	kafkatest.WaitFor(t, 2*time.Minute, what, reached)
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
}

// runOink runs `oink args…` to its end, its stderr on the test's, and
// fails t, naming what, unless it succeeds.
func runOink(t *testing.T, what string, args ...string) {
	t.Helper()
	c := oinkCmd(t, args...)
	c.Stderr = os.Stderr
	if err := c.Run(); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}
