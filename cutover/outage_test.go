package cutover

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/backoff"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/internal/pglocal"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// TestChaosPostgresRestartAndBrokerUnreachableSwitch: while events flow
// at 50%, the switch's Postgres (a throwaway cluster of the test's own) is
// stopped and started again, then its broker goes away for 2 s. The switch
// reports unhealthy during each outage, retries with backoff, and ends with
// every identity on the live topic exactly once, from the version that
// owned it (invariant 4).
func TestChaosPostgresRestartAndBrokerUnreachableSwitch(t *testing.T) {
	t.Parallel()
	r := newLiveRig(t)
	cluster, pool := pgtest.Restartable(t)
	r.store = diffstore.New(pool)
	if err := r.store.EnsureRun(t.Context(), diffstore.Run{Name: r.run, ControlTopic: r.v1, CandidateTopic: r.v2}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.ApplyPlan(t.Context(), diffstore.PlanApply{Run: r.run, Plan: []byte(`{}`),
		Margin: 300 * time.Millisecond, Actor: "test", Stage: -1, Phase: "running"}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.AddTransition(t.Context(), r.run, 50, 300*time.Millisecond, "test", "advance"); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cfg := r.switchConfig()
	cfg.SessionTimeout = 2 * time.Second
	cfg.Health = &atomic.Bool{}
	cfg.Health.Store(true)
	swErr := make(chan error, 1)
	go func() { _, err := RunSwitch(ctx, cfg); swErr <- err }()
	faults := make(chan error, 1)
	go func() { faults <- injectSwitchFaults(ctx, r, cluster, cfg.Health) }()
	r.produce(ctx, t, 8000, 1000)
	if err := <-faults; err != nil {
		t.Fatal(err)
	}
	if err := <-swErr; err != nil {
		t.Fatalf("RunSwitch: %v (it must retry through the outages, not give up)", err)
	}
	if !cfg.Health.Load() {
		t.Error("the switch still reports unhealthy after finishing")
	}
	rep := r.check(t)
	if rep.FromV1 == 0 || rep.FromV2 == 0 || rep.OwnerLack != 0 {
		t.Fatalf("report %+v: want records from both versions and none lacking", rep)
	}
	t.Logf("live: %+v", rep)
}

// injectSwitchFaults, once the switch forwards, restarts its Postgres and
// then makes its broker unreachable for 2 s, checking that the switch
// reports unhealthy during each. It runs beside the test's goroutine, so
// it returns its failure rather than failing the test.
func injectSwitchFaults(ctx context.Context, r *liveRig, cluster *pglocal.Cluster, health *atomic.Bool) error {
	if !poll(ctx, 2*time.Minute, func() bool { return liveRecords(ctx, r) > 0 }) {
		return errors.New("no record reached the live topic")
	}
	if err := cluster.Stop(ctx); err != nil {
		return fmt.Errorf("stopping Postgres: %w", err)
	}
	unhealthy := poll(ctx, 20*time.Second, func() bool { return !health.Load() })
	if err := cluster.Start(ctx); err != nil {
		return fmt.Errorf("starting Postgres again: %w", err)
	}
	if !unhealthy {
		return errors.New("the switch did not report unhealthy while Postgres was down")
	}
	if !poll(ctx, 30*time.Second, health.Load) {
		return errors.New("the switch did not report healthy again after Postgres came back")
	}
	if r.env.Real() {
		return nil // a broker outage is injected only into the embedded broker
	}
	restore := r.env.Unreachable()
	back := make(chan struct{})
	time.AfterFunc(2*time.Second, func() { restore(); close(back) }) // the outage's length
	unhealthy = poll(ctx, 20*time.Second, func() bool { return !health.Load() })
	<-back
	if !unhealthy {
		return errors.New("the switch did not report unhealthy while the broker was away")
	}
	return nil
}

// poll reports whether cond held within timeout, checking every 20ms.
func poll(ctx context.Context, timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) || !backoff.Sleep(ctx, 20*time.Millisecond) {
			return false
		}
	}
	return true
}

// restartPostgres stops the cluster, waits until the component behind
// health reports unhealthy, and starts the cluster again.
func restartPostgres(t *testing.T, c *pglocal.Cluster, health *atomic.Bool) {
	t.Helper()
	if err := c.Stop(t.Context()); err != nil {
		t.Errorf("stopping Postgres: %v", err)
	}
	kafkatest.WaitFor(t, 20*time.Second, "unhealthy while Postgres is down", func() bool { return !health.Load() })
	if err := c.Start(t.Context()); err != nil {
		t.Errorf("starting Postgres again: %v", err)
	}
}

// liveRecords counts the live topic's records (0 on an error).
func liveRecords(ctx context.Context, r *liveRig) int64 {
	var n int64
	ends, err := kafkaio.EndOffsets(ctx, r.env.Brokers, r.live)
	if err != nil {
		return 0
	}
	for _, e := range ends {
		n += e
	}
	return n
}

// TestChaosPostgresRestartController: the controller's Postgres restarts
// while it leads; it reports unhealthy while the database is down, retries
// with backoff, and leads again (its leader lock retaken) once it is back.
func TestChaosPostgresRestartController(t *testing.T) {
	t.Parallel()
	cluster, pool := pgtest.Restartable(t)
	store := diffstore.New(pool)
	if err := store.EnsureRun(t.Context(), diffstore.Run{Name: "r", ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2"}); err != nil {
		t.Fatal(err)
	}
	p, err := ParsePlan("test.yaml", []byte("run: r\nsteps:\n  - {percent: 10, hold: 1m, min_pairs: 100}\n  - {percent: 100, hold: 0s, min_pairs: 0}\n"))
	if err != nil {
		t.Fatal(err)
	}
	health := &atomic.Bool{}
	c := &Controller{Store: store, RunName: "r", Actor: "ctl", Tick: 100 * time.Millisecond, Health: health}
	if _, err := c.Apply(t.Context(), p, Request{Actor: "alice", Reason: "test plan"}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	leading := func() bool {
		active, err := store.LeaderActive(t.Context(), "r")
		return err == nil && active && health.Load()
	}
	kafkatest.WaitFor(t, 20*time.Second, "the controller to lead", leading)
	restartPostgres(t, cluster, health)
	kafkatest.WaitFor(t, 30*time.Second, "the controller to lead again after the restart", leading)
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
}
