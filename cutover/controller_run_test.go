package cutover_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
)

// running is a controller's Run in a goroutine, stopped by cancel.
type running struct {
	cancel  context.CancelFunc
	done    chan error
	stopped bool // stop ran; only the test goroutine calls stop
}

// runController starts c.Run and stops it at cleanup at the latest.
func runController(t *testing.T, c *cutover.Controller) *running {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	r := &running{cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- c.Run(ctx) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

// stop cancels the Run and fails the test if it does not return within 5s.
func (r *running) stop(t *testing.T) {
	t.Helper()
	if r.stopped {
		return
	}
	r.stopped = true
	r.cancel()
	select {
	case err := <-r.done:
		if err != nil {
			t.Errorf("Run = %v, want nil after cancel", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of its context's end")
	}
}

// actorsOf returns the audit log's decisions other than apply, as
// "action by actor", oldest first.
func actorsOf(t *testing.T, e *env) []string {
	t.Helper()
	h, err := e.store.History(t.Context(), e.run, 0)
	if err != nil {
		t.Fatalf("History = %v", err)
	}
	var out []string
	for i := len(h) - 1; i >= 0; i-- {
		if h[i].Action != "apply" {
			out = append(out, h[i].Action+" by "+h[i].Actor)
		}
	}
	return out
}

// TestLeaderElectionHandsOverWithoutDecidingTwice runs two controllers:
// one leads, the other stands by; when the leader is stopped, the standby
// takes over within seconds, and the route has each step exactly once.
func TestLeaderElectionHandsOverWithoutDecidingTwice(t *testing.T) {
	t.Parallel()
	// No hold, and pair counts that grow by 10 a step: each batch of 10
	// pairs lets exactly one step pass.
	e := newEnv(t, planYAML([]string{
		"{percent: 1, hold: 0s, min_pairs: 10}",
		"{percent: 10, hold: 0s, min_pairs: 20}",
		"{percent: 50, hold: 0s, min_pairs: 30}",
		"{percent: 100, hold: 0s, min_pairs: 40}",
	}, "margin: 100ms"))
	e.comparatorUp(-10 * time.Minute) // watermarks ahead of the clock: no lag
	minute := time.Now().Truncate(time.Minute).Add(2 * time.Minute)
	transitions := func() int { return len(e.route().Transitions) }
	evaluations := func() int {
		g, err := e.store.GateEvaluations(t.Context(), e.run, diffstore.GateEvaluationsKept)
		if err != nil {
			t.Fatalf("GateEvaluations = %v", err)
		}
		return len(g)
	}
	newController := func(actor string) *cutover.Controller {
		c := e.controller(actor)
		c.Now, c.Tick, c.AutoStart = time.Now, 50*time.Millisecond, true
		return c
	}

	a := runController(t, newController("ctl-a"))
	waitFor(t, 5*time.Second, "ctl-a starts the cutover", func() bool { return transitions() == 1 })
	runController(t, newController("ctl-b"))
	e.pairs(10, minute)
	waitFor(t, 5*time.Second, "the leader advances to 10%", func() bool { return transitions() == 2 })
	// Several ticks later, with both controllers up, still one advance.
	seen := evaluations()
	waitFor(t, 5*time.Second, "five more ticks of the leader", func() bool { return evaluations() >= seen+5 })
	if n := transitions(); n != 2 {
		t.Fatalf("with two controllers up, %d transitions, want 2", n)
	}

	a.stop(t)
	stopped := time.Now()
	e.pairs(10, minute)
	waitFor(t, 5*time.Second, "the standby takes over and advances to 50%", func() bool { return transitions() == 3 })
	t.Logf("the standby decided %v after the leader stopped", time.Since(stopped).Round(time.Millisecond))
	e.pairs(10, minute)
	waitFor(t, 5*time.Second, "the new leader advances to 100%", func() bool { return transitions() == 4 })
	e.pairs(10, minute)
	waitFor(t, 5*time.Second, "the new leader promotes", func() bool { return e.state().Phase == diffstore.PhasePromoted })

	if got := e.percents(); !slices.Equal(got, []float64{1, 10, 50, 100}) {
		t.Errorf("transitions = %v, want each step once: [1 10 50 100]", got)
	}
	want := []string{"start by ctl-a", "advance by ctl-a", "advance by ctl-b", "advance by ctl-b", "promote by ctl-b"}
	if got := actorsOf(t, e); !slices.Equal(got, want) {
		t.Errorf("decisions = %q, want %q", got, want)
	}
}

func TestRunReturnsWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	e := newEnv(t, planYAML(fourSteps))
	r := runController(t, e.controller("ctl"))
	waitFor(t, 5*time.Second, "the controller leads", func() bool {
		active, err := e.store.LeaderActive(t.Context(), e.run)
		return err == nil && active
	})
	r.stop(t)
	active, err := e.store.LeaderActive(t.Context(), e.run)
	if err != nil || active {
		t.Errorf("LeaderActive after Run returned = %v, %v; want the lock released", active, err)
	}
}

func TestRunRefusesAnInvalidController(t *testing.T) {
	t.Parallel()
	if err := (&cutover.Controller{}).Run(t.Context()); err == nil {
		t.Error("Run of a Controller without Store and RunName = nil, want an error")
	}
}
