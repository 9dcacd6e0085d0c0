package cutover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/backoff"
)

// Defaults of the Controller's optional fields.
const (
	DefaultTick        = 500 * time.Millisecond
	DefaultAliveWithin = 5 * time.Second
	DefaultActor       = "controller"
)

// tickTimeout bounds the database work of one tick, and of one command.
const tickTimeout = 10 * time.Second

// staleRetries is how many times a command computes its change again when
// the state changed under it (diffstore.ErrStale).
const staleRetries = 3

// Controller drives the cutover of one run: every tick its leader evaluates
// the current stage's gate and advances, promotes, or acts on a divergence by
// the plan's policy; its methods Start, Advance, Pause, Resume, Rollback,
// Abort and Apply are the manual commands. Everything it decides is written
// to the store with who and why, so a restarted controller resumes where
// the last one stood.
//
// Set the fields, then call Run (the loop) or any method. The zero values of
// the optional fields mean their defaults. A Controller is safe for
// concurrent use once its fields are set: it keeps no state of its own
// besides the leader lock of a running Run.
type Controller struct {
	// Store holds the plans, state, route and audit, and the comparator's
	// results the gate reads. Required. Run needs it over a *pgxpool.Pool
	// (for the leader lock's connection).
	Store *diffstore.Store
	// RunName is the shadow run to cut over. Required.
	RunName string
	// Actor is who the controller's own decisions are recorded as.
	// Default: "controller".
	Actor string
	// Now is the clock the hold time is measured with. Default: time.Now.
	Now func() time.Time
	// Tick is the interval between two evaluations of the gate, and
	// between two attempts of a standby to lead. Default: 500ms.
	Tick time.Duration
	// AliveWithin is how recent a comparator instance's heartbeat must be
	// for the instance to count as alive. Default: 5s.
	AliveWithin time.Duration
	// AutoStart makes the leader start a Pending cutover by itself.
	// Default: false (an operator runs start).
	AutoStart bool
	// Log receives leadership changes and decisions. Default: discard.
	Log *slog.Logger
	// Health, when set, is false while Run's ticks fail (the store does
	// not answer) and true once a tick succeeds again; a standby that
	// reaches the store is healthy. /healthz serves it. Default: none kept.
	Health *atomic.Bool
}

// maxRetryWait caps the backoff between failed ticks of Run.
const maxRetryWait = 5 * time.Second

// Validate checks the required fields.
func (c *Controller) Validate() error {
	var errs []error
	if c.Store == nil {
		errs = append(errs, errors.New("cutover controller: Store is required"))
	}
	if c.RunName == "" {
		errs = append(errs, errors.New("cutover controller: RunName is required"))
	}
	if c.Tick < 0 || c.AliveWithin < 0 {
		errs = append(errs, fmt.Errorf("cutover controller: Tick %v and AliveWithin %v must not be negative", c.Tick, c.AliveWithin))
	}
	return errors.Join(errs...)
}

func (c *Controller) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

func (c *Controller) tick() time.Duration { return cmpOr(c.Tick, DefaultTick) }

func (c *Controller) aliveWithin() time.Duration { return cmpOr(c.AliveWithin, DefaultAliveWithin) }

func (c *Controller) actor() string { return cmpOr(c.Actor, DefaultActor) }

func (c *Controller) log() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

// cmpOr returns v, or def when v is the zero value.
func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Run runs the control loop until ctx ends, then returns nil. Any number of
// controllers may run for one run: each tick, one that does not lead tries
// to take the run's leader lock (diffstore.LeaderLock, a Postgres session
// advisory lock on a connection of its own); the one that holds it checks
// that its connection still answers and reconciles. A leader whose lock
// connection fails stops leading at once; the server has released its lock,
// and a standby takes over at its next tick. Even a deposed leader that has
// not noticed yet cannot decide twice: every decision is a compare-and-set on
// the state's version (see Reconcile).
//
// A tick that fails (the store does not answer: say Postgres restarts) is
// logged and retried after a capped exponential backoff, from one tick up
// to 5s, with Health false until one succeeds; Run returns an error only
// for an invalid Controller.
func (c *Controller) Run(ctx context.Context) error {
	if err := c.Validate(); err != nil {
		return err
	}
	lock, err := c.Store.LeaderLock(c.RunName)
	if err != nil {
		return err
	}
	defer func() {
		if err := lock.Close(ctx); err != nil {
			c.log().Warn("release leader lock", "run", c.RunName, "err", err)
		}
	}()
	bo := backoff.New(c.tick(), max(c.tick(), maxRetryWait))
	for {
		wait := c.tick()
		if err := c.leadOnce(ctx, lock); err != nil && ctx.Err() == nil {
			wait = bo.Next()
			c.setHealth(false)
			c.log().Warn("tick failed, retrying", "run", c.RunName, "backoff", wait, "err", err)
		} else {
			bo.Reset()
			c.setHealth(true)
		}
		if !backoff.Sleep(ctx, wait) {
			return nil
		}
	}
}

func (c *Controller) setHealth(v bool) {
	if c.Health != nil {
		c.Health.Store(v)
	}
}

