package chaos

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oinkhq/oink/loadgen"
	"github.com/oinkhq/oink/tools/childproc"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// Faults are v1's faults in every trial: the known bugs the shipped rules
// accept (rounding, UTC business date; often, so that every trial has
// some), plus drops, duplicates and reordered lines, which never block a
// cutover.
const Faults = "rounding=0.3,utc-date=0.3,drop=0.005,dup=0.005,reorder=0.05"

// Timings of a trial.
const (
	sessionTimeout = 2 * time.Second
	controllerTick = 200 * time.Millisecond
	pollInterval   = 25 * time.Millisecond
	drainTimeout   = 90 * time.Second
	invalidRatio   = 0.01
	// futureRatio of upstream events are dated a year ahead (an upstream
	// clock gone wrong): v2 and v1 must both reject them, and every check
	// must stay exact (about ten in a thousand-event trial).
	futureRatio     = 0.01
	childBatchSize  = 500
	cutoverPollTime = 250 * time.Millisecond
)

// names are one trial's topics, groups and runs.
type names struct {
	run, refRun                              string
	orders, ordersDLQ, v1, v2, live          string
	compareDLQ, refDLQ                       string
	groupV1, groupV2, groupCompare, groupRef string
	groupSwitch                              string
}

func namesFor(id string, role Role, seed uint64) names {
	pre := fmt.Sprintf("chaos-%s-%s-%d", id, role, seed)
	return names{run: pre, refRun: pre + "-ref",
		orders: pre + ".orders", ordersDLQ: pre + ".orders.dlq", v1: pre + ".rtcim.v1", v2: pre + ".rtcim.v2",
		live: pre + ".rtcim", compareDLQ: pre + ".compare.dlq", refDLQ: pre + ".compare-ref.dlq",
		groupV1: pre + ".v1", groupV2: pre + ".v2", groupCompare: pre + ".compare", groupRef: pre + ".compare-ref",
		groupSwitch: pre + ".switch"}
}

func (n names) topics() []string {
	return []string{n.orders, n.ordersDLQ, n.v1, n.v2, n.live, n.compareDLQ, n.refDLQ}
}

// trial is one trial in progress.
type trial struct {
	h     *harness
	role  Role
	seed  uint64
	n     names
	seeds trialSeeds
	dir   string // holds v1's fault log
	plan  cutover.Plan
	procs map[Role]*childproc.Proc // the killable roles; v1 and the reference comparator are extra
	extra []*childproc.Proc
	res   TrialResult
}

// trial runs one trial and checks it.
func (h *harness) trial(ctx context.Context, role Role, seed uint64) TrialResult {
	start := time.Now()
	t := &trial{h: h, role: role, seed: seed, n: namesFor(h.id, role, seed), seeds: seedsOf(seed),
		res: TrialResult{Role: role, Seed: seed, Progress: progressName[role], KillsAt: []int64{}}}
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, h.cfg.TrialTimeout)
	defer cancel()
	log := h.cfg.Log.With("role", role, "seed", seed)
	log.Debug("trial starting", "run", t.n.run)
	runErr := t.run(ctx)
	defer t.cleanUp(context.WithoutCancel(ctx))
	if parent.Err() != nil { // interrupted: nothing is worth checking
		t.res.Checks = []Check{{Name: CheckRan, Detail: fmt.Sprintf("interrupted: %v", runErr)}}
		t.res.Seconds = time.Since(start).Seconds()
		return t.res
	}
	ev, err := t.collect(context.WithoutCancel(ctx))
	if err != nil {
		runErr = errors.Join(runErr, err)
	}
	t.res.Events = len(ev.Orders)
	t.res.Checks = ev.checks(runErr)
	t.res.OK = allOK(t.res.Checks)
	t.res.Seconds = time.Since(start).Seconds()
	if h.cfg.onEvidence != nil {
		h.cfg.onEvidence(t.res, ev)
	}
	log.Debug("trial ended", "ok", t.res.OK, "kills", t.res.Kills, "seconds", t.res.Seconds)
	return t.res
}

func allOK(cs []Check) bool {
	for _, c := range cs {
		if !c.OK {
			return false
		}
	}
	return len(cs) > 0
}

