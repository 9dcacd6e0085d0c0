package producer_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink/producer"
	"github.com/segmentio/kafka-go"

	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
)

// pipeline is the topics of one producer test.
type pipeline struct {
	env              *kafkatest.Env
	orders, out, dlq string
	gen              loadgen.Config
}

func newPipeline(t *testing.T, seed uint64, invalid float64) *pipeline {
	env := kafkatest.New(t)
	return &pipeline{env: env, orders: env.Topic("orders"), out: env.Topic("rtcim.v2"), dlq: env.Topic("orders.dlq"),
		gen: loadgen.Config{Seed: seed, InvalidRatio: invalid, Start: time.Date(2026, 3, 7, 20, 0, 0, 0, time.UTC), Step: time.Second}}
}

func (p *pipeline) load(t *testing.T, n int) loadgen.Summary {
	t.Helper()
	sum, err := loadgen.Load(t.Context(), loadgen.LoadConfig{Brokers: p.env.Brokers, Topic: p.orders, Count: n, Gen: p.gen, Topics: p.env.Spec})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return sum
}

func (p *pipeline) config(t *testing.T, group string) producer.Config {
	return producer.Config{Brokers: p.env.Brokers, From: p.orders, To: p.out, DLQ: p.dlq, Group: p.env.Group(group),
		StopWhenIdle: 1500 * time.Millisecond, SessionTimeout: 6 * time.Second, Topics: p.env.Spec,
		Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
}

// noLoss reads the three topics and checks invariant 1; it returns the
// accounting, the number of upstream events and the dead letters.
func (p *pipeline) noLoss(t *testing.T) (producer.Accounting, int, []kafka.Message) {
	t.Helper()
	up, out, dlq := p.env.ReadAll(p.orders), p.env.ReadAll(p.out), p.env.ReadAll(p.dlq)
	acc, err := producer.CheckNoLoss(up, out, dlq)
	if err != nil {
		t.Fatalf("invariant 1 violated: %v", err)
	}
	return acc, len(up), dlq
}

// check reads the three topics and checks invariant 1, and that each dead
// letter carries the error code its generated kind calls for.
func (p *pipeline) check(t *testing.T) producer.Accounting {
	t.Helper()
	acc, events, dlq := p.noLoss(t)
	kinds := expectedKinds(t, p.gen, events)
	for _, m := range dlq {
		info := deadletter.Parse(m)
		want, ok := kinds[string(m.Value)]
		if !ok || loadgen.InvalidKindCode[want] != info.ErrorCode {
			t.Errorf("dead letter %s (%s: %s) is for a %q event", info.Key, info.ErrorCode, info.Message, want)
		}
		if info.Connector != "oink-v2" || info.Stage == "" || info.Source.Topic != p.orders {
			t.Errorf("dead letter headers incomplete: %+v", info)
		}
	}
	return acc
}

// expectedKinds regenerates the n events of gen: value -> invalid kind.
func expectedKinds(t *testing.T, gen loadgen.Config, n int) map[string]string {
	g, err := loadgen.New(gen)
	if err != nil {
		t.Fatal(err)
	}
	kinds := make(map[string]string, n)
	for range n {
		e := g.Next()
		if e.Invalid != "" {
			kinds[string(e.Value)] = e.Invalid
		}
	}
	return kinds
}

// TestInvariantNoEventLost: every upstream event ends as an RTCIM on the v2
// topic or as a dead letter with its error context; never neither, never both.
func TestInvariantNoEventLost(t *testing.T) {
	p := newPipeline(t, 7, 0.03)
	sum := p.load(t, 20000)
	st, err := producer.Run(t.Context(), p.config(t, "v2"))
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	acc := p.check(t)
	if acc.Upstream-acc.Copies != 20000 || acc.DeadLetters != 20000-sum.Valid || st.DeadLetter < int64(acc.DeadLetters) {
		t.Fatalf("accounting %+v, stats %+v; want 20000 upstream and %d dead letters", acc, st, 20000-sum.Valid)
	}
	for _, kind := range loadgen.InvalidKinds {
		if sum.Invalid[kind] == 0 {
			t.Errorf("the load had no %s event; raise the count or the ratio", kind)
		}
	}
}

// TestTwoProducersSplitPartitions: two instances in one group share the
// partitions and together still lose nothing (invariant 1). The run ends on
// evidence, not on idleness: once every loaded event is written, the test
// waits for the group to have committed the whole topic, then stops both
// (an idle timer let one stop while a busy machine was still loading).
func TestTwoProducersSplitPartitions(t *testing.T) {
	p := newPipeline(t, 11, 0.01)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	cfg := p.config(t, "split")
	cfg.StopWhenIdle = 0
	run, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	stats := make([]producer.Stats, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() { stats[i], errs[i] = producer.Run(run, cfg) })
	}
	kafkatest.WaitFor(t, time.Minute, "two members in the group", func() bool {
		return groupMembers(ctx, p.env.Brokers, cfg.Group) == 2
	})
	p.load(t, 20000)
	kafkatest.WaitFor(t, 3*time.Minute, "the group to commit every loaded event", func() bool {
		lag, err := kafkaio.GroupLag(ctx, p.env.Brokers, cfg.Group, p.orders)
		return err == nil && len(lag) > 0 && kafkaio.Sum(lag) == 0
	})
	stop()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("producer %d: %v", i, err)
		}
		if stats[i].EventsIn == 0 {
			t.Errorf("producer %d read nothing: the partitions were not split (%+v)", i, stats)
		}
	}
	if got := stats[0].EventsIn + stats[1].EventsIn; got < 20000 {
		t.Errorf("the two producers read %d events together, want at least the 20000 loaded", got)
	}
	p.check(t)
}

func groupMembers(ctx context.Context, brokers []string, group string) int {
	n, err := kafkaio.GroupMembers(ctx, brokers, group)
	if err != nil {
		return -1
	}
	return n
}

// TestStopWhenIdleWaitsForWork: a producer started with StopWhenIdle
// before its input exists does not stop on an empty topic (its idle clock
// starts only once work was seen); it handles the events loaded later and
// then stops by itself.
func TestStopWhenIdleWaitsForWork(t *testing.T) {
	p := newPipeline(t, 13, 0)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	cfg := p.config(t, "late-input")
	cfg.StopWhenIdle = 200 * time.Millisecond
	type result struct {
		st  producer.Stats
		err error
	}
	done := make(chan result, 1)
	go func() {
		st, err := producer.Run(ctx, cfg)
		done <- result{st, err}
	}()
	kafkatest.WaitFor(t, 30*time.Second, "the producer in its group", func() bool {
		return groupMembers(ctx, p.env.Brokers, cfg.Group) == 1
	})
	// Ten idle periods on an empty, caught-up topic: the old rule stopped
	// after one.
	select {
	case r := <-done:
		t.Fatalf("Run stopped before any input existed: %+v, %v", r.st, r.err)
	case <-time.After(10 * cfg.StopWhenIdle):
	}
	p.load(t, 500)
	select {
	case r := <-done:
		if r.err != nil || r.st.EventsIn != 500 {
			t.Fatalf("Run = %+v, %v; want 500 events in and nil", r.st, r.err)
		}
	case <-ctx.Done():
		t.Fatal("Run did not stop by itself after handling its input")
	}
}