// leadOnce is one tick of Run: keep or take the lead, then reconcile. It
// returns the error that ended the tick, nil when it did its work (also
// when it stays a standby).
func (c *Controller) leadOnce(ctx context.Context, lock *diffstore.LeaderLock) error {
	ctx, cancel := context.WithTimeout(ctx, tickTimeout)
	defer cancel()
	log := c.log().With("run", c.RunName)
	if lock.Held() {
		if err := lock.Check(ctx); err != nil {
			return fmt.Errorf("leadership lost: %w", err)
		}
	} else {
		ok, err := lock.TryAcquire(ctx)
		if err != nil {
			return fmt.Errorf("trying to lead: %w", err)
		}
		if !ok {
			return nil
		}
		log.Info("leading")
	}
	d, err := c.Reconcile(ctx)
	if err != nil {
		return fmt.Errorf("reconcile: %w", err)
	}
	if d.Action != ActionNone {
		log.Info("decided", "action", d.Action, "stage", d.To.Stage, "phase", d.To.Phase, "percent", d.To.Percent, "reason", d.Reason)
	}
	return nil
}

// snapshot is a run's state and the plan version it names (plan versions
// never change once stored).
type snapshot struct {
	state diffstore.CutoverState
	plan  Plan
}

func (s snapshot) phase() Phase       { return Phase(s.state.Phase) }
func (s snapshot) percent() float64   { return s.plan.PercentOf(s.state.Stage) }
func (s snapshot) lastStage() bool    { return s.state.Stage == len(s.plan.Steps)-1 }
func (s snapshot) position() Position { return Position{s.state.Stage, s.phase(), s.percent()} }

// load reads the run's state and its plan.
func (c *Controller) load(ctx context.Context) (snapshot, error) {
	st, err := c.Store.CutoverState(ctx, c.RunName)
	if err != nil {
		return snapshot{}, err
	}
	sp, err := c.Store.Plan(ctx, c.RunName, st.PlanVersion)
	if err != nil {
		return snapshot{}, err
	}
	var p Plan
	if err := json.Unmarshal(sp.Plan, &p); err != nil {
		return snapshot{}, fmt.Errorf("plan %d of run %q: %w", st.PlanVersion, c.RunName, err)
	}
	return snapshot{state: st, plan: p}, nil
}

// Reconcile is one tick of the leader, exported so that tests and tools can
// drive the controller step by step. It reads the state; when the phase is
// Running it evaluates the stage's gate, records the evaluation, and:
//
//   - on a divergence in the window, applies the plan's policy (rollback:
//     transition to 0% and RolledBack; pause: Paused);
//   - when the gate passes, advances to the next step (a transition to its
//     percent), or at the last step sets Promoted;
//   - otherwise decides nothing.
//
// When the phase is Pending and AutoStart is set, it starts the cutover.
// Every decision is a diffstore.Change against the version of the state it
// was made on; if the state changed in between (another controller, an
// operator) nothing is written and Reconcile returns ActionNone. A run with
// no plan is an error wrapping diffstore.ErrNotFound.
func (c *Controller) Reconcile(ctx context.Context) (Decision, error) {
	snap, err := c.load(ctx)
	if err != nil {
		return Decision{}, err
	}
	none := Decision{Run: c.RunName, Action: ActionNone, From: snap.position(), To: snap.position()}
	var m move
	var reason string
	switch snap.phase() {
	case Pending:
		if !c.AutoStart {
			return none, nil
		}
		m, reason = moveStart(snap), "auto-start"
	case Running:
		gate, err := c.recordGate(ctx, snap)
		if err != nil {
			return Decision{}, err
		}
		none.Gate = &gate
		switch {
		case gate.Diverged():
			m = policyMove(snap)
		case gate.Passed():
			m = moveAdvance(snap)
		default:
			return none, nil
		}
		m.gate, reason = &gate, "gate: "+joinReasons(gate)
	default:
		return none, nil
	}
	d, err := c.commit(ctx, snap, m, Request{Actor: c.actor(), Reason: reason})
	if errors.Is(err, diffstore.ErrStale) {
		c.log().Info("state changed since it was read; deciding again next tick", "run", c.RunName)
		return none, nil
	}
	return d, err
}

// recordGate evaluates the snapshot's gate and records the evaluation.
func (c *Controller) recordGate(ctx context.Context, snap snapshot) (Gate, error) {
	gate, err := c.gate(ctx, snap)
	if err != nil {
		return Gate{}, err
	}
	if _, err := c.Store.RecordGate(ctx, gate.evaluation(c.RunName)); err != nil {
		return Gate{}, err
	}
	return gate, nil
}

// joinReasons says why the gate decided: its failed checks (a divergence),
// or that it passed.
func joinReasons(g Gate) string {
	if g.Passed() {
		return fmt.Sprintf("passed at stage %d (%v%%)", g.Stage+1, g.Percent)
	}
	var out []string
	for _, c := range g.Checks {
		if c.Verdict == Failed {
			out = append(out, c.Name+": "+c.Detail)
		}
	}
	return strings.Join(out, "; ")
}

// gate evaluates the gate of the snapshot's stage now.
func (c *Controller) gate(ctx context.Context, snap snapshot) (Gate, error) {
	st := snap.state
	if st.Stage < 0 || st.StageStartedAt == nil {
		return Gate{}, fmt.Errorf("run %q is %s at stage %d without a stage window", c.RunName, st.Phase, st.Stage)
	}
	w := diffstore.GateWindow{EventFrom: *st.StageStartedAt}
	if st.StageEnteredAt != nil {
		w.RecordedFrom = *st.StageEnteredAt
	}
	stats, err := c.Store.GateStats(ctx, c.RunName, w, c.aliveWithin())
	if err != nil {
		return Gate{}, err
	}
	return evaluateGate(gateInput{plan: snap.plan, stage: st.Stage, window: w, stats: stats,
		aliveWithin: c.aliveWithin(), now: c.now()}), nil
}
