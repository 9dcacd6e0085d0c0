package diffstore_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// applyPlan applies a minimal plan with margin to run, as its first version.
func applyPlan(t testing.TB, st *diffstore.Store, run string, margin time.Duration) diffstore.CutoverState {
	t.Helper()
	s, err := st.ApplyPlan(t.Context(), diffstore.PlanApply{Run: run, Plan: raw(`{"steps": []}`), Margin: margin,
		Actor: "tester", Reason: "test", Stage: diffstore.StageBeforeFirst, Phase: diffstore.PhasePending})
	if err != nil {
		t.Fatalf("ApplyPlan(%q) = %v", run, err)
	}
	return s
}

// dbNow reads the database clock.
func dbNow(t testing.TB, st *diffstore.Store) time.Time {
	t.Helper()
	r, err := st.Route(t.Context(), "no-such-run-for-the-clock")
	if err != nil {
		t.Fatalf("Route = %v", err)
	}
	return r.Horizon // no plan: margin 0, so the horizon is the clock
}

func addTransition(t testing.TB, st *diffstore.Store, run string, percent float64, margin time.Duration) diffstore.Transition {
	t.Helper()
	tr, err := st.AddTransition(t.Context(), run, percent, margin, "tester", "test")
	if err != nil {
		t.Fatalf("AddTransition(%q, %v) = %v", run, percent, err)
	}
	return tr
}

func TestRoutePercentAt(t *testing.T) {
	t.Parallel()
	at := func(s int) time.Time { return baseTime().Add(time.Duration(s) * time.Second) }
	r := diffstore.Route{Transitions: []diffstore.Transition{
		{Seq: 1, Percent: 1, EffectiveFrom: at(10)},
		{Seq: 2, Percent: 10, EffectiveFrom: at(20)},
		{Seq: 3, Percent: 50, EffectiveFrom: at(20)}, // same instant: the later seq wins
		{Seq: 4, Percent: 0, EffectiveFrom: at(30)},
	}, Horizon: at(40)}
	tests := []struct {
		name string
		t    time.Time
		want float64
	}{
		{"before any transition v2 owns nothing", at(9), 0},
		{"a transition is in force from its effective time on", at(10), 1},
		{"between transitions the earlier one holds", at(19), 1},
		{"of two transitions at one instant the later in seq holds", at(20), 50},
		{"a rollback to 0 holds after its time", at(35), 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := r.PercentAt(tc.t); got != tc.want {
				t.Errorf("PercentAt(%s) = %v, want %v", tc.t, got, tc.want)
			}
		})
	}
	if got := (diffstore.Route{}).PercentAt(at(0)); got != 0 {
		t.Errorf("empty Route.PercentAt = %v, want 0", got)
	}
	if got := (diffstore.Route{Transitions: []diffstore.Transition{{Percent: 0.07}}}).BucketsAt(at(0)); got != 7 {
		t.Errorf("BucketsAt at 0.07%% = %d, want 7 buckets", got)
	}
}

