package bench

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/oinkhq/oink/loadgen"
	"github.com/oinkhq/oink/tools/childproc"

	"github.com/oinkhq/oink/internal/kafkaio"
)

// Run measures the pipelines of cfg.Role and returns the report. With no
// cfg.Brokers it starts an embedded broker as a child process and stops it
// before returning. A pipeline that fails, loses or duplicates records ends
// the run with an error naming it.
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg.setDefaults()
	rep := Report{Role: cfg.Role, Events: cfg.Events, Partitions: cfg.Partitions, BatchSize: cfg.BatchSize, Seed: cfg.Seed,
		InvalidRatio: cfg.InvalidRatio, CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), Pipelines: []Result{}}
	if err := cfg.Validate(); err != nil {
		return rep, err
	}
	r := &runner{cfg: cfg, brokers: cfg.Brokers, id: runID(),
		spec: kafkaio.TopicSpec{Partitions: cfg.Partitions, ReplicationFactor: cfg.ReplicationFactor}}
	rep.Broker = strings.Join(cfg.Brokers, ",")
	if len(cfg.Brokers) == 0 {
		b, err := childproc.StartBroker(ctx, cfg.Exe, nil, cfg.Partitions)
		if err != nil {
			return rep, err
		}
		defer b.Close()
		r.broker, r.brokers, rep.Broker = b, b.Addrs, "embedded"
		cfg.Log.Info("embedded broker started", "brokers", b.Addrs, "pid", b.PID())
	}
	if cfg.Role.usesPostgres() {
		db, err := openDatabase(ctx, cfg)
		if err != nil {
			return rep, err
		}
		defer db.close(ctx)
		r.db = db
	}
	if err := r.run(ctx, &rep); err != nil {
		return rep, err
	}
	rep.Ratio = ratio(rep.Pipelines, Oink, RefTransform)
	rep.RatioRaw = ratio(rep.Pipelines, Oink, RefRaw)
	if r.broker != nil {
		if peak, err := childproc.PeakRSS(r.broker.PID()); err == nil {
			rep.BrokerPeakRssMB = mib(peak)
		}
	}
	return rep, nil
}

// run prepares the role's input and measures each pipeline over it.
func (r *runner) run(ctx context.Context, rep *Report) error {
	var plan func(Pipeline) measurement
	switch r.cfg.Role {
	case RoleProducer:
		load, err := r.load(ctx, fixedStart)
		defer r.deleteTopics(ctx, r.input) // even after a failed load
		if err != nil {
			return err
		}
		rep.Load, plan = load, r.producerPlan
	case RoleComparator, RoleSwitch:
		setup, load, err := r.prepareShadow(ctx)
		defer r.deleteTopics(ctx, r.shadow.topics()...)
		rep.Setup, rep.Load = setup, load
		if err != nil {
			return err
		}
		plan = r.comparatorPlan
		if r.cfg.Role == RoleSwitch {
			plan = r.switchPlan
		}
	case RolePipeline:
		dir, err := os.MkdirTemp("", "oink-bench-")
		if err != nil {
			return fmt.Errorf("creating a directory for v1's fault logs: %w", err)
		}
		defer os.RemoveAll(dir)
		r.tmp = dir
		route, err := r.db.route(ctx, r.routeRun(), r.cfg.Percent)
		if err != nil {
			return err
		}
		rep.Setup = &Setup{Faults: r.cfg.Faults, Percent: r.cfg.Percent}
		r.shadow.route = route
		plan = r.chainPlan
	}
	for _, p := range r.cfg.Pipelines {
		res, err := r.measure(ctx, plan(p))
		if err != nil {
			return err
		}
		rep.Pipelines = append(rep.Pipelines, res)
		if r.cfg.Role == RolePipeline && p != RefRaw {
			rep.Load.Invalid = int(res.DeadLetters) // the chains' own load generators wrote the input
		}
	}
	return nil
}

// fixedStart is the first event time of the producer's and comparator's
// input: the same seed loads byte-identical input on every run.
var fixedStart = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)

// load writes the input: cfg.Events generated events into a fresh topic,
// the first at start, a millisecond apart; with a zero start each takes
// the current time (a live stream, as the switch's route needs).
func (r *runner) load(ctx context.Context, start time.Time) (Load, error) {
	r.input = r.topic("orders")
	began := time.Now()
	cfg := loadgen.LoadConfig{Brokers: r.brokers, Topic: r.input, Count: r.cfg.Events, Topics: r.spec,
		Gen:      loadgen.Config{Seed: r.cfg.Seed, InvalidRatio: r.cfg.InvalidRatio, Start: start, Step: time.Millisecond},
		Progress: func(s loadgen.Summary) { r.progress("load", int64(s.Events), int64(r.cfg.Events), began) }}
	r.cfg.Log.Info("loading", "topic", r.input, "events", r.cfg.Events)
	sum, err := loadgen.Load(ctx, cfg)
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
