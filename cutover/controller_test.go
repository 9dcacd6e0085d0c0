package cutover_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
)

// TestInvariantGateFailsClosed is invariant 3: with the comparator stopped,
// with zero traffic, with lag over the limit, and before the hold, the
// controller does not advance, records why, and status says why.
func TestInvariantGateFailsClosed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(e *env, c *cutover.Controller)
		why   string // in the status and the recorded reasons
	}{
		{"with no comparator ever", func(e *env, _ *cutover.Controller) {
			e.pairs(1000, e.windowMinute())
		}, "no comparator instance has ever sent a heartbeat"},
		{"with the comparator stopped", func(e *env, c *cutover.Controller) {
			e.comparatorUp(0)
			e.pairs(1000, e.windowMinute())
			c.AliveWithin = time.Nanosecond // the heartbeat just sent is already too old
		}, "no comparator instance sent a heartbeat in the last"},
		{"with zero traffic", func(e *env, _ *cutover.Controller) {
			e.comparatorUp(0)
		}, "pairs: 0/100 pairs compared"},
		{"with pairs only from before the stage", func(e *env, _ *cutover.Controller) {
			e.comparatorUp(0)
			e.pairs(1000, e.windowMinute().Add(-time.Minute))
		}, "pairs: 0/100 pairs compared"},
		{"with lag over the limit", func(e *env, _ *cutover.Controller) {
			e.comparatorUp(time.Hour)
			e.pairs(1000, e.windowMinute())
		}, "over max_comparator_lag 10s"},
		{"with v2 behind (records wait for it; none is missing)", func(e *env, _ *cutover.Controller) {
			e.comparatorUp(0)
			lag := int64(1204)
			if err := e.store.Beat(e.t.Context(), e.run, "cmp-a", diffstore.Beat{Partitions: []int{0},
				Candidate: diffstore.SideProgress{Behind: true, LagSeconds: 45, InputLag: &lag}}); err != nil {
				e.t.Fatalf("Beat = %v", err)
			}
			e.pairs(1000, e.windowMinute())
		}, "sides: v2 behind by 45s (1,204 events not yet converted)"},
		{"before the hold has passed", func(e *env, _ *cutover.Controller) {
			e.comparatorUp(0)
			e.pairs(1000, e.windowMinute())
			e.holdFor(59 * time.Second)
		}, "hold: 1s left of 1m00s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, planYAML(fourSteps, "max_comparator_lag: 10s"))
			c := e.controller("ctl")
			e.must(c.Start(t.Context(), req("go")))
			e.holdFor(2 * time.Minute)
			tc.setup(e, c)

			if d := e.reconcile(c); d.Action != cutover.ActionNone || d.Gate == nil || d.Gate.Passed() {
				t.Fatalf("Reconcile = %s (gate %+v), want no decision and a gate that did not pass", d.Action, d.Gate)
			}
			if got := e.percents(); !slices.Equal(got, []float64{1}) {
				t.Errorf("transitions = %v, want only the start's [1]", got)
			}
			evals, err := e.store.GateEvaluations(t.Context(), e.run, 1)
			if err != nil || len(evals) != 1 || evals[0].Passed || !strings.Contains(strings.Join(evals[0].Reasons, "\n"), tc.why) {
				t.Errorf("recorded evaluation = %+v (%v), want one not passed saying %q", evals, err, tc.why)
			}
			st, err := c.Status(t.Context())
			if err != nil {
				t.Fatalf("Status = %v", err)
			}
			if why := strings.Join(st.Waiting, "\n"); !strings.Contains(why, tc.why) {
				t.Errorf("status waiting = %q, want it to say %q", why, tc.why)
			}
		})
	}
}