func TestAddTransitionTakesEffectAMarginAfterTheDatabaseClock(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Schema(t))
	const margin = 1500 * time.Millisecond
	applyPlan(t, st, "r", margin)

	var prev diffstore.Transition
	for i, pct := range []float64{1, 10, 0, 50, 100} {
		before := dbNow(t, st)
		// A smaller margin than the plan's is raised to the plan's.
		tr := addTransition(t, st, "r", pct, time.Millisecond)
		if tr.Seq != int64(i+1) || tr.Percent != pct {
			t.Errorf("transition %d = seq %d, %v%%; want seq %d, %v%%", i, tr.Seq, tr.Percent, i+1, pct)
		}
		if tr.EffectiveFrom.Before(before.Add(margin)) {
			t.Errorf("transition %d effective from %s, before the clock read before it (%s) plus the margin %v", i, tr.EffectiveFrom, before, margin)
		}
		if got := tr.EffectiveFrom.Sub(tr.CreatedAt); got < margin {
			t.Errorf("transition %d effective %v after it was written, want at least %v", i, got, margin)
		}
		if tr.EffectiveFrom.Before(prev.EffectiveFrom) {
			t.Errorf("transition %d effective from %s, before the previous one's %s", i, tr.EffectiveFrom, prev.EffectiveFrom)
		}
		prev = tr
	}
	// A longer margin for one transition is honoured.
	tr := addTransition(t, st, "r", 1, time.Hour)
	if got := tr.EffectiveFrom.Sub(tr.CreatedAt); got < time.Hour {
		t.Errorf("transition with margin 1h effective %v after it was written", got)
	}
	// A plan with a smaller margin does not let transitions come sooner.
	if _, err := st.ApplyPlan(t.Context(), diffstore.PlanApply{Run: "r", Plan: raw(`{}`), Margin: time.Millisecond, Actor: "tester",
		ExpectVersion: state(t, st, "r").Version, Stage: -1, Phase: diffstore.PhasePending}); err != nil {
		t.Fatalf("ApplyPlan with a smaller margin = %v", err)
	}
	after := addTransition(t, st, "r", 10, 0)
	if !after.EffectiveFrom.After(tr.EffectiveFrom) && !after.EffectiveFrom.Equal(tr.EffectiveFrom) {
		t.Errorf("transition after a 1h one effective from %s, before %s", after.EffectiveFrom, tr.EffectiveFrom)
	}
	if got := after.EffectiveFrom.Sub(after.CreatedAt); got < margin {
		t.Errorf("after lowering the margin, a transition is effective %v after it was written, want at least the old %v", got, margin)
	}
}

func state(t testing.TB, st *diffstore.Store, run string) diffstore.CutoverState {
	t.Helper()
	s, err := st.CutoverState(t.Context(), run)
	if err != nil {
		t.Fatalf("CutoverState(%q) = %v", run, err)
	}
	return s
}

func TestAddTransitionNeedsAPlan(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Tx(t))
	_, err := st.AddTransition(t.Context(), "nothing-applied", 10, time.Second, "tester", "")
	if !errors.Is(err, diffstore.ErrNotFound) {
		t.Errorf("AddTransition on a run without a plan = %v, want ErrNotFound", err)
	}
}

func TestRouteHorizonIsTheClockPlusTheMargin(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Schema(t))
	before := dbNow(t, st)
	r, err := st.Route(t.Context(), "r")
	if err != nil {
		t.Fatalf("Route = %v", err)
	}
	if len(r.Transitions) != 0 || r.Horizon.Before(before) || r.Horizon.After(before.Add(time.Minute)) {
		t.Errorf("Route of a run without a plan = %+v, want no transitions and the horizon at the clock (%s)", r, before)
	}
	applyPlan(t, st, "r", time.Hour)
	tr := addTransition(t, st, "r", 10, 0)
	r, err = st.Route(t.Context(), "r")
	if err != nil {
		t.Fatalf("Route = %v", err)
	}
	if r.Horizon.Before(before.Add(time.Hour)) {
		t.Errorf("horizon %s with a 1h margin, want after %s", r.Horizon, before.Add(time.Hour))
	}
	if diff := cmp.Diff([]diffstore.Transition{tr}, r.Transitions); diff != "" {
		t.Errorf("Route transitions (-want +got):\n%s", diff)
	}
}

