package chaos

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/oinkhq/oink/cutover"
)

// Role is a component a trial kills.
type Role string

// The roles, each run as its own `oink` command.
const (
	// RoleProducer is OINK v2, `oink produce`.
	RoleProducer Role = "producer"
	// RoleComparator is `oink compare` (the run the controller's gate reads).
	RoleComparator Role = "comparator"
	// RoleSwitch is `oink switch`, the live topic's only writer.
	RoleSwitch Role = "switch"
	// RoleController is `oink controller`, the cutover's control loop.
	RoleController Role = "controller"
	// RoleZombieSwitch runs two `oink switch` instances and, instead of
	// killing one, freezes it with SIGSTOP past its session timeout (the
	// other takes its partitions over and fences it), then thaws it with
	// SIGCONT: a zombie that wakes up believing it still owns them.
	RoleZombieSwitch Role = "zombie-switch"
	// RoleStall is the stalled-side fault: OINK v2 (`oink produce`) is
	// stopped with SIGSTOP at each seeded moment for StallWindows match
	// windows, then continued with SIGCONT. v2 is slow, not lossy: nothing
	// may be counted missing and the cutover must not roll back.
	RoleStall Role = "stall"
)

// Roles are all the kinds of trial, in the order a suite runs them.
var Roles = []Role{RoleProducer, RoleComparator, RoleSwitch, RoleController, RoleZombieSwitch}

// components are the processes every trial runs (besides v1 and the
// reference comparator); a trial's role names the one it hits.
var components = []Role{RoleProducer, RoleComparator, RoleSwitch, RoleController}

// component is the process a trial of role r hits.
func component(r Role) Role {
	switch r {
	case RoleZombieSwitch:
		return RoleSwitch
	case RoleStall:
		return RoleProducer
	}
	return r
}

// AllRoles are what a trial can do to its pipeline: kill one of Roles, or
// stall v2 (RoleStall, run only when named).
var AllRoles = append(slices.Clip(Roles), RoleStall)

// StallWindows is how many comparator match windows a RoleStall trial
// keeps v2 stopped: ten, far longer than any wait on quiet alone.
const StallWindows = 10

// ParseRoles parses role names (as `--roles producer,switch` gives them);
// duplicates are dropped. The error names the unknown role and the valid
// ones.
func ParseRoles(names []string) ([]Role, error) {
	var out []Role
	for _, n := range names {
		r := Role(strings.TrimSpace(n))
		if !slices.Contains(AllRoles, r) {
			return nil, fmt.Errorf("unknown role %q: want one of %s", n, joinRoles(AllRoles))
		}
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no role given: want one or more of %s", joinRoles(AllRoles))
	}
	return out, nil
}

func joinRoles(rs []Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// Defaults of Config's optional fields: the CI-sized suite.
const (
	DefaultTrials     = 3
	DefaultEvents     = 3000
	DefaultRate       = 250
	DefaultKills      = 3
	DefaultParallel   = 3
	DefaultPartitions = 6
	// DefaultWindow is the comparator's match window. It must exceed how
	// long v2 can be down after a SIGKILL (the group's 2s session timeout,
	// a rebalance and a restart): a copy v2 writes again later than the
	// window past its first is a record of its own, missing from v1. (A
	// v2 that is merely down is never counted as losing records: that
	// takes evidence, docs/comparator-evidence.md.)
	DefaultWindow       = 6 * time.Second
	DefaultTrialTimeout = 3 * time.Minute
)

// DefaultSteps are the percents of the trials' cutover plan.
var DefaultSteps = []float64{50, 100}

// Config configures Run. Exe, DatabaseURL and RulesFile are required; the
// zero value of every other field means its default.
type Config struct {
	// Exe is the oink executable every role runs as (os.Executable() from
	// `oink chaos`; tests build one).
	Exe string
	// Brokers is the Kafka cluster; empty starts `oink broker` (the embedded
	// broker) as a child process for the run.
	Brokers []string
	// ReplicationFactor of the trials' topics, default 1.
	ReplicationFactor int
	// DatabaseURL is the Postgres to use. The run works in a schema of its
	// own, created there and dropped at the end (unless KeepData).
	DatabaseURL string
	// RulesFile is the comparator rules (shipped/rules/rtcim.yaml): they
	// must accept the v1 faults the trials inject, or the cutover rolls
	// back.
	RulesFile string
	// Roles to kill, default Roles.
	Roles []Role
	// Trials per role, default DefaultTrials.
	Trials int
	// Seed of the first trial of each role; trial i has seed Seed+i. A
	// trial's seed alone chooses its events, v1's faults and its kill
	// moments, so `--seed S --trials 1` replays trial S. 0 picks one from
	// the clock.
	Seed uint64
	// Events is the least number of upstream events per trial; upstream
	// goes on at Rate until the cutover has ended (promoted, or stopped
	// short by a rollback or pause). Default DefaultEvents.
	Events int
	// Rate of upstream events per second, default DefaultRate.
	Rate float64
	// Kills is how many times a trial SIGKILLs its role; 0 kills nothing
	// (a baseline). `oink chaos` defaults to DefaultKills.
	Kills int
	// Parallel is how many trials run at once, default DefaultParallel.
	// Trials mostly wait on the cutover's 10-second count buckets, not on
	// CPU.
	Parallel int
	// Partitions of every topic, default DefaultPartitions.
	Partitions int
	// Steps are the plan's percents, default DefaultSteps; the last must
	// be 100.
	Steps []float64
	// Window is the comparator's match window, default DefaultWindow.
	Window time.Duration
	// TrialTimeout bounds one trial, default DefaultTrialTimeout.
	TrialTimeout time.Duration
	// KeepData keeps the run's schema and topics for inspection.
	KeepData bool
	// Log receives progress (debug) and problems (warn). Default: discard.
	Log *slog.Logger
	// OnTrial, when set, is called as each trial ends (from the goroutine
	// that ran it; calls are serialized).
	OnTrial func(TrialResult)

	// onEvidence, when set, receives each trial's evidence before its
	// topics are deleted (the self-test mutates it).
	onEvidence func(TrialResult, *evidence)
}

func (c *Config) defaults() {
	if len(c.Roles) == 0 {
		c.Roles = Roles
	}
	setDefault(&c.Trials, DefaultTrials)
	setDefault(&c.Events, DefaultEvents)
	setDefault(&c.Rate, DefaultRate)
	setDefault(&c.Parallel, DefaultParallel)
	setDefault(&c.Partitions, DefaultPartitions)
	setDefault(&c.ReplicationFactor, 1)
	setDefault(&c.Window, DefaultWindow)
	setDefault(&c.TrialTimeout, DefaultTrialTimeout)
	if len(c.Steps) == 0 {
		c.Steps = DefaultSteps
	}
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano()) & (1<<53 - 1) // printable exactly as a JSON number
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
}