func TestControllerAdvancesOnlyAfterHoldAndMinPairs(t *testing.T) {
	t.Parallel()
	e := newEnv(t, planYAML(fourSteps))
	c := e.controller("ctl")
	e.must(c.Start(t.Context(), req("go")))
	e.comparatorUp(0)
	minute := e.windowMinute()

	e.pairs(99, minute)
	e.holdFor(2 * time.Minute)
	if d := e.reconcile(c); d.Action != cutover.ActionNone {
		t.Fatalf("with 99 of 100 pairs: Reconcile = %s, want none", d.Action)
	}
	e.pairs(1, minute)
	e.holdFor(time.Minute - time.Millisecond)
	if d := e.reconcile(c); d.Action != cutover.ActionNone {
		t.Fatalf("with 100 pairs a millisecond before the hold: Reconcile = %s, want none", d.Action)
	}
	for i, want := range []float64{10, 50, 100} {
		e.pairs(100, minute) // the window's pairs grow with each step's min_pairs
		e.holdFor(time.Minute)
		d := e.reconcile(c)
		if d.Action != cutover.ActionAdvance || d.To.Percent != want || d.Gate == nil || !d.Gate.Passed() {
			t.Fatalf("step %d: Reconcile = %s to %v%% (gate %+v), want advance to %v%% on a passed gate", i, d.Action, d.To.Percent, d.Gate, want)
		}
		if d.Transition == nil || d.Transition.Percent != want {
			t.Errorf("step %d: transition %+v, want one to %v%%", i, d.Transition, want)
		}
		// The next tick waits for the new stage's hold, except at the last
		// step, whose hold is 0s and whose pairs are there: it promotes.
		wantNext := cutover.ActionNone
		if want == 100 {
			wantNext = cutover.ActionPromote
		}
		if next := e.reconcile(c); next.Action != wantNext {
			t.Errorf("step %d: the next tick decided %s, want %s", i, next.Action, wantNext)
		}
	}
	if got := e.percents(); !slices.Equal(got, []float64{1, 10, 50, 100}) {
		t.Errorf("transitions = %v, want [1 10 50 100]", got)
	}
	if st := e.state(); st.Phase != diffstore.PhasePromoted || st.Stage != 3 {
		t.Errorf("state = %s at stage %d, want promoted at stage 3", st.Phase, st.Stage)
	}
	h, err := e.store.History(t.Context(), e.run, 0)
	if err != nil {
		t.Fatalf("History = %v", err)
	}
	var actions []string
	for _, a := range h {
		actions = append(actions, a.Action+" by "+a.Actor)
	}
	want := []string{"promote by ctl", "advance by ctl", "advance by ctl", "advance by ctl", "start by alice", "apply by alice"}
	if diff := cmp.Diff(want, actions); diff != "" {
		t.Errorf("history (-want +got):\n%s", diff)
	}
}

// started returns an env whose cutover runs at its second step (10%), with
// a healthy comparator and the hold passed.
func started(t *testing.T, plan string) (*env, *cutover.Controller) {
	t.Helper()
	e := newEnv(t, plan)
	c := e.controller("ctl")
	e.must(c.Start(t.Context(), req("go")))
	e.must(c.Advance(t.Context(), req("skip the canary")))
	e.comparatorUp(0)
	e.pairs(1000, e.windowMinute())
	e.holdFor(30 * time.Second)
	return e, c
}

// dbNow reads the database clock (the horizon of a route with no plan).
func dbNow(t *testing.T, st *diffstore.Store) time.Time {
	t.Helper()
	r, err := st.Route(t.Context(), "clock-only")
	if err != nil {
		t.Fatalf("Route = %v", err)
	}
	return r.Horizon
}

func TestControllerRollsBackAtTheNextTickAfterADivergence(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		inject   func(e *env)
		rollback bool
	}{
		{"a divergent pair in the window", func(e *env) { e.diverge(diffstore.KindDivergent, e.windowMinute()) }, true},
		{"a record missing from v2", func(e *env) { e.diverge(diffstore.KindMissingInCandidate, e.windowMinute()) }, true},
		{"v2 writing one identity twice, differently", func(e *env) { e.diverge(diffstore.KindDuplicateCandidate, e.windowMinute()) }, true},
		{"an earlier stage's divergence found during this one", func(e *env) {
			e.diverge(diffstore.KindDivergent, e.state().StageStartedAt.Add(-time.Hour))
		}, true},
		{"a record missing from v1 is v1's doing", func(e *env) { e.diverge(diffstore.KindMissingInControl, e.windowMinute()) }, false},
		{"accepted differences are not divergences", func(e *env) {
			e.commit(diffstore.CommitBatch{Accepted: []diffstore.AcceptedPair{{Identity: "known-bug",
				Diff: []diffstore.FieldDiff{{Path: "business_date", Control: []byte(`"a"`), Candidate: []byte(`"b"`), Rule: "utc-date"}}}}})
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e, c := started(t, planYAML(fourSteps))
			recorded := dbNow(t, e.store)
			tc.inject(e)
			d := e.reconcile(c)
			if !tc.rollback {
				if d.Action == cutover.ActionRollback || e.state().Phase != diffstore.PhaseRunning {
					t.Fatalf("Reconcile = %s, state %s; want no rollback", d.Action, e.state().Phase)
				}
				return
			}
			if d.Action != cutover.ActionRollback || d.Transition == nil || d.Transition.Percent != 0 {
				t.Fatalf("Reconcile = %s (transition %+v), want a rollback to 0%%", d.Action, d.Transition)
			}
			// One tick (here: at once) plus the margin: in force within 2s.
			if in := d.Transition.EffectiveFrom.Sub(recorded); in > 2*time.Second {
				t.Errorf("rollback in force %v after the divergence was recorded, want within 2s", in)
			}
			if st := e.state(); st.Phase != diffstore.PhaseRolledBack || st.Stage != diffstore.StageBeforeFirst {
				t.Errorf("state = %s at stage %d, want rolled_back before the first step", st.Phase, st.Stage)
			}
			if got := e.percents(); !slices.Equal(got, []float64{1, 10, 0}) {
				t.Errorf("transitions = %v, want [1 10 0]", got)
			}
			if again := e.reconcile(c); again.Action != cutover.ActionNone {
				t.Errorf("the tick after the rollback decided %s, want none", again.Action)
			}
		})
	}
}

