package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/tools/childproc"
)

// runner holds what every pipeline of one Run shares.
type runner struct {
	cfg     Config
	brokers []string
	broker  *childproc.Broker // nil with Config.Brokers
	spec    kafkaio.TopicSpec
	id      string // prefix of every topic, group and run of the run
	input   string // the loaded topic
	invalid int    // invalid events loaded
	db      *database
	shadow  shadow // v1 and v2, for the comparator and switch roles
	tmp     string // a directory for v1's fault logs (pipeline role)
}

// measurement is one pipeline to measure: its processes, where its progress
// is read, and how its outcome is checked.
type measurement struct {
	pipeline Pipeline
	unit     string
	// units is what EventsPerSecond counts once the pipeline is complete.
	units int64
	// target is the progress at which it is complete, for Config.Progress.
	target int64
	// topics are created before its processes start, deleted after.
	topics []string
	procs  []procSpec
	// progress returns the reader of its progress, once topics exist.
	progress func(ctx context.Context) (progressReader, error)
	// perPartition: batch latency is measured per partition.
	perPartition bool
	// check holds the finished pipeline to account and fills in what it
	// found (stdout of the processes, totals in topics and Postgres).
	check func(ctx context.Context, res *Result, procs []*proc) error
	// cleanup, when set, runs once the pipeline is measured or failed.
	cleanup func()
}

// procSpec is one process of a pipeline.
type procSpec struct {
	name string
	args []string
	// untilEnd: it must not exit before the pipeline is complete.
	untilEnd bool
	// stopAtEnd: it gets SIGTERM once the pipeline is complete (else it
	// exits by itself, e.g. with --stop-when-idle or --events).
	stopAtEnd bool
	// quiet: its stderr is progress, not warnings.
	quiet bool
}

// proc is a running procSpec.
type proc struct {
	*childproc.Proc
	spec procSpec
}

func names(procs []*proc) string {
	s := make([]string, len(procs))
	for i, p := range procs {
		s[i] = p.Name()
	}
	return strings.Join(s, ", ")
}

// measure runs m with fresh topics and groups from offset 0 and measures it.
func (r *runner) measure(ctx context.Context, m measurement) (Result, error) {
	res := Result{Pipeline: m.pipeline, Unit: m.unit, Events: m.units, Processes: []Process{}}
	if m.cleanup != nil {
		defer m.cleanup()
	}
	if err := kafkaio.EnsureTopics(ctx, r.brokers, r.spec, m.topics...); err != nil {
		return res, err
	}
	defer r.deleteTopics(ctx, m.topics...)
	read, err := m.progress(ctx)
	if err != nil {
		return res, err
	}
	// The timeout bounds the processes, not the checks after them.
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	r.cfg.Log.Info("pipeline starting", "role", r.cfg.Role, "pipeline", m.pipeline, "processes", len(m.procs))
	cpu0 := r.brokerCPU()
	tl := timeline{start: time.Now(), perPartition: m.perPartition}
	procs, err := r.start(m.procs, r.cfg.Env)
	defer stopAll(procs) // after a failure; a no-op once all have exited
	if err != nil {
		return res, err
	}
	report := func(done int64) { r.progress(string(m.pipeline), done, m.target, tl.start) }
	if err := watch(ctx, read, procs, r.cfg.PollInterval, &tl, report); err != nil {
		return res, err
	}
	res.BrokerCPUSeconds = (r.brokerCPU() - cpu0).Seconds()
	// Children log at warn level: anything they logged while measured
	// (write retries, say) bears on the numbers; what a process logs as it
	// is stopped does not.
	logged := make([]string, len(procs))
	for i, p := range procs {
		logged[i] = p.Stderr()
	}
	if err := finish(ctx, procs); err != nil {
		return res, err
	}
	tl.fill(&res, res.Events)
	for i, p := range procs {
		if !p.spec.stopAtEnd {
			logged[i] = p.Stderr()
		}
		if logged[i] != "" && !p.spec.quiet {
			r.cfg.Log.Warn("process logged warnings", "pipeline", m.pipeline, "process", p.Name(), "stderr_tail", logged[i])
		}
		u := p.Usage()
		r.cfg.Log.Debug("peak RSS", "process", p.Name(), "sampled_mb", mib(u.PeakRSS), "ru_maxrss_mb", mib(u.MaxRSS))
		res.Processes = append(res.Processes, Process{Name: p.Name(), PeakRssMB: mib(u.PeakRSS), CPUSeconds: u.CPU.Seconds()})
		res.PeakRssMB = max(res.PeakRssMB, mib(u.PeakRSS))
		res.CPUSeconds += u.CPU.Seconds()
	}
	if err := m.check(parent, &res, procs); err != nil {
		return res, fmt.Errorf("%s: %w", m.pipeline.Title(r.cfg.Role), err)
	}
	r.cfg.Log.Info("pipeline measured", "pipeline", m.pipeline, "per_second", int64(res.EventsPerSecond), "unit", res.Unit,
		"seconds", res.Seconds, "peak_rss_mb", res.PeakRssMB, "cpu_seconds", res.CPUSeconds)
	return res, nil
}

// rssEvery is how often a child's peak RSS is sampled while it runs.
const rssEvery = 10 * time.Millisecond

// start starts the processes in order, each with extra (Config.Env for
// the measured pipelines, nothing for the setup that fills their input)
// and, when the run has a diffstore, DATABASE_URL: a secret goes through
// the environment, never the command line.
func (r *runner) start(specs []procSpec, extra []string) ([]*proc, error) {
	procs := make([]*proc, 0, len(specs))
	env := slices.Clip(extra)
	if r.db != nil {
		env = append(env, "DATABASE_URL="+r.db.url)
	}
	for _, s := range specs {
		c := childproc.New(childproc.Config{Name: s.name, Exe: r.cfg.Exe, Args: s.args, Env: env, SampleRSS: rssEvery})
		if err := c.Start(nil); err != nil {
			return procs, err
		}
		procs = append(procs, &proc{Proc: c, spec: s})
	}
	return procs, nil
}

// finish ends a complete pipeline's processes: SIGTERM to those stopped at
// the end, and a wait for the others to exit by themselves.
func finish(ctx context.Context, procs []*proc) error {
	for _, p := range procs {
		if p.spec.stopAtEnd {
			p.Terminate()
		}
	}
	for _, p := range procs {
		if !p.spec.stopAtEnd {
			if err := p.Wait(ctx); err != nil {
				return err
			}
			continue
		}
		// Oink commands exit 0 on SIGTERM.
		if err := p.Stop(); err != nil {
			return fmt.Errorf("stopped at the end: %w", err)
		}
	}
	return nil
}

// stopAll stops every process still running and waits for it.
func stopAll(procs []*proc) {
	for _, p := range procs {
		_ = p.Stop() // stopped after a failure, which is the error reported
	}
}

// brokerCPU is the embedded broker's CPU time so far; zero when it cannot
// be read (an external cluster, or not Linux).
func (r *runner) brokerCPU() time.Duration {
	if r.broker == nil {
		return 0
	}
	d, err := childproc.CPU(r.broker.PID())
	if err != nil {
		r.cfg.Log.Debug("broker CPU time unavailable", "err", err)
		return 0
	}
	return d
}

func (r *runner) progress(step string, done, total int64, start time.Time) {
	if r.cfg.Progress != nil {
		r.cfg.Progress(Progress{Step: step, Done: done, Total: total, Elapsed: time.Since(start)})
	}
}

// topic and group name the run's topics and groups: "<run id>.<name>".
func (r *runner) topic(name string) string { return r.id + "." + name }
