package cutover_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
)

// TestPropertyRouteStaysWithinThePlan drives a cutover with random
// sequences of commands, controller ticks and injected divergences, and
// checks after every step that the route agrees with the state, and at the
// end that:
//
//   - at every source event time the route gives v2 a percent of the plan,
//     or 0;
//   - effective times never go back;
//   - every transition took effect at least the margin after it was
//     written.
func TestPropertyRouteStaysWithinThePlan(t *testing.T) {
	t.Parallel()
	for seed := range uint64(4) {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			t.Parallel()
			policy := "on_divergence: rollback"
			if seed%2 == 1 {
				policy = "on_divergence: pause"
			}
			e := newEnv(t, planYAML(fourSteps, policy, "margin: 250ms"))
			e.comparatorUp(0)
			rng := rand.New(rand.NewPCG(seed, 42))
			for i := range 150 {
				op := randomOp(t, e, rng)
				checkRouteAgreesWithState(t, e, i, op)
			}
			checkRoute(t, e)
			t.Logf("%d transitions: %v; history %v", len(e.route().Transitions), e.percents(), actorsOf(t, e))
		})
	}
}

// randomOp runs one random operation and returns its name. Commands the
// phase refuses are part of the game.
func randomOp(t *testing.T, e *env, rng *rand.Rand) string {
	t.Helper()
	c := e.controller("prop")
	ctx := t.Context()
	var err error
	name := ""
	op := rng.IntN(9)
	// A promoted or aborted cutover only moves on by abort and apply: make
	// those likely then, so that the game goes on.
	switch phase := cutover.Phase(e.state().Phase); {
	case phase.Completed() && rng.IntN(2) == 0:
		op = 5
	}
	commands := []struct {
		name string
		run  func(context.Context, cutover.Request) (cutover.Decision, error)
	}{{"start", c.Start}, {"advance", c.Advance}, {"pause", c.Pause}, {"resume", c.Resume}, {"rollback", c.Rollback}}
	switch {
	case op < len(commands):
		name = commands[op].name
		_, err = commands[op].run(ctx, req(name))
	case op == 5:
		if cutover.Phase(e.state().Phase) != cutover.Aborted && rng.IntN(3) == 0 {
			name = "abort"
			_, err = c.Abort(ctx, req(name))
		} else {
			name = "apply"
			_, err = c.Apply(ctx, e.plan, req(name))
		}
	case op == 6:
		name = "diverge+tick"
		if s := e.state(); s.StageStartedAt != nil {
			e.diverge(diffstore.KindDivergent, s.StageStartedAt.Add(time.Duration(rng.IntN(60))*time.Second))
		}
		_, err = c.Reconcile(ctx)
	default:
		name = "pairs+tick"
		if s := e.state(); s.StageStartedAt != nil {
			e.pairs(int64(rng.IntN(400)), e.windowMinute())
			e.holdFor(time.Duration(rng.IntN(120)) * time.Second)
		}
		_, err = c.Reconcile(ctx)
	}
	if err != nil && !errors.Is(err, cutover.ErrPhase) {
		t.Fatalf("%s: %v", name, err)
	}
	return name
}

// checkRouteAgreesWithState: the route's last transition gives v2 what the
// state's stage does.
func checkRouteAgreesWithState(t *testing.T, e *env, i int, op string) {
	t.Helper()
	st := e.state()
	r := e.route()
	last := 0.0
	if n := len(r.Transitions); n > 0 {
		last = r.Transitions[n-1].Percent
	}
	if want := e.plan.PercentOf(st.Stage); last != want {
		t.Fatalf("after op %d (%s): state %s at stage %d (%v%%), but the route's last transition is %v%%",
			i, op, st.Phase, st.Stage, want, last)
	}
}

func checkRoute(t *testing.T, e *env) {
	t.Helper()
	allowed := map[float64]bool{0: true}
	for _, s := range e.plan.Steps {
		allowed[s.Percent] = true
	}
	r := e.route()
	if len(r.Transitions) == 0 {
		t.Fatal("no transition in 150 random operations")
	}
	for i, tr := range r.Transitions {
		if !allowed[tr.Percent] {
			t.Errorf("transition %d to %v%%, not a percent of the plan nor 0", tr.Seq, tr.Percent)
		}
		if i > 0 && tr.EffectiveFrom.Before(r.Transitions[i-1].EffectiveFrom) {
			t.Errorf("transition %d effective from %s, before transition %d's %s", tr.Seq, tr.EffectiveFrom,
				r.Transitions[i-1].Seq, r.Transitions[i-1].EffectiveFrom)
		}
		if lead := tr.EffectiveFrom.Sub(tr.CreatedAt); lead < e.plan.Margin {
			t.Errorf("transition %d effective %v after it was written, want at least the margin %v", tr.Seq, lead, e.plan.Margin)
		}
	}
	// Sample the route itself, between and at every effective time.
	first, end := r.Transitions[0].EffectiveFrom, r.Horizon
	for at := first.Add(-time.Second); at.Before(end); at = at.Add(7 * time.Millisecond) {
		if p := r.PercentAt(at); !allowed[p] {
			t.Fatalf("PercentAt(%s) = %v, not a percent of the plan nor 0", at, p)
		}
	}
}