func setDefault[T int | float64 | time.Duration](v *T, def T) {
	if *v == 0 {
		*v = def
	}
}

// Validate checks the configuration; each error names the field.
func (c *Config) Validate() error {
	var errs []error
	add := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if c.Exe == "" {
		add("Exe: empty: give the oink executable the roles run as")
	}
	if c.DatabaseURL == "" {
		add("DatabaseURL: empty: give a Postgres URL")
	}
	if c.RulesFile == "" {
		add("RulesFile: empty: give the comparator rules, e.g. shipped/rules/rtcim.yaml")
	}
	if c.Trials < 0 || c.Events < 0 || c.Kills < 0 || c.Parallel < 0 || c.Partitions < 0 {
		add("Trials %d, Events %d, Kills %d, Parallel %d, Partitions %d: none may be negative",
			c.Trials, c.Events, c.Kills, c.Parallel, c.Partitions)
	}
	if c.Rate < 0 || c.Window < 0 || c.TrialTimeout < 0 {
		add("Rate %v, Window %v, TrialTimeout %v: none may be negative", c.Rate, c.Window, c.TrialTimeout)
	}
	if len(c.Steps) > 0 {
		if _, err := c.plan("check"); err != nil {
			add("Steps %v: %w", c.Steps, err)
		}
	}
	return errors.Join(errs...)
}

// plan is the trials' cutover plan for run: the steps with no hold and a
// few pairs each, rolling back on a divergence (which a correct pipeline
// under rules that accept v1's faults never sees).
func (c *Config) plan(run string) (cutover.Plan, error) {
	p := cutover.Plan{Run: run, OnDivergence: cutover.PolicyRollback, Margin: 500 * time.Millisecond,
		MaxComparatorLag: 10 * time.Second}
	for _, pct := range c.Steps {
		p.Steps = append(p.Steps, cutover.Step{Percent: pct, MinPairs: 20})
	}
	return p, p.Validate()
}

// trialSeeds are what a trial's seed chooses. Each comes from its own
// stream of the seed, so that changing how one is drawn leaves the others.
type trialSeeds struct {
	events uint64 // the load generator's seed
	faults uint64 // v1's fault seed
	kills  *rand.Rand
}

func seedsOf(seed uint64) trialSeeds {
	return trialSeeds{
		events: rand.New(rand.NewPCG(seed, 1)).Uint64() & (1<<31 - 1),
		faults: rand.New(rand.NewPCG(seed, 2)).Uint64() & (1<<31 - 1),
		kills:  rand.New(rand.NewPCG(seed, 3)),
	}
}

// killTargets draws n progress values in (0, 0.9·scale], sorted: the trial
// kills its role once its progress reaches each.
func killTargets(rng *rand.Rand, n int, scale int64) []int64 {
	hi := max(1, scale*9/10)
	out := make([]int64, n)
	for i := range out {
		out[i] = 1 + rng.Int64N(hi)
	}
	slices.Sort(out)
	return out
}
