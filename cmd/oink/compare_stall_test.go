package main

import (
	"context"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
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
	"github.com/oinkhq/oink/tools/childproc"
)

// stallWindow is the comparator's match window in the stall test; v2 is
// stopped for ten of them.
const stallWindow = time.Second

// TestInvariantStalledCandidateIsBehindNotMissing stops OINK v2 (a real
// `oink produce` process) with SIGSTOP for ten match windows while v1 goes
// on converting, then lets it go on with SIGCONT: meanwhile the comparator
// counts nothing missing, reports v2 behind, and the cutover gate waits on
// it (never a divergence, so no rollback); afterwards every event is a
// compared pair (invariants 2 and 3). A comparator that took v2's quiet
// for loss counted v1's records missing from v2 and the controller rolled
// the cutover back.
func TestInvariantStalledCandidateIsBehindNotMissing(t *testing.T) {
	env := kafkatest.New(t)
	orders, v1, v2, dlq := env.Topic("orders"), env.Topic("rtcim.v1"), env.Topic("rtcim.v2"), env.Topic("orders.dlq")
	g1, g2 := env.Group("v1"), env.Group("v2")
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if err := kafkaio.EnsureTopics(ctx, env.Brokers, env.Spec, orders, v1, v2, dlq); err != nil {
		t.Fatal(err)
	}
	store := diffstore.New(pgtest.Schema(t))
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	rules, err := comparator.LoadRules("../../shipped/rules/rtcim.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ctl := startStallCutover(t, ctx, store)

	bg, stopBG := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stopBG(); wg.Wait() }()
	wg.Go(func() {
		_, err := legacy.Run(bg, legacy.Config{Config: producer.Config{Brokers: env.Brokers, From: orders, To: v1,
			Group: g1, Topics: env.Spec, SessionTimeout: 2 * time.Second, Log: log}})
		if err != nil {
			t.Errorf("v1: %v", err)
		}
	})
	wg.Go(func() {
		err := comparator.Run(bg, comparator.Config{Run: "stall", Brokers: env.Brokers, Control: v1, Candidate: v2,
			Group: env.Group("compare"), Rules: rules, Window: stallWindow, Store: store, Topics: env.Spec,
			Input: orders, ControlGroup: g1, CandidateGroup: g2, Log: log})
		if err != nil {
			t.Errorf("comparator: %v", err)
		}
	})
	wg.Go(func() {
		if err := ctl.Run(bg); err != nil {
			t.Errorf("controller: %v", err)
		}
	})
	v2proc := oinkCmd(t, "produce", "--brokers", strings.Join(env.Brokers, ","), "--from", orders, "--to", v2, "--dlq", dlq,
		"--group", g2, "--session-timeout", "2s", "--replication-factor", strconv.Itoa(env.Spec.ReplicationFactor), "--log-level", "warn")
	v2proc.Env, v2proc.Stderr = childproc.Env(), os.Stderr
	if err := v2proc.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = v2proc.Process.Signal(syscall.SIGCONT) // best effort: it may already run or be gone
		_ = v2proc.Process.Signal(syscall.SIGTERM)
		_ = v2proc.Wait() // its exit status says nothing the checks below do not
	}()

	const half = 1000
	load := func(seed uint64) { // each seed its own orders
		t.Helper()
		if _, err := loadgen.Load(ctx, loadgen.LoadConfig{Brokers: env.Brokers, Topic: orders, Count: half, Topics: env.Spec,
			Gen: loadgen.Config{Seed: seed}}); err != nil {
			t.Fatal(err)
		}
	}
	summary := func() diffstore.Summary {
		sum, err := store.Summary(ctx, "stall")
		if err != nil {
			return diffstore.Summary{}
		}
		return sum
	}
	load(17)
	kafkatest.WaitFor(t, time.Minute, "the first half compared", func() bool { return summary().Pairs == half })

	if err := v2proc.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	stopped := time.Now()
	load(18)
	kafkatest.WaitFor(t, time.Minute, "v2 reported behind", func() bool {
		st, err := ctl.Status(ctx)
		return err == nil && st.Candidate != nil && st.Candidate.Behind
	})
	behindAt := time.Now()
	// The stall's length is the scenario, not a wait for something: check
	// every 100ms until ten windows have passed since SIGSTOP.
	tick := time.NewTicker(100 * time.Millisecond)
	for time.Since(stopped) < 10*stallWindow {
		checkStalled(t, ctx, ctl, summary())
		<-tick.C
	}
	tick.Stop()
	if sum := summary(); sum.ReadControl != 2*half {
		t.Fatalf("v1's second half not read while v2 was stopped: %+v", sum.Counts)
	}
	if err := v2proc.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	resumed := time.Now()
	kafkatest.WaitFor(t, 2*time.Minute, "every event compared after SIGCONT", func() bool {
		sum := summary()
		return sum.Pairs == 2*half && sum.PendingControl+sum.PendingCandidate == 0
	})
	kafkatest.WaitFor(t, time.Minute, "v2 no longer behind", func() bool {
		st, err := ctl.Status(ctx)
		return err == nil && st.Candidate != nil && !st.Candidate.Behind
	})

	sum := summary()
	if sum.MissingInCandidate+sum.MissingInControl+sum.Divergent != 0 {
		t.Errorf("after the stall: %+v; want nothing missing or divergent", sum.Counts)
	}
	checkGateHeld(t, ctx, store, behindAt, resumed)
	if st, err := store.CutoverState(ctx, "stall"); err != nil || st.Phase != diffstore.PhaseRunning {
		t.Errorf("cutover state %+v (%v); want still running: a stalled v2 is no divergence", st, err)
	}
}

