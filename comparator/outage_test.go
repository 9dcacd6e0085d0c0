package comparator

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/pgtest"
	"github.com/oinkhq/oink/testkit/shadowtest"
)

// outageRun is a comparator run in the background, with its health flag.
type outageRun struct {
	store  *diffstore.Store
	run    string
	health *atomic.Bool
	done   chan error
}

// startOutageRun starts a comparator on the shadow's topics with small
// batches (many checkpoints, so an outage lands mid-run).
func (s *shadow) startOutageRun(t *testing.T, store *diffstore.Store, run string) *outageRun {
	t.Helper()
	r := &outageRun{store: store, run: run, health: &atomic.Bool{}, done: make(chan error, 1)}
	r.health.Store(true)
	cfg := s.config(t, store, run, rtcimStrictPath)
	cfg.BatchSize, cfg.SessionTimeout, cfg.Health = 50, 2*time.Second, r.health
	go func() { r.done <- Run(t.Context(), cfg) }()
	return r
}

// compared is how many control records the run has checkpointed so far
// (0 while the store does not answer).
func (r *outageRun) compared(t *testing.T) int64 {
	sum, err := r.store.Summary(t.Context(), r.run)
	if err != nil {
		return 0
	}
	return sum.ReadControl
}

// finish waits for the run to end and returns its summary.
func (r *outageRun) finish(t *testing.T) diffstore.Summary {
	t.Helper()
	select {
	case err := <-r.done:
		if err != nil {
			t.Fatalf("comparator: %v (it must retry through the outage, not give up)", err)
		}
	case <-time.After(3 * time.Minute):
		t.Fatal("the comparator did not finish after the outage")
	}
	if !r.health.Load() {
		t.Error("the comparator still reports unhealthy after finishing")
	}
	sum, err := r.store.Summary(t.Context(), r.run)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// sameAsUninterrupted checks that a run through an outage ended with the
// totals and the divergences of a run never interrupted (invariant 2).
func sameAsUninterrupted(t *testing.T, ref diffstore.Summary, refStore *diffstore.Store, got diffstore.Summary, store *diffstore.Store) {
	t.Helper()
	assertAccounting(t, got)
	if got.Counts != ref.Counts {
		t.Fatalf("after the outage: %+v\nuninterrupted: %+v", got.Counts, ref.Counts)
	}
	for _, kind := range []diffstore.Kind{diffstore.KindDivergent, diffstore.KindMissingInControl} {
		shadowtest.EqualSets(t, string(kind), shadowtest.DivergenceIdentities(t, store, got.Run.Name, kind),
			shadowtest.DivergenceIdentities(t, refStore, ref.Run.Name, kind))
	}
}

// TestChaosPostgresRestartAndBrokerUnreachableComparator: the comparator
// survives its Postgres restarting mid-run (a throwaway cluster of the
// test's own, stopped and started) and its broker going away for 3 s: it
// reports unhealthy while either is down, retries with backoff from its
// last checkpoint, and ends with the totals and divergences of an
// uninterrupted run.
func TestChaosPostgresRestartAndBrokerUnreachableComparator(t *testing.T) {
	t.Parallel()
	s := newShadow(t, 3000*chaosScale)
	refStore := diffstore.New(pgtest.Schema(t))
	ref := s.compare(t, refStore, "uninterrupted", "../testdata/rules/rtcim-strict.yaml", 1)
	cluster, pool := pgtest.Restartable(t)
	store := diffstore.New(pool)

	t.Run("Postgres restarted", func(t *testing.T) {
		r := s.startOutageRun(t, store, "pg-restart")
		kafkatest.WaitFor(t, time.Minute, "a first checkpoint", func() bool { return r.compared(t) > 0 })
		if err := cluster.Stop(t.Context()); err != nil {
			t.Fatalf("stopping Postgres: %v", err)
		}
		kafkatest.WaitFor(t, 20*time.Second, "the comparator to report unhealthy", func() bool { return !r.health.Load() })
		if err := cluster.Start(t.Context()); err != nil {
			t.Fatalf("starting Postgres again: %v", err)
		}
		sameAsUninterrupted(t, ref, refStore, r.finish(t), store)
	})
	t.Run("broker unreachable", func(t *testing.T) {
		if s.Env.Real() {
			t.Skip("a broker outage is injected only into the embedded broker (OINK_TEST_BROKERS is set)")
		}
		r := s.startOutageRun(t, store, "broker-outage")
		kafkatest.WaitFor(t, time.Minute, "a first checkpoint", func() bool { return r.compared(t) > 0 })
		restore := s.Env.Unreachable()
		ended := time.AfterFunc(3*time.Second, restore) // the outage's length
		defer ended.Stop()
		kafkatest.WaitFor(t, 20*time.Second, "the comparator to report unhealthy", func() bool { return !r.health.Load() })
		sameAsUninterrupted(t, ref, refStore, r.finish(t), store)
	})
}
