package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"runtime"
	"strings"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/producer"
)

// Run measures the pipelines of cfg over one freshly loaded input topic and
// returns the report. With no cfg.Brokers it starts an embedded broker as a
// child process and stops it before returning. A pipeline that fails, loses
// or duplicates records ends the run with an error naming it.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg.setDefaults()
	rep := Report{Events: cfg.Events, Partitions: cfg.Partitions, BatchSize: cfg.BatchSize, Seed: cfg.Seed,
		InvalidRatio: cfg.InvalidRatio, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Pipelines: []Result{}}
	if err := cfg.Validate(); err != nil {
		return rep, err
	}
	r := &runner{cfg: cfg, brokers: cfg.Brokers, id: runID(),
		spec: kafkaio.TopicSpec{Partitions: cfg.Partitions, ReplicationFactor: cfg.ReplicationFactor}}
	rep.Broker = strings.Join(cfg.Brokers, ",")
	if len(cfg.Brokers) == 0 {
		b, err := startBroker(ctx, cfg.Exe, cfg.Partitions)
		if err != nil {
			return rep, err
		}
		defer b.close()
		r.broker, r.brokers, rep.Broker = b, b.addrs, "embedded"
		cfg.Log.Info("embedded broker started", "brokers", b.addrs, "pid", b.pid())
	}
	load, err := r.load(ctx)
	defer r.deleteTopics(ctx, r.input) // even after a failed load
	if err != nil {
		return rep, err
	}
	rep.Load = load
	for _, p := range cfg.Pipelines {
		res, err := r.measure(ctx, p)
		if err != nil {
			return rep, err
		}
		rep.Pipelines = append(rep.Pipelines, res)
	}
	rep.Ratio = ratio(rep.Pipelines, Oink, RefTransform)
	rep.RatioRaw = ratio(rep.Pipelines, Oink, RefRaw)
	if r.broker != nil {
		if peak, err := procPeakRSS(r.broker.pid()); err == nil {
			rep.BrokerPeakRssMB = mib(peak)
		}
	}
	return rep, nil
}

// load writes the input: cfg.Events generated events into a fresh topic.
func (r *runner) load(ctx context.Context) (Load, error) {
	r.input = r.id + ".orders"
	start := time.Now()
	// A fixed first event time: the same seed loads byte-identical input on
	// every run.
	first := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	cfg := producer.LoadConfig{Brokers: r.brokers, Topic: r.input, Count: r.cfg.Events, Topics: r.spec,
		Gen:      producer.GenConfig{Seed: r.cfg.Seed, InvalidRatio: r.cfg.InvalidRatio, Start: first, Step: time.Millisecond},
		Progress: func(s producer.LoadSummary) { r.progress("load", int64(s.Events), start) }}
	r.cfg.Log.Info("loading", "topic", r.input, "events", r.cfg.Events)
	sum, err := producer.Load(ctx, cfg)
	if err != nil {
		return Load{}, err
	}
	r.invalid = sum.Events - sum.Valid
	return Load{Topic: r.input, Seconds: sum.Seconds, EventsPerSecond: sum.PerSecond, Invalid: r.invalid}, nil
}

// runID names a run's topics and groups: sortable by time, unique by a
// random suffix, so runs on one cluster never share anything.
func runID() string {
	b := make([]byte, 3)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return "bench-" + time.Now().UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b)
}

func joinComma(s []string) string { return strings.Join(s, ",") }