// TestRouteIsCompleteBeforeItsHorizon is the switch's invariant under
// concurrency: every transition that takes effect before a route read's
// horizon is in that read.
func TestRouteIsCompleteBeforeItsHorizon(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Schema(t))
	const margin = time.Millisecond // the smallest margin: the tightest race
	applyPlan(t, st, "r", margin)

	const writes, readers = 60, 4
	reads := make(chan diffstore.Route, 1000)
	done := make(chan struct{})
	errs := make(chan error, readers+1)
	go func() {
		defer close(done)
		for i := range writes {
			if _, err := st.AddTransition(t.Context(), "r", float64(i%101), 0, "writer", ""); err != nil {
				errs <- err
				return
			}
		}
	}()
	for range readers {
		go func() {
			for {
				select {
				case <-done:
					errs <- nil
					return
				default:
				}
				r, err := st.Route(t.Context(), "r")
				if err != nil {
					errs <- err
					return
				}
				select {
				case reads <- r:
				default: // enough reads kept
				}
			}
		}()
	}
	for range readers {
		if err := <-errs; err != nil {
			t.Fatalf("concurrent route reads and writes: %v", err)
		}
	}
	close(reads)
	final, err := st.Route(t.Context(), "r")
	if err != nil {
		t.Fatalf("Route = %v", err)
	}
	if len(final.Transitions) != writes {
		t.Fatalf("%d transitions, want %d", len(final.Transitions), writes)
	}
	n := 0
	for r := range reads {
		n++
		for _, tr := range final.Transitions {
			if tr.EffectiveFrom.Before(r.Horizon) && !slices.ContainsFunc(r.Transitions, func(x diffstore.Transition) bool { return x.Seq == tr.Seq }) {
				t.Errorf("a route read with horizon %s misses transition %d effective from %s", r.Horizon, tr.Seq, tr.EffectiveFrom)
			}
		}
	}
	if n == 0 {
		t.Fatal("no route was read while transitions were written")
	}
}

func TestChangeCutoverIsACompareAndSet(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Tx(t))
	s0 := applyPlan(t, st, "r", time.Second)
	pct := 10.0
	change := diffstore.Change{Run: "r", ExpectVersion: s0.Version, Stage: 0, Phase: diffstore.PhaseRunning,
		Percent: &pct, Action: "start", Actor: "alice", Reason: "go"}
	s1, tr, err := st.ChangeCutover(t.Context(), change)
	if err != nil {
		t.Fatalf("ChangeCutover = %v", err)
	}
	if tr == nil || tr.Percent != 10 || s1.Stage != 0 || s1.Phase != diffstore.PhaseRunning || s1.Version <= s0.Version {
		t.Fatalf("ChangeCutover = %+v, %+v; want stage 0 running at 10%% with a new version", s1, tr)
	}
	if s1.StageStartedAt == nil || !s1.StageStartedAt.Equal(tr.EffectiveFrom) || !s1.StageEnteredAt.Equal(tr.CreatedAt) {
		t.Errorf("stage window = %v/%v, want the transition's %s/%s", s1.StageStartedAt, s1.StageEnteredAt, tr.EffectiveFrom, tr.CreatedAt)
	}
	// The same change again was made on a state that is gone.
	if _, _, err := st.ChangeCutover(t.Context(), change); !errors.Is(err, diffstore.ErrStale) {
		t.Errorf("ChangeCutover on a stale version = %v, want ErrStale", err)
	}
	r, err := st.Route(t.Context(), "r")
	if err != nil || len(r.Transitions) != 1 {
		t.Errorf("Route after a refused change = %d transitions (%v), want 1", len(r.Transitions), err)
	}
	h, err := st.History(t.Context(), "r", 0)
	if err != nil || len(h) != 2 || h[0].Action != "start" || h[1].Action != "apply" {
		t.Fatalf("History = %+v (%v), want start then apply, newest first", h, err)
	}
	var details struct{ Transition diffstore.Transition }
	if err := json.Unmarshal(h[0].Details, &details); err != nil || details.Transition.Seq != tr.Seq {
		t.Errorf("audit details of start = %s (%v), want the transition", h[0].Details, err)
	}
}

