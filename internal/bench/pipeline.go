package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
)

// runner holds what every pipeline of one Run shares.
type runner struct {
	cfg     Config
	brokers []string
	broker  *embeddedBroker // nil with Config.Brokers
	spec    kafkaio.TopicSpec
	id      string // prefix of every topic and group of the run
	input   string // the loaded topic
	invalid int    // invalid events loaded
}

// names are one pipeline's own topics and group.
type names struct{ out, dlq, group string }

func (r *runner) names(p Pipeline) names {
	pre := r.id + "." + string(p)
	return names{out: pre + ".out", dlq: pre + ".dlq", group: pre}
}

// args are the child's command line.
func (r *runner) args(p Pipeline, n names) []string {
	common := []string{"--brokers", joinComma(r.brokers), "--from", r.input, "--to", n.out, "--group", n.group,
		"--batch-size", strconv.Itoa(r.cfg.BatchSize), "--log-level", "warn"}
	switch p {
	case Oink:
		return append([]string{"produce", "--dlq", n.dlq, "--stop-when-idle", r.cfg.StopWhenIdle.String(),
			"--partitions", strconv.Itoa(r.cfg.Partitions), "--replication-factor", strconv.Itoa(r.cfg.ReplicationFactor), "--json"}, common...)
	case RefTransform:
		return append([]string{"bench", "ref", string(RefModeTransform), "--dlq", n.dlq, "--events", strconv.Itoa(r.cfg.Events)}, common...)
	default:
		return append([]string{"bench", "ref", string(RefModeRaw), "--events", strconv.Itoa(r.cfg.Events)}, common...)
	}
}

// childStats are the counts a pipeline prints as JSON when it ends: the
// fields producer.Stats and RefStats share.
type childStats struct {
	EventsIn    int64 `json:"eventsIn"`
	RecordsOut  int64 `json:"recordsOut"`
	DeadLetters int64 `json:"deadLetters"`
}

// measure runs pipeline p over the input with fresh output topics and group,
// and measures it.
func (r *runner) measure(ctx context.Context, p Pipeline) (Result, error) {
	res := Result{Pipeline: p, Events: int64(r.cfg.Events)}
	n := r.names(p)
	topics := []string{n.out}
	if p != RefRaw {
		topics = append(topics, n.dlq)
	}
	if err := kafkaio.EnsureTopics(ctx, r.brokers, r.spec, topics...); err != nil {
		return res, err
	}
	defer r.deleteTopics(ctx, topics...)
	cr, err := newCommitted(ctx, r.brokers, n.group, r.input)
	if err != nil {
		return res, err
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	r.cfg.Log.Info("pipeline starting", "pipeline", p, "group", n.group, "to", n.out)
	cpu0 := r.brokerCPU()
	tl := timeline{start: time.Now()}
	proc, err := startChild(ctx, p.Title(), r.cfg.Exe, r.cfg.Env, nil, r.args(p, n)...)
	if err != nil {
		return res, err
	}
	progress := func(done int64) { r.progress(string(p), done, tl.start) }
	if err := watch(ctx, cr, proc, res.Events, r.cfg.PollInterval, &tl, progress); err != nil {
		_ = proc.stop() // the watch's error says what went wrong
		return res, err
	}
	res.BrokerCPUSeconds = (r.brokerCPU() - cpu0).Seconds()
	if err := proc.wait(ctx); err != nil {
		return res, err
	}
	if tail := proc.stderr.String(); tail != "" {
		// Children log at warn level: anything there (write retries, say)
		// bears on the numbers.
		r.cfg.Log.Warn("pipeline logged warnings", "pipeline", p, "stderr_tail", tail)
	}
	tl.fill(&res, res.Events)
	cpu, peak := proc.usage()
	res.CPUSeconds, res.PeakRssMB = cpu.Seconds(), mib(peak)
	var st childStats
	if err := json.Unmarshal(proc.stdout.Bytes(), &st); err != nil {
		return res, proc.failed(fmt.Errorf("reading its counts %q: %w", proc.stdout.String(), err))
	}
	r.cfg.Log.Debug("pipeline counts", "pipeline", p, "stdout", proc.stdout.String())
	res.RecordsOut, res.DeadLetters = st.RecordsOut, st.DeadLetters
	if err := r.check(ctx, p, n, st); err != nil {
		return res, fmt.Errorf("%s: %w", p.Title(), err)
	}
	r.cfg.Log.Info("pipeline measured", "pipeline", p, "events_per_second", int64(res.EventsPerSecond),
		"seconds", res.Seconds, "peak_rss_mb", res.PeakRssMB, "cpu_seconds", res.CPUSeconds)
	return res, nil
}

// brokerCPU is the embedded broker's CPU time so far; zero when it cannot
// be read (an external cluster, or not Linux).
func (r *runner) brokerCPU() time.Duration {
	if r.broker == nil {
		return 0
	}
	d, err := procCPU(r.broker.pid())
	if err != nil {
		r.cfg.Log.Debug("broker CPU time unavailable", "err", err)
		return 0
	}
	return d
}

func (r *runner) progress(step string, done int64, start time.Time) {
	if r.cfg.Progress != nil {
		r.cfg.Progress(Progress{Step: step, Done: done, Total: int64(r.cfg.Events), Elapsed: time.Since(start)})
	}
}
