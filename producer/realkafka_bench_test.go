package producer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oinkhq/oink/producer"

	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/prometheus/client_golang/prometheus"
)

// BenchmarkRunThroughput measures OINK v2 end to end on a broker: each
// iteration loads benchEvents generated events (1% invalid) into fresh
// 12-partition topics (not timed), then times producer.Run from its start until its
// metrics count every event written, acknowledged and about to be committed
// (the StopWhenIdle wait after that is not timed). It runs on the embedded
// kfake broker, or on the cluster in OINK_TEST_BROKERS (replication factor
// from OINK_TEST_REPLICATION_FACTOR), so the two compare directly:
//
//	go test -run '^$' -bench BenchmarkRunThroughput -benchtime 1x -count 3 ./producer/
//
// It reports events/s for producer.Run and load-events/s for the loader. One
// iteration is several seconds; -benchtime 1x keeps it to one.
func BenchmarkRunThroughput(b *testing.B) {
	const benchEvents = 200_000
	env := kafkatest.New(b)
	var (
		iter       int
		busy, load time.Duration
	)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		iter++
		name := func(s string) string { return fmt.Sprintf("%s-%d", s, iter) }
		orders, out, dlq := env.Topic(name("orders")), env.Topic(name("rtcim.v2")), env.Topic(name("orders.dlq"))
		dropTopics(b, env.Brokers, orders, out, dlq)
		loadStart := time.Now()
		if _, err := loadgen.Load(b.Context(), loadgen.LoadConfig{Brokers: env.Brokers, Topic: orders, Count: benchEvents, Topics: env.Spec,
			Gen: loadgen.Config{Seed: uint64(iter), InvalidRatio: 0.01, Start: time.Date(2026, 3, 7, 20, 0, 0, 0, time.UTC)}}); err != nil {
			b.Fatalf("Load: %v", err)
		}
		load += time.Since(loadStart)
		reg := prometheus.NewRegistry()
		cfg := producer.Config{Brokers: env.Brokers, From: orders, To: out, DLQ: dlq, Group: env.Group(name("v2")),
			StopWhenIdle: time.Second, Topics: env.Spec, Metrics: producer.NewMetrics(reg, "v2")}
		ctx, cancel := context.WithTimeout(b.Context(), 5*time.Minute)
		var runErr error
		done := make(chan struct{})

		b.StartTimer()
		start := time.Now()
		go func() {
			defer close(done)
			_, runErr = producer.Run(ctx, cfg)
		}()
		b.Cleanup(func() { cancel(); <-done })
		kafkatest.WaitFor(b, 4*time.Minute, "Run to handle every event", func() bool {
			return counter(reg, metricEventsIn) >= benchEvents
		})
		busy += time.Since(start)
		b.StopTimer()

		<-done
		if runErr != nil {
			b.Fatalf("Run: %v", runErr)
		}
		b.StartTimer()
	}
	b.ReportMetric(float64(benchEvents*iter)/busy.Seconds(), "events/s")
	b.ReportMetric(float64(benchEvents*iter)/load.Seconds(), "load-events/s")
}
