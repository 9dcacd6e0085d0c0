package bench

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"
)

// Pipeline names a pipeline Run measures.
type Pipeline string

// The pipelines, as named in Config.Pipelines, the report and the CLI.
const (
	// Oink is the real `oink produce` command.
	Oink Pipeline = "oink"
	// RefTransform is the kgo pipe running oink's Decode, Transform and
	// JSON encoding per record (RunRef with RefModeTransform).
	RefTransform Pipeline = "ref-transform"
	// RefRaw is the kgo pipe copying records unchanged (RunRef with
	// RefModeRaw): the broker's ceiling.
	RefRaw Pipeline = "ref-raw"
)

// AllPipelines returns every pipeline, in the order Run measures them.
func AllPipelines() []Pipeline { return []Pipeline{Oink, RefTransform, RefRaw} }

// Title is the pipeline's name in a text table.
func (p Pipeline) Title() string {
	switch p {
	case Oink:
		return "oink produce"
	case RefTransform:
		return "ref transform"
	case RefRaw:
		return "ref raw"
	}
	return string(p)
}

// Config configures Run. Zero values take the defaults documented per field.
type Config struct {
	// Exe is the oink binary each child process runs (os.Executable() in
	// the CLI). Required.
	Exe string
	// Brokers of a running cluster. Empty starts an embedded broker
	// (`oink broker`) as a child process for the run and stops it after.
	Brokers []string
	// Events loaded once and pushed through each pipeline. Default 1,000,000.
	Events int
	// Partitions of every topic the run creates. Default 12.
	Partitions int
	// ReplicationFactor of every topic the run creates. Default 1.
	ReplicationFactor int
	// BatchSize is the most events per write and commit in every pipeline
	// (`oink produce --batch-size`). Default 5000, oink's own default.
	BatchSize int
	// Seed of the load generator; the same seed loads the same bytes. The
	// CLI's default is 1.
	Seed uint64
	// InvalidRatio is the share of invalid events loaded, 0 to 1; they go to
	// the dead-letter topics of Oink and RefTransform. The CLI's default is
	// 0.01.
	InvalidRatio float64
	// Pipelines to measure, in this order. Default AllPipelines().
	Pipelines []Pipeline
	// StopWhenIdle is `oink produce --stop-when-idle`: how long it idles
	// after the end before it exits. Not part of the measured time.
	// Default 1s.
	StopWhenIdle time.Duration
	// Timeout bounds each pipeline, from its start until its process has
	// exited. Default 60s plus 1s per 5,000 events (at least 5,000/s).
	Timeout time.Duration
	// PollInterval between reads of a group's committed offsets: the
	// resolution of the measured time and batch latency. Default 5ms.
	PollInterval time.Duration
	// KeepTopics keeps the run's topics. By default each pipeline's
	// output topics are deleted once it is measured and the input at the
	// end: the embedded broker holds every record in memory (its peak RSS
	// is about 4 GB per million events even so, 5.7 GB when kept), and a
	// real cluster is left as it was.
	KeepTopics bool
	// Env is added to the environment of each pipeline's process (not the
	// broker's), as KEY=VALUE: GOGC=200, GOMEMLIMIT=48MiB.
	Env []string
	// Log gets one line per step; nil logs nothing.
	Log *slog.Logger
	// Progress, when set, is called during the load and after each poll of
	// a running pipeline. It must be fast.
	Progress func(Progress)
}

// Progress is how far a step of Run has come.
type Progress struct {
	// Step is "load" or the pipeline running.
	Step string
	// Done of Total events: loaded, or committed by the pipeline's group.
	Done, Total int64
	// Elapsed since the step started.
	Elapsed time.Duration
}

func (c *Config) setDefaults() {
	if c.Events == 0 {
		c.Events = 1_000_000
	}
	if c.Partitions == 0 {
		c.Partitions = 12
	}
	if c.ReplicationFactor == 0 {
		c.ReplicationFactor = 1
	}
	if c.BatchSize == 0 {
		c.BatchSize = 5000
	}
	if len(c.Pipelines) == 0 {
		c.Pipelines = AllPipelines()
	}
	if c.StopWhenIdle == 0 {
		c.StopWhenIdle = time.Second
	}
	if c.Timeout == 0 {
		c.Timeout = time.Minute + time.Duration(c.Events/5000)*time.Second
	}
	if c.PollInterval == 0 {
		c.PollInterval = 5 * time.Millisecond
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

// Validate reports every problem of c at once, each naming its field. Run
// calls it after filling in the defaults.
func (c *Config) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Exe == "" {
		bad("exe: empty; name the oink binary the child processes run")
	}
	if c.Events < 1 {
		bad("events %d: want at least 1", c.Events)
	}
	if c.Partitions < 1 || c.Partitions > 1000 {
		bad("partitions %d: want 1 to 1000", c.Partitions)
	}
	if c.ReplicationFactor < 1 {
		bad("replication factor %d: want at least 1", c.ReplicationFactor)
	}
	if c.BatchSize < 1 || c.BatchSize > 100000 {
		bad("batch size %d: want 1 to 100000", c.BatchSize)
	}
	if c.InvalidRatio < 0 || c.InvalidRatio > 1 {
		bad("invalid ratio %v: want a share between 0 and 1, e.g. 0.01", c.InvalidRatio)
	}
	for i, p := range c.Pipelines {
		if !slices.Contains(AllPipelines(), p) {
			bad("pipelines: unknown %q; want some of %s", p, joinPipelines(AllPipelines()))
		} else if slices.Index(c.Pipelines, p) != i {
			bad("pipelines: %q given twice", p)
		}
	}
	if c.StopWhenIdle < 0 || c.Timeout < 0 || c.PollInterval < 0 {
		bad("stop when idle %v, timeout %v, poll interval %v: want positive durations", c.StopWhenIdle, c.Timeout, c.PollInterval)
	}
	for _, kv := range c.Env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			bad("env %q: want KEY=VALUE, e.g. GOGC=200", kv)
		}
	}
	return errors.Join(errs...)
}

func joinPipelines(ps []Pipeline) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = string(p)
	}
	return strings.Join(s, ", ")
}