// startStallCutover applies and starts a plan whose first stage holds for
// an hour (the controller evaluates its gate every tick and would roll
// back on a record missing from v2) and returns its controller.
func startStallCutover(t *testing.T, ctx context.Context, store *diffstore.Store) *cutover.Controller {
	t.Helper()
	plan := cutover.Plan{Run: "stall", OnDivergence: cutover.PolicyRollback, Margin: 100 * time.Millisecond,
		MaxComparatorLag: 30 * time.Second, Steps: []cutover.Step{{Percent: 50, Hold: time.Hour, MinPairs: 1}, {Percent: 100, MinPairs: 1}}}
	ctl := &cutover.Controller{Store: store, RunName: "stall", Tick: 100 * time.Millisecond, AliveWithin: 5 * time.Second}
	req := cutover.Request{Actor: "test", Reason: "stall test"}
	if _, err := ctl.Apply(ctx, plan, req); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.Start(ctx, req); err != nil {
		t.Fatal(err)
	}
	return ctl
}

// checkStalled checks one moment of the stall: nothing counted missing,
// and the gate's sides check waiting on v2.
func checkStalled(t *testing.T, ctx context.Context, ctl *cutover.Controller, sum diffstore.Summary) {
	t.Helper()
	if sum.MissingInCandidate+sum.MissingInControl != 0 {
		t.Fatalf("v2 stopped: %d missing in candidate, %d in control; want none (v2 is slow, not lossy)",
			sum.MissingInCandidate, sum.MissingInControl)
	}
	st, err := ctl.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Gate == nil || st.Gate.Passed() || st.Phase != cutover.Running {
		t.Fatalf("v2 stopped: phase %s, gate %+v; want running with a gate that waits", st.Phase, st.Gate)
	}
	if why := strings.Join(st.Gate.Reasons(), "\n"); !strings.Contains(why, "sides: v2 behind by") {
		t.Fatalf("v2 stopped: gate reasons %q; want the sides check waiting on v2", why)
	}
}

// checkGateHeld checks the gate evaluations the controller recorded
// between from and to: there are some, none passed, and they say v2 was
// behind.
func checkGateHeld(t *testing.T, ctx context.Context, store *diffstore.Store, from, to time.Time) {
	t.Helper()
	evals, err := store.GateEvaluations(ctx, "stall", diffstore.GateEvaluationsKept)
	if err != nil {
		t.Fatal(err)
	}
	held := 0
	for _, e := range evals {
		if e.At.Before(from) || e.At.After(to) {
			continue
		}
		held++
		if e.Passed || !strings.Contains(strings.Join(e.Reasons, "\n"), "v2 behind by") {
			t.Fatalf("gate evaluation %+v while v2 was behind: want not passed, saying v2 is behind", e)
		}
	}
	if held == 0 {
		t.Fatalf("no gate evaluation recorded between %s and %s", from, to)
	}
}