func TestControllerPausesUnderThePausePolicy(t *testing.T) {
	t.Parallel()
	e, c := started(t, planYAML(fourSteps, "on_divergence: pause"))
	e.diverge(diffstore.KindDivergent, *e.state().StageStartedAt)
	if d := e.reconcile(c); d.Action != cutover.ActionPause || d.Transition != nil || d.To.Percent != 10 {
		t.Fatalf("Reconcile = %s to %v%% (transition %+v), want a pause at 10%% without a transition", d.Action, d.To.Percent, d.Transition)
	}
	if d := e.reconcile(c); d.Action != cutover.ActionNone {
		t.Errorf("a tick while paused decided %s, want none", d.Action)
	}
	if got := e.percents(); !slices.Equal(got, []float64{1, 10}) {
		t.Errorf("transitions while paused = %v, want [1 10]", got)
	}
	// Resuming opens a new window at the same percent: the divergence that
	// paused the stage, understood by whoever resumed, is not counted again.
	d := e.must(c.Resume(t.Context(), req("known: v1 rounds half-up")))
	if d.Action != cutover.ActionResume || d.Transition == nil || d.Transition.Percent != 10 {
		t.Fatalf("Resume = %s (transition %+v), want a new transition at 10%%", d.Action, d.Transition)
	}
	if d := e.reconcile(c); d.Action == cutover.ActionPause {
		t.Errorf("the tick after resume paused again on the old divergence")
	}
	e.diverge(diffstore.KindDivergent, *e.state().StageStartedAt)
	if d := e.reconcile(c); d.Action != cutover.ActionPause {
		t.Errorf("a new divergence after resume: Reconcile = %s, want pause", d.Action)
	}
}

func TestManualCommandsFollowThePhaseMachine(t *testing.T) {
	t.Parallel()
	e := newEnv(t, planYAML(fourSteps))
	c := e.controller("ctl")
	ctx := t.Context()
	refused := func(name string, err error) {
		t.Helper()
		var pe *cutover.PhaseError
		if !errors.Is(err, cutover.ErrPhase) || !errors.As(err, &pe) || pe.Hint == "" {
			t.Errorf("%s = %v, want a *PhaseError with a hint", name, err)
		}
	}
	_, err := c.Advance(ctx, req(""))
	refused("Advance while pending", err)
	_, err = c.Pause(ctx, req(""))
	refused("Pause while pending", err)
	_, err = c.Rollback(ctx, req(""))
	refused("Rollback while pending", err)
	_, err = c.Resume(ctx, req(""))
	refused("Resume while pending", err)

	dry := e.must(c.Start(ctx, cutover.Request{Actor: "alice", DryRun: true}))
	if !dry.DryRun || dry.To.Phase != cutover.Running || len(e.percents()) != 0 {
		t.Errorf("Start --dry-run = %+v with transitions %v, want a running decision and nothing written", dry, e.percents())
	}
	steps := []struct {
		name string
		cmd  func() (cutover.Decision, error)
		want cutover.Position
	}{
		{"start", func() (cutover.Decision, error) { return c.Start(ctx, req("go")) }, cutover.Position{0, cutover.Running, 1}},
		{"pause", func() (cutover.Decision, error) { return c.Pause(ctx, req("lunch")) }, cutover.Position{0, cutover.Paused, 1}},
		{"advance while paused", func() (cutover.Decision, error) { return c.Advance(ctx, req("enough")) }, cutover.Position{1, cutover.Running, 10}},
		{"rollback", func() (cutover.Decision, error) { return c.Rollback(ctx, req("oops")) }, cutover.Position{-1, cutover.RolledBack, 0}},
		{"resume after rollback", func() (cutover.Decision, error) { return c.Resume(ctx, req("fixed")) }, cutover.Position{0, cutover.Running, 1}},
		{"advance", func() (cutover.Decision, error) { return c.Advance(ctx, req("a")) }, cutover.Position{1, cutover.Running, 10}},
		{"advance", func() (cutover.Decision, error) { return c.Advance(ctx, req("b")) }, cutover.Position{2, cutover.Running, 50}},
		{"advance", func() (cutover.Decision, error) { return c.Advance(ctx, req("c")) }, cutover.Position{3, cutover.Running, 100}},
		{"advance at the last step promotes", func() (cutover.Decision, error) { return c.Advance(ctx, req("d")) }, cutover.Position{3, cutover.Promoted, 100}},
		{"abort after promotion", func() (cutover.Decision, error) { return c.Abort(ctx, req("downstream broke")) }, cutover.Position{-1, cutover.Aborted, 0}},
	}
	for _, s := range steps {
		d := e.must(s.cmd())
		if d.To != s.want || d.Actor != "alice" {
			t.Fatalf("%s: decision to %+v by %q, want %+v by alice", s.name, d.To, d.Actor, s.want)
		}
	}
	_, err = c.Start(ctx, req(""))
	refused("Start while aborted", err)
	if d := e.must(c.Abort(ctx, req("again"))); d.Action != cutover.ActionNone {
		t.Errorf("Abort while aborted = %s, want none", d.Action)
	}
	if got, want := e.percents(), []float64{1, 10, 0, 1, 10, 50, 100, 0}; !slices.Equal(got, want) {
		t.Errorf("transitions = %v, want %v", got, want)
	}
	if d := e.must(c.Apply(ctx, e.plan, req("again"))); d.To.Phase != cutover.Pending {
		t.Errorf("Apply after abort = %+v, want pending", d.To)
	}
}

