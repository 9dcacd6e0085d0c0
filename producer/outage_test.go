package producer_test

import (
	"context"
	"errors"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oinkhq/oink/producer"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
)

// TestChaosBrokerUnreachableProducer: the broker goes away for 3 s in the
// middle of a v2 run (at its third write to the output topic); v2 reports
// unhealthy while it retries, recovers by itself, and ends with invariant 1
// read from the topics: every upstream event is one RTCIM or one dead
// letter with the right code.
func TestChaosBrokerUnreachableProducer(t *testing.T) {
	p := newPipeline(t, 11, 0.02)
	n := 8000 * chaosScale
	sum := p.load(t, n)
	cfg := p.config(t, "v2")
	cfg.BatchSize = 500
	cfg.SessionTimeout = 2 * time.Second // the group notices the outage and rejoins quickly
	cfg.Log = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelInfo}))
	cfg.Health = &atomic.Bool{}
	cfg.Health.Store(true)
	outage := p.env.UnreachableWhen(kafkatest.NthProduceTo(p.out, 3), 3*time.Second)

	type result struct {
		st  producer.Stats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := producer.Run(t.Context(), cfg)
		done <- result{st, err}
	}()
	waitClosed(t, outage.Began, 30*time.Second, "the outage to begin")
	kafkatest.WaitFor(t, 5*time.Second, "v2 to report unhealthy during the outage", func() bool { return !cfg.Health.Load() })
	waitClosed(t, outage.Ended, 10*time.Second, "the outage to end")
	var res result
	select {
	case res = <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("v2 did not finish after the broker came back")
	}
	if res.err != nil {
		t.Fatalf("Run: %v (it must retry through the outage, not give up)", res.err)
	}
	if !cfg.Health.Load() {
		t.Error("v2 still reports unhealthy after finishing its work")
	}
	acc := p.check(t)
	if acc.Upstream-acc.Copies != n || acc.DeadLetters != n-sum.Valid || acc.Produced != sum.Valid {
		t.Fatalf("accounting %+v; want %d events, %d RTCIMs and %d dead letters", acc, n, sum.Valid, n-sum.Valid)
	}
}

// waitClosed waits for ch to be closed, failing t after timeout.
func waitClosed(t *testing.T, ch <-chan struct{}, timeout time.Duration, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(timeout):
		t.Fatalf("timed out after %v waiting for %s", timeout, what)
	}
}

// TestRunStopsOnAPermanentWriteError: when the broker refuses every write
// to the output topic for good (not authorized), v2 does not retry
// forever: producer.Run returns a *kafkaio.PermanentWriteError naming the topic,
// reports unhealthy, and commits nothing it did not write.
func TestRunStopsOnAPermanentWriteError(t *testing.T) {
	p := newPipeline(t, 17, 0)
	p.load(t, 200)
	p.env.RefuseProduce(kerr.TopicAuthorizationFailed.Code)
	cfg := p.config(t, "v2")
	cfg.Health = &atomic.Bool{}
	cfg.Health.Store(true)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	_, err := producer.Run(ctx, cfg)
	var pe *kafkaio.PermanentWriteError
	if !errors.As(err, &pe) || pe.Topic != p.out || !errors.Is(err, kafka.TopicAuthorizationFailed) {
		t.Fatalf("Run with every write refused = %v, want a PermanentWriteError naming %s", err, p.out)
	}
	if cfg.Health.Load() {
		t.Error("v2 reports healthy after a permanent write error")
	}
	lag, err := kafkaio.GroupLag(t.Context(), p.env.Brokers, cfg.Group, p.orders)
	if err != nil || kafkaio.Sum(lag) != 200 {
		t.Fatalf("group lag after the failure = %v (%v), want all 200 events uncommitted", kafkaio.Sum(lag), err)
	}
}