// run sets the trial up, runs upstream and every role while killing the
// trial's role at its kill moments, drains, and stops everything.
func (t *trial) run(ctx context.Context) error {
	var err error
	if t.dir, err = os.MkdirTemp("", "oink-chaos-"); err != nil {
		return err
	}
	if err := kafkaio.EnsureTopics(ctx, t.h.brokers, t.h.spec, t.n.topics()...); err != nil {
		return err
	}
	if t.plan, err = t.h.cfg.plan(t.n.run); err != nil {
		return err
	}
	ctl := &cutover.Controller{Store: t.h.store, RunName: t.n.run}
	if _, err := ctl.Apply(ctx, t.plan, cutover.Request{Actor: "oink-chaos", Reason: "chaos trial plan"}); err != nil {
		return fmt.Errorf("applying the trial's plan: %w", err)
	}
	defer t.stopAll()
	if err := t.startAll(); err != nil {
		return err
	}
	upCtx, stopKills := context.WithCancel(ctx)
	var upErr error
	var wg sync.WaitGroup
	wg.Go(func() {
		defer stopKills()
		upErr = t.upstream(upCtx)
	})
	start := time.Now()
	killErr := t.killLoop(upCtx)
	wg.Wait()
	if err := errors.Join(upErr, killErr); err != nil {
		return err
	}
	upstreamDone := time.Since(start)
	if err := t.drain(ctx); err != nil {
		return err
	}
	drained := time.Since(start)
	err = t.stopAll()
	t.h.cfg.Log.Debug("trial timeline", "role", t.role, "seed", t.seed, "upstream", upstreamDone.Round(time.Millisecond),
		"drained", drained.Round(time.Millisecond), "stopped", time.Since(start).Round(time.Millisecond))
	return err
}

// startAll starts every role and the extras: v1 and the reference
// comparator, which are never killed.
func (t *trial) startAll() error {
	t.procs = map[Role]*childproc.Proc{}
	for _, r := range components {
		t.procs[r] = newProc(string(r), t.h.cfg.Exe, t.h.env, t.args(r)...)
	}
	t.extra = []*childproc.Proc{
		newProc("v1", t.h.cfg.Exe, t.h.env, t.argsV1()...),
		newProc("reference comparator", t.h.cfg.Exe, t.h.env, t.argsCompare(t.n.refRun, t.n.groupRef, t.n.refDLQ)...),
	}
	if t.role == RoleZombieSwitch {
		// The instance that takes the frozen one's partitions over.
		t.extra = append(t.extra, newProc("second switch", t.h.cfg.Exe, t.h.env, t.args(RoleSwitch)...))
	}
	for _, p := range t.all() {
		if err := p.Start(io.Discard); err != nil {
			return err
		}
	}
	return nil
}

// stderrTail is how much of a child's stderr a failed trial reports.
const stderrTail = 4 << 10

// newProc is a child of a trial: exe with args, and env added to
// childproc.Env.
func newProc(name, exe string, env []string, args ...string) *childproc.Proc {
	return childproc.New(childproc.Config{Name: name, Exe: exe, Args: args, Env: env, StderrTail: stderrTail})
}

func (t *trial) all() []*childproc.Proc {
	out := append([]*childproc.Proc{}, t.extra...)
	for _, r := range components {
		if p := t.procs[r]; p != nil {
			out = append(out, p)
		}
	}
	return out
}

