package cutover_test

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// fakeClock is a clock tests set by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// env is one run on a fresh schema: its comparator's rows (partition 0,
// claimed by "cmp-a") and its cutover, with a hand-set clock.
type env struct {
	t     *testing.T
	store *diffstore.Store
	run   string
	clock *fakeClock
	epoch int64
	plan  cutover.Plan
	n     int       // divergences injected, for unique identities
	wm    time.Time // partition 0's watermarks, sent with every commit as a comparator does
}

// planYAML builds a plan for run "r" from step lines such as
// "{percent: 1, hold: 1m, min_pairs: 100}" and extra top-level lines.
func planYAML(steps []string, extra ...string) string {
	return "run: r\nsteps:\n  - " + strings.Join(steps, "\n  - ") + "\n" + strings.Join(extra, "\n") + "\n"
}

// fourSteps is the plan most tests use: 1, 10, 50, 100 with one-minute
// holds and growing pair counts.
var fourSteps = []string{
	"{percent: 1, hold: 1m, min_pairs: 100}",
	"{percent: 10, hold: 1m, min_pairs: 200}",
	"{percent: 50, hold: 1m, min_pairs: 300}",
	"{percent: 100, hold: 0s, min_pairs: 0}",
}

// newEnv applies the plan (YAML) to run "r" on a fresh schema.
func newEnv(t *testing.T, plan string) *env {
	t.Helper()
	st := diffstore.New(pgtest.Schema(t))
	e := &env{t: t, store: st, run: "r", clock: &fakeClock{t: time.Now()}}
	if err := st.EnsureRun(t.Context(), diffstore.Run{Name: e.run, ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2"}); err != nil {
		t.Fatalf("EnsureRun = %v", err)
	}
	cp, err := st.ClaimPartition(t.Context(), e.run, 0, "cmp-a")
	if err != nil {
		t.Fatalf("ClaimPartition = %v", err)
	}
	e.epoch = cp.Epoch
	p, err := cutover.ParsePlan("test.yaml", []byte(plan))
	if err != nil {
		t.Fatalf("ParsePlan = %v", err)
	}
	e.plan = p
	if _, err := e.controller("alice").Apply(t.Context(), p, cutover.Request{Actor: "alice", Reason: "test plan"}); err != nil {
		t.Fatalf("Apply = %v", err)
	}
	return e
}

// controller returns a controller of the env's run, on its clock, that
// counts heartbeats up to a minute old as alive.
func (e *env) controller(actor string) *cutover.Controller {
	return &cutover.Controller{Store: e.store, RunName: e.run, Actor: actor, Now: e.clock.Now, AliveWithin: time.Minute}
}

// req is a manual request by alice.
func req(reason string) cutover.Request { return cutover.Request{Actor: "alice", Reason: reason} }

// commit commits a comparator batch on partition 0.
func (e *env) commit(b diffstore.CommitBatch) {
	e.t.Helper()
	b.Run, b.Partition, b.Epoch = e.run, 0, e.epoch
	b.WatermarkControl, b.WatermarkCandidate = e.wm, e.wm
	if err := e.store.CommitBatch(e.t.Context(), b); err != nil {
		e.t.Fatalf("CommitBatch = %v", err)
	}
}

// comparatorUp commits partition 0's watermarks lag behind the clock and
// sends instance cmp-a's heartbeat owning it.
func (e *env) comparatorUp(lag time.Duration) {
	e.t.Helper()
	e.wm = time.Now().Add(-lag)
	e.commit(diffstore.CommitBatch{})
	if err := e.store.Heartbeat(e.t.Context(), e.run, "cmp-a", []int{0}, 0, false); err != nil {
		e.t.Fatalf("Heartbeat = %v", err)
	}
}

// pairs commits n compared pairs in the minute of source event time at.
func (e *env) pairs(n int64, at time.Time) {
	e.t.Helper()
	e.commit(diffstore.CommitBatch{Counts: []diffstore.MinuteCounts{{Minute: at, Counts: diffstore.Counts{Pairs: n, Equal: n}}}})
}

// diverge commits a divergence of kind at source event time at.
func (e *env) diverge(kind diffstore.Kind, at time.Time) {
	e.t.Helper()
	e.n++
	d := diffstore.Divergence{Identity: fmt.Sprintf("order-%d", e.n), Kind: kind, EventTime: at,
		Control: []byte(`{"net": 1}`), Candidate: []byte(`{"net": 2}`),
		Diff: []diffstore.FieldDiff{{Path: "net", Control: []byte("1"), Candidate: []byte("2")}}}
	e.commit(diffstore.CommitBatch{Divergences: []diffstore.Divergence{d}})
}

func (e *env) state() diffstore.CutoverState {
	e.t.Helper()
	s, err := e.store.CutoverState(e.t.Context(), e.run)
	if err != nil {
		e.t.Fatalf("CutoverState = %v", err)
	}
	return s
}

// windowMinute is the first minute of source event time the current
// stage's gate counts pairs in.
func (e *env) windowMinute() time.Time {
	e.t.Helper()
	s := e.state()
	if s.StageStartedAt == nil {
		e.t.Fatal("no stage window yet")
	}
	m := s.StageStartedAt.Truncate(time.Minute)
	if m.Before(*s.StageStartedAt) {
		m = m.Add(time.Minute)
	}
	return m
}

// holdFor sets the clock d after the current stage took effect.
func (e *env) holdFor(d time.Duration) {
	e.t.Helper()
	e.clock.Set(e.state().StageStartedAt.Add(d))
}

func (e *env) route() diffstore.Route {
	e.t.Helper()
	r, err := e.store.Route(e.t.Context(), e.run)
	if err != nil {
		e.t.Fatalf("Route = %v", err)
	}
	return r
}

// percents returns the percents of the route's transitions, in order.
func (e *env) percents() []float64 {
	e.t.Helper()
	var out []float64
	for _, tr := range e.route().Transitions {
		out = append(out, tr.Percent)
	}
	return out
}

// reconcile runs one tick of c and fails the test on an error.
func (e *env) reconcile(c *cutover.Controller) cutover.Decision {
	e.t.Helper()
	d, err := c.Reconcile(e.t.Context())
	if err != nil {
		e.t.Fatalf("Reconcile = %v", err)
	}
	return d
}

// must fails the test unless err is nil, and returns d.
func (e *env) must(d cutover.Decision, err error) cutover.Decision {
	e.t.Helper()
	if err != nil {
		e.t.Fatalf("command = %v", err)
	}
	return d
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, within)
		}
		select {
		case <-t.Context().Done():
			t.Fatalf("%s: %v", what, t.Context().Err())
		case <-tick.C:
		}
	}
}