func TestApplyPlanKeepsEveryVersion(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Tx(t))
	s1 := applyPlan(t, st, "r", time.Second)
	if _, err := st.ApplyPlan(t.Context(), diffstore.PlanApply{Run: "r", Plan: raw(`{"v": 2}`), Margin: time.Second,
		Actor: "tester", Stage: -1, Phase: diffstore.PhasePending}); !errors.Is(err, diffstore.ErrStale) {
		t.Errorf("a second first ApplyPlan = %v, want ErrStale", err)
	}
	s2, err := st.ApplyPlan(t.Context(), diffstore.PlanApply{Run: "r", Plan: raw(`{"v": 2}`), Margin: 2 * time.Second,
		Actor: "bob", ExpectVersion: s1.Version, Stage: -1, Phase: diffstore.PhasePending})
	if err != nil || s2.PlanVersion != 2 {
		t.Fatalf("ApplyPlan v2 = %+v, %v; want plan version 2", s2, err)
	}
	p1, err := st.Plan(t.Context(), "r", 1)
	if err != nil || p1.Margin != time.Second || p1.CreatedBy != "tester" {
		t.Errorf("Plan(1) = %+v, %v", p1, err)
	}
	if _, err := st.Plan(t.Context(), "r", 3); !errors.Is(err, diffstore.ErrNotFound) {
		t.Errorf("Plan(3) = %v, want ErrNotFound", err)
	}
}

func TestRecordGateKeepsTheNewestEvaluations(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Tx(t))
	lag := 1.5
	var last int64
	for i := range diffstore.GateEvaluationsKept + 5 {
		id, err := st.RecordGate(t.Context(), diffstore.GateEvaluation{Run: "r", Stage: 0, Percent: 1, Pairs: int64(i),
			MinPairs: 10, LagSeconds: &lag, Reasons: []string{"pairs: few"}})
		if err != nil {
			t.Fatalf("RecordGate %d = %v", i, err)
		}
		last = id
	}
	got, err := st.GateEvaluations(t.Context(), "r", 2*diffstore.GateEvaluationsKept)
	if err != nil {
		t.Fatalf("GateEvaluations = %v", err)
	}
	if len(got) != diffstore.GateEvaluationsKept || got[0].ID != last || got[0].Pairs != diffstore.GateEvaluationsKept+4 {
		t.Errorf("kept %d evaluations, newest %+v; want %d, the newest first", len(got), got[0], diffstore.GateEvaluationsKept)
	}
}

func TestLeaderLockElectsOneLeader(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Schema(t))
	a, err := st.LeaderLock("r")
	if err != nil {
		t.Fatalf("LeaderLock = %v", err)
	}
	b, _ := st.LeaderLock("r")
	other, _ := st.LeaderLock("other-run")
	t.Cleanup(func() { _, _, _ = a.Close(t.Context()), b.Close(t.Context()), other.Close(t.Context()) })

	if active, err := st.LeaderActive(t.Context(), "r"); err != nil || active {
		t.Errorf("LeaderActive before any lock = %v, %v; want false", active, err)
	}
	if ok, err := a.TryAcquire(t.Context()); !ok || err != nil {
		t.Fatalf("first TryAcquire = %v, %v; want true", ok, err)
	}
	if ok, err := b.TryAcquire(t.Context()); ok || err != nil {
		t.Errorf("second TryAcquire while the first holds = %v, %v; want false", ok, err)
	}
	if ok, err := other.TryAcquire(t.Context()); !ok || err != nil {
		t.Errorf("TryAcquire of another run = %v, %v; want true", ok, err)
	}
	if err := a.Check(t.Context()); err != nil {
		t.Errorf("Check of the holder = %v", err)
	}
	if active, err := st.LeaderActive(t.Context(), "r"); err != nil || !active {
		t.Errorf("LeaderActive while held = %v, %v; want true", active, err)
	}
	if err := a.Close(t.Context()); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if err := a.Check(t.Context()); !errors.Is(err, diffstore.ErrLeadershipLost) {
		t.Errorf("Check after Close = %v, want ErrLeadershipLost", err)
	}
	if ok, err := b.TryAcquire(t.Context()); !ok || err != nil {
		t.Errorf("TryAcquire after the leader closed = %v, %v; want true", ok, err)
	}
	if _, err := diffstore.New(pgtest.Tx(t)).LeaderLock("r"); err == nil {
		t.Error("LeaderLock over a transaction = nil error, want one: it needs a pool")
	}
}