func TestApplyKeepsARunningCutoverAtItsPercent(t *testing.T) {
	t.Parallel()
	e, c := started(t, planYAML(fourSteps))
	window := e.state().StageStartedAt
	p, err := cutover.ParsePlan("v2.yaml", []byte(planYAML([]string{"{percent: 5, hold: 0s, min_pairs: 1}",
		"{percent: 10, hold: 5m, min_pairs: 1}", "{percent: 100, hold: 0s, min_pairs: 1}"})))
	if err != nil {
		t.Fatalf("ParsePlan = %v", err)
	}
	d := e.must(c.Apply(t.Context(), p, req("longer hold at 10%")))
	if d.To != (cutover.Position{Stage: 1, Phase: cutover.Running, Percent: 10}) || d.PlanVersion != 2 {
		t.Errorf("Apply = %+v, want stage 1 at 10%% under plan version 2", d)
	}
	if st := e.state(); !st.StageStartedAt.Equal(*window) || len(e.percents()) != 2 {
		t.Errorf("Apply moved the window to %s or wrote a transition (%v)", st.StageStartedAt, e.percents())
	}
	p.Steps = []cutover.Step{{Percent: 20, MinPairs: 1}, {Percent: 100, MinPairs: 1}}
	if _, err := c.Apply(t.Context(), p, req("")); !errors.Is(err, cutover.ErrPhase) {
		t.Errorf("Apply of a plan without the running percent = %v, want ErrPhase", err)
	}
	p.Run = "other"
	if _, err := c.Apply(t.Context(), p, req("")); err == nil {
		t.Error("Apply of another run's plan = nil error")
	}
}

// TestDecisionsAreMadeOnce races controllers that all see a passing gate:
// exactly one advance is written.
func TestDecisionsAreMadeOnce(t *testing.T) {
	t.Parallel()
	e, _ := started(t, planYAML(fourSteps))
	// Exactly the hold: the next stage, which starts later, waits for its
	// own, so one advance is all there is to decide.
	e.holdFor(time.Minute)
	const n = 8
	decisions := make(chan cutover.Decision, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			d, err := e.controller("racer").Reconcile(t.Context())
			errs <- err
			decisions <- d
		}()
	}
	advanced := 0
	for range n {
		if err := <-errs; err != nil {
			t.Errorf("Reconcile = %v", err)
		}
		d := <-decisions
		if d.Action == cutover.ActionAdvance {
			advanced++
		}
		if d.Gate != nil && !d.Gate.Passed() {
			t.Logf("a racer's gate did not pass: %v", d.Gate.Reasons())
		}
	}
	if got := e.percents(); advanced != 1 || !slices.Equal(got, []float64{1, 10, 50}) {
		t.Errorf("%d racing controllers: %d advanced, transitions %v; want one advance to 50%%", n, advanced, got)
	}
}