// stopAll stops every child that runs (SIGTERM, then SIGKILL), and
// reports the ones that did not stop cleanly.
func (t *trial) stopAll() error {
	var mu sync.Mutex
	var errs []error
	var wg sync.WaitGroup
	for _, p := range t.all() {
		wg.Go(func() {
			if err := p.Stop(); err != nil {
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// crashed returns the first child that exited by itself.
func (t *trial) crashed() error {
	for _, p := range t.all() {
		if err := p.Exited(); err != nil {
			return err
		}
	}
	return nil
}

// args are the command line of role r. The database URL is not among
// them: every user can read a process's command line (/proc/PID/cmdline),
// so children get it as DATABASE_URL in their environment (harness.env).
func (t *trial) args(r Role) []string {
	switch r {
	case RoleProducer:
		return t.common("produce", "--from", t.n.orders, "--to", t.n.v2, "--dlq", t.n.ordersDLQ, "--group", t.n.groupV2,
			"--session-timeout", sessionTimeout.String(), "--batch-size", strconv.Itoa(childBatchSize))
	case RoleComparator:
		return t.argsCompare(t.n.run, t.n.groupCompare, t.n.compareDLQ)
	case RoleSwitch:
		return t.common("switch", "--run", t.n.run, "--control", t.n.v1,
			"--candidate", t.n.v2, "--live", t.n.live, "--group", t.n.groupSwitch, "--rules", t.h.cfg.RulesFile,
			"--session-timeout", sessionTimeout.String())
	default:
		return []string{"controller", "--brokers", strings.Join(t.h.brokers, ","),
			"--run", t.n.run, "--tick", controllerTick.String(), "--auto-start", "--log-level", "warn", "--log-format", "text"}
	}
}

func (t *trial) argsV1() []string {
	return t.common("legacy", "--from", t.n.orders, "--to", t.n.v1, "--group", t.n.groupV1,
		"--faults", Faults, "--seed", strconv.FormatUint(t.seeds.faults, 10),
		"--fault-log", filepath.Join(t.dir, "faults.jsonl"),
		"--session-timeout", sessionTimeout.String(), "--batch-size", strconv.Itoa(childBatchSize))
}

func (t *trial) argsCompare(run, group, dlq string) []string {
	return t.common("compare", "--run", run, "--group", group,
		"--control", t.n.v1, "--candidate", t.n.v2, "--rules", t.h.cfg.RulesFile, "--dlq", dlq,
		"--input", t.n.orders, "--control-group", t.n.groupV1, "--candidate-group", t.n.groupV2,
		"--window", t.h.cfg.Window.String(), "--session-timeout", sessionTimeout.String())
}

// common adds the flags every Kafka role takes.
func (t *trial) common(cmd string, args ...string) []string {
	return append([]string{cmd, "--brokers", strings.Join(t.h.brokers, ","),
		"--partitions", strconv.Itoa(t.h.spec.Partitions), "--replication-factor", strconv.Itoa(t.h.spec.ReplicationFactor),
		"--log-level", "warn", "--log-format", "text"}, args...)
}

// upstream writes seeded events at the configured rate until at least
// cfg.Events are written and the cutover has ended (promoted, or stopped by
// a rollback or pause), or until half the trial's time is spent.
func (t *trial) upstream(ctx context.Context) error {
	cfg := t.h.cfg
	ctx, stop := context.WithTimeout(ctx, cfg.TrialTimeout/2)
	defer stop()
	var written atomic.Int64
	var enough atomic.Bool
	go func() {
		tick := time.NewTicker(cutoverPollTime)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			if written.Load() >= int64(cfg.Events) && t.cutoverEnded(ctx) {
				enough.Store(true)
				stop()
				return
			}
		}
	}()
	_, err := loadgen.Load(ctx, loadgen.LoadConfig{Brokers: t.h.brokers, Topic: t.n.orders, Count: 1 << 30,
		Rate: cfg.Rate, Topics: t.h.spec, Progress: func(s loadgen.Summary) { written.Store(int64(s.Events)) },
		Gen: loadgen.Config{Seed: t.seeds.events, InvalidRatio: invalidRatio, FutureRatio: futureRatio}})
	if enough.Load() {
		return nil
	}
	if err != nil && errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("upstream stopped after %d events and %v: the cutover did not end (see the controller check)",
			written.Load(), cfg.TrialTimeout/2)
	}
	return err
}

// cutoverEnded reports whether the trial's cutover has left the phases in
// which the controller still acts on its own.
func (t *trial) cutoverEnded(ctx context.Context) bool {
	st, err := t.h.store.CutoverState(ctx, t.n.run)
	if err != nil {
		return false
	}
	switch st.Phase {
	case diffstore.PhasePromoted, diffstore.PhaseRolledBack, diffstore.PhasePaused, diffstore.PhaseAborted:
		return true
	}
	return false
}

// progressName says what each role's progress counts.
var progressName = map[Role]string{
	RoleProducer:   "records on rtcim.v2 and orders.dlq",
	RoleComparator: "records the comparator has read (from Postgres)",
	RoleSwitch:     "records on the live topic",
	RoleController: "upstream events written",
	// A frozen switch's partitions move to the other: live records count.
	RoleZombieSwitch: "records on the live topic",
	RoleStall:        "records on rtcim.v2 and orders.dlq",
}

// progress is the trial's role's progress, read from outside.
func (t *trial) progress(ctx context.Context) int64 {
	ends := func(topic string) int64 {
		e, _ := kafkaio.EndOffsets(ctx, t.h.brokers, topic) // an error reads as no progress; the wait polls again
		return kafkaio.Sum(e)
	}
	switch t.role {
	case RoleProducer, RoleStall:
		return ends(t.n.v2) + ends(t.n.ordersDLQ)
	case RoleComparator:
		sum, err := t.h.store.Summary(ctx, t.n.run)
		if err != nil {
			return 0
		}
		return sum.ReadControl + sum.ReadCandidate
	case RoleSwitch, RoleZombieSwitch:
		return ends(t.n.live)
	default:
		return ends(t.n.orders)
	}
}

// progressScale is about where each role's progress stands at the end of
// cfg.Events events: kill moments are drawn below it.
func (t *trial) progressScale() int64 {
	if t.role == RoleComparator {
		return 2 * int64(t.h.cfg.Events)
	}
	return int64(t.h.cfg.Events)
}

// killLoop SIGKILLs the trial's role each time its progress reaches the
// next seeded kill moment, and restarts it at once (or, for RoleStall,
// stops v2 for StallWindows windows and continues it). It stops early,
// with no error, when ctx ends (upstream is done): the later moments were
// not reached.
func (t *trial) killLoop(ctx context.Context) error {
	p := t.procs[component(t.role)]
	restarted := time.Now()
	for _, target := range killTargets(t.seeds.kills, t.h.cfg.Kills, t.progressScale()) {
		var at int64
		ready := func() bool {
			at = t.progress(ctx)
			return at >= target && time.Since(restarted) >= t.killGap()
		}
		if err := t.waitFor(ctx, ready); err != nil {
			if errors.Is(err, context.Canceled) {
				return nil // upstream finished first
			}
			return err
		}
		if err := t.strike(ctx, p); err != nil {
			return err
		}
		t.res.Kills++
		t.res.KillsAt = append(t.res.KillsAt, at)
		t.h.cfg.Log.Debug("struck", "role", t.role, "seed", t.seed, "progress", at, "target", target)
		restarted = time.Now()
	}
	return nil
}

// strike does the trial's fault to p once: SIGKILL and restart, or for
// RoleStall SIGSTOP, StallWindows match windows, SIGCONT.
func (t *trial) strike(ctx context.Context, p *childproc.Proc) error {
	switch t.role {
	case RoleStall:
		// The whole stall even if upstream ends meanwhile: a shorter one
		// would test less than it says.
		return p.Stall(context.WithoutCancel(ctx), StallWindows*t.h.cfg.Window)
	case RoleZombieSwitch:
		// Frozen past the session timeout, the group moves its
		// partitions to the other instance, whose producers fence it.
		return p.Stall(ctx, sessionTimeout+zombieExtra)
	}
	if err := p.Kill(); err != nil {
		return err
	}
	return p.Start(io.Discard)
}

// killGap is the least time between a restart and the next kill. For v2
// it is the group's session timeout plus a second: kfake moves a dead
// member's partitions only once its session expires, and v2's output
// progresses on the other partitions meanwhile, so kills at progress
// moments alone can kill every restarted v2 before it gets those
// partitions. They then stay quiet for longer than the comparator's match
// window, and redelivered copies come past the window and count as missing
// from v1 (before the comparator required evidence, v1's records were also
// counted missing from v2 and the gate rolled back): a test of the window,
// not of crash recovery (seen with 12 kills per trial, seeds 2003 and
// 2005). A stall trial waits the same after each SIGCONT. The other roles
// have no such coupling.
func (t *trial) killGap() time.Duration {
	if t.role == RoleProducer || t.role == RoleStall {
		return sessionTimeout + time.Second
	}
	return 0
}

// zombieExtra is how much longer than its session timeout a zombie switch
// stays frozen: enough for the group to move its partitions (kfake checks
// sessions about every second).
const zombieExtra = 2 * time.Second

// waitFor polls cond until it holds. It fails when ctx ends or a child
// exits by itself.
func (t *trial) waitFor(ctx context.Context, cond func() bool) error {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	for !cond() {
		if err := t.crashed(); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

// drain waits until every role has handled everything: v1 and v2 have
// committed all of upstream, the switch both versions, and both comparator
// runs have read both topics to their ends with nothing left waiting.
func (t *trial) drain(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, drainTimeout)
	defer cancel()
	b := t.h.brokers
	lagZero := func(group, topic string) bool {
		lag, err := kafkaio.GroupLag(ctx, b, group, topic)
		return err == nil && kafkaio.Sum(lag) == 0
	}
	compared := func(run string) bool {
		sum, err := t.h.store.Summary(ctx, run)
		if err != nil || sum.PendingControl != 0 || sum.PendingCandidate != 0 {
			return false
		}
		v1, err1 := kafkaio.EndOffsets(ctx, b, t.n.v1)
		v2, err2 := kafkaio.EndOffsets(ctx, b, t.n.v2)
		return err1 == nil && err2 == nil && sum.ReadControl == kafkaio.Sum(v1) && sum.ReadCandidate == kafkaio.Sum(v2)
	}
	err := t.waitFor(ctx, func() bool {
		return lagZero(t.n.groupV1, t.n.orders) && lagZero(t.n.groupV2, t.n.orders) &&
			lagZero(t.n.groupSwitch, t.n.v1) && lagZero(t.n.groupSwitch, t.n.v2) &&
			compared(t.n.run) && compared(t.n.refRun)
	})
	if err != nil {
		return fmt.Errorf("draining: %w", err)
	}
	return nil
}

// cleanUp deletes the trial's topics and fault log unless KeepData.
func (t *trial) cleanUp(ctx context.Context) {
	if t.h.cfg.KeepData {
		return
	}
	if t.dir != "" {
		os.RemoveAll(t.dir)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := kafkaio.Client(t.h.brokers).DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: t.n.topics()}); err != nil {
		t.h.cfg.Log.Warn("deleting a trial's topics", "run", t.n.run, "err", err)
	}
}
