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

// Title is the pipeline's name in a text table, for role.
func (p Pipeline) Title(role Role) string {
	switch p {
	case Oink:
		return role.oinkTitle()
	case RefTransform:
		return "ref transform"
	case RefRaw:
		return "ref raw"
	}
	return string(p)
}

// Role is what Run measures: one oink command, or all of them together.
type Role string

// The roles, as named in Config.Role, the report and the CLI.
const (
	// RoleProducer measures `oink produce` (OINK v2).
	RoleProducer Role = "producer"
	// RoleComparator measures `oink compare` over v1's and v2's topics,
	// with its Postgres checkpoints.
	RoleComparator Role = "comparator"
	// RoleSwitch measures `oink switch` writing the live topic from v1's
	// and v2's topics under a route that gives each some buckets.
	RoleSwitch Role = "switch"
	// RolePipeline measures loadgen → v1 + v2 → compare + switch, all
	// running at once.
	RolePipeline Role = "pipeline"
)

// AllRoles returns every role.
func AllRoles() []Role { return []Role{RoleProducer, RoleComparator, RoleSwitch, RolePipeline} }

func (r Role) oinkTitle() string {
	switch r {
	case RoleComparator:
		return "oink compare"
	case RoleSwitch:
		return "oink switch"
	case RolePipeline:
		return "oink pipeline"
	}
	return "oink produce"
}

// usesPostgres reports whether the role needs the diffstore.
func (r Role) usesPostgres() bool { return r != RoleProducer }

// DefaultFaults are v1's faults in the comparator, switch and pipeline
// roles: light ones the shipped rules (shipped/rules/rtcim.yaml) accept or
// ignore, and none that drop or duplicate a record, so every valid event
// makes exactly one pair and one live record, and no record waits out the
// match window.
const DefaultFaults = "rounding=0.02,utc-date=0.01,reorder=0.05"

// DefaultEvents returns the default Config.Events of role: 1,000,000, but
// 100,000 for the pipeline, whose embedded broker holds five topics of them
// in memory at once.
func DefaultEvents(role Role) int {
	if role == RolePipeline {
		return 100_000
	}
	return 1_000_000
}

// Config configures Run. Zero values take the defaults documented per field.
type Config struct {
	// Role to measure. Default RoleProducer.
	Role Role
	// Exe is the oink binary each child process runs (os.Executable() in
	// the CLI). Required.
	Exe string
	// Brokers of a running cluster. Empty starts an embedded broker
	// (`oink broker`) as a child process for the run and stops it after.
	Brokers []string
	// Events loaded once and pushed through each pipeline. Default
	// DefaultEvents(Role).
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
	// DatabaseURL of the diffstore (comparator, switch and pipeline roles).
	// Empty: pglocal.Resolve finds a local server or starts a throwaway
	// one. Every run the benchmark creates there is deleted at the end.
	DatabaseURL string
	// RulesFile is the comparator rules (and the switch's identity). Default
	// shipped/rules/rtcim.yaml, relative to the working directory.
	RulesFile string
	// Faults are v1's (`oink legacy --faults`). Default DefaultFaults.
	// Faults that drop or duplicate records are refused: the accounting
	// checks assume one v1 record per valid event.
	Faults string
	// Percent is the share of key buckets the route gives v2 (switch and
	// pipeline roles), 0 to 100. Default 50.
	Percent float64
	// Rate is the load generator's events per second in the pipeline role;
	// 0 writes as fast as the broker takes them.
	Rate float64
	// Trace, in the pipeline role, is a directory to write each chain's
	// per-stage arrivals to (<pipeline>.csv): the orders, v1, v2 and live
	// topics are each followed from the start by a read_committed reader,
	// and every record's event time and arrival are written, so a latency
	// can be split by stage. The report then carries per-stage p50/p99
	// (Result.Stages). Empty follows the live topic only.
	Trace string
	// StopWhenIdle is the --stop-when-idle of the oink commands that end
	// by themselves (the producer's `oink produce`, the setup's legacy and
	// produce, `oink switch`): how long they idle after the end before they
	// exit. Not part of the measured time. Default 1s. (`oink compare` and
	// the pipeline role's processes are stopped with SIGTERM once complete.)
	StopWhenIdle time.Duration
	// Timeout bounds each pipeline, from its start until its processes have
	// exited (not the checks after), and the comparator's and switch's
	// setup. Default 60s plus 1s per 5,000 events (at least 5,000/s).
	Timeout time.Duration
	// PollInterval between reads of a pipeline's progress: the
	// resolution of the measured time and batch latency. Default 5ms.
	PollInterval time.Duration
	// KeepTopics keeps the run's topics. By default each pipeline's
	// output topics are deleted once it is measured and the input at the
	// end: the embedded broker holds every record in memory (its peak RSS
	// is about 4 GB per million events even so, 5.7 GB when kept), and a
	// real cluster is left as it was.
	KeepTopics bool
	// Env is added to the environment of each measured pipeline's process
	// (not the broker's, nor the setup's that fills a comparator's or a
	// switch's input), as KEY=VALUE: GOGC=200, GOMEMLIMIT=48MiB,
	// OINK_CPUPROFILE=/tmp/cpu.pprof.
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
	if c.Role == "" {
		c.Role = RoleProducer
	}
	if c.Events == 0 {
		c.Events = DefaultEvents(c.Role)
	}
	if c.RulesFile == "" {
		c.RulesFile = "shipped/rules/rtcim.yaml"
	}
	if c.Faults == "" {
		c.Faults = DefaultFaults
	}
	if c.Percent == 0 {
		c.Percent = 50
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
	if !slices.Contains(AllRoles(), c.Role) {
		bad("role %q: want one of producer, comparator, switch, pipeline", c.Role)
	}
	if c.Percent < 0 || c.Percent > 100 || c.Rate < 0 {
		bad("percent %v, rate %v: want a percent from 0 to 100 and a rate of 0 (unlimited) or more", c.Percent, c.Rate)
	}
	if err := CheckFaults(c.Faults); err != nil {
		errs = append(errs, err)
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
