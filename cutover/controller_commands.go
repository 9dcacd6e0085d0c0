package cutover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/oinkhq/oink/diffstore"
)

// ErrPhase is wrapped by a *PhaseError: the command is not allowed in the
// run's current phase.
var ErrPhase = errors.New("not allowed in this phase")

// PhaseError is returned by a command that the run's phase does not allow,
// with a hint of what to do instead. It wraps ErrPhase.
type PhaseError struct {
	Run    string
	Action Action
	Phase  Phase
	Hint   string
}

// Error says what was refused, why and what to do.
func (e *PhaseError) Error() string {
	return fmt.Sprintf("cannot %s run %q: it is %s; %s", e.Action, e.Run, e.Phase, e.Hint)
}

// Unwrap returns ErrPhase.
func (e *PhaseError) Unwrap() error { return ErrPhase }

// Request says who asks for a command and why.
type Request struct {
	Actor  string // required: who (an OS user, "dashboard:alice", …)
	Reason string // why; recorded in the audit log
	// DryRun computes the decision against the current state and returns
	// it without writing anything.
	DryRun bool
}

// Position is where a run stands: its stage (-1 before the first step), its
// phase and the percent of key buckets that stage gives v2.
type Position struct {
	Stage   int     `json:"stage"`
	Phase   Phase   `json:"phase"`
	Percent float64 `json:"percent"`
}

// Decision is what a command or a tick of the controller decided.
type Decision struct {
	Run    string   `json:"run"`
	Action Action   `json:"action"` // ActionNone when nothing changed
	From   Position `json:"from"`
	To     Position `json:"to"`
	// Transition is the route transition written (or, on a dry run, the
	// percent it would have; its times are then zero).
	Transition *diffstore.Transition `json:"transition,omitempty"`
	// Gate is the evaluation the decision was made on: the controller's,
	// or, for a manual advance, the one it skipped.
	Gate   *Gate  `json:"gate,omitempty"`
	Actor  string `json:"actor"`
	Reason string `json:"reason"`
	DryRun bool   `json:"dryRun"`
	// PlanVersion is the plan version Apply stored (0 for other actions,
	// and for a dry run).
	PlanVersion int `json:"planVersion,omitempty"`
}

// move is a change of position a command or the gate computed.
type move struct {
	action  Action
	stage   int
	phase   Phase
	percent *float64 // a transition to this percent; nil: none
	gate    *Gate
}

// moveTo builds a move to stage in phase, with a transition to the stage's
// percent when transition is set.
func moveTo(snap snapshot, action Action, stage int, phase Phase, transition bool) move {
	m := move{action: action, stage: stage, phase: phase}
	if transition {
		p := snap.plan.PercentOf(stage)
		m.percent = &p
	}
	return m
}

// moveStart: Pending → Running at the first step.
func moveStart(snap snapshot) move { return moveTo(snap, ActionStart, 0, Running, true) }

// moveAdvance: to the next step, or Promoted after the last.
func moveAdvance(snap snapshot) move {
	if snap.lastStage() {
		return moveTo(snap, ActionPromote, snap.state.Stage, Promoted, false)
	}
	return moveTo(snap, ActionAdvance, snap.state.Stage+1, Running, true)
}

// moveRollback: to 0%, RolledBack.
func moveRollback(snap snapshot) move {
	return moveTo(snap, ActionRollback, diffstore.StageBeforeFirst, RolledBack, true)
}

// movePause: the stage holds, Paused.
func movePause(snap snapshot) move {
	return moveTo(snap, ActionPause, snap.state.Stage, Paused, false)
}

// policyMove is the plan's answer to a divergence.
func policyMove(snap snapshot) move {
	if snap.plan.OnDivergence == PolicyPause {
		return movePause(snap)
	}
	return moveRollback(snap)
}

// commit writes m unless req is a dry run, and returns the decision.
func (c *Controller) commit(ctx context.Context, snap snapshot, m move, req Request) (Decision, error) {
	d := Decision{Run: c.RunName, Action: m.action, From: snap.position(),
		To:   Position{Stage: m.stage, Phase: m.phase, Percent: snap.plan.PercentOf(m.stage)},
		Gate: m.gate, Actor: req.Actor, Reason: req.Reason, DryRun: req.DryRun}
	if req.DryRun {
		if m.percent != nil {
			d.Transition = &diffstore.Transition{Percent: *m.percent, Actor: req.Actor, Reason: req.Reason}
		}
		return d, nil
	}
	details, err := json.Marshal(map[string]any{"from": d.From, "to": d.To, "gate": d.Gate, "planVersion": snap.state.PlanVersion})
	if err != nil {
		return Decision{}, fmt.Errorf("encode audit details: %w", err)
	}
	_, tr, err := c.Store.ChangeCutover(ctx, diffstore.Change{Run: c.RunName, ExpectVersion: snap.state.Version,
		Stage: m.stage, Phase: string(m.phase), Percent: m.percent,
		Action: string(m.action), Actor: req.Actor, Reason: req.Reason, Details: details})
	if err != nil {
		return Decision{}, err
	}
	d.Transition = tr
	return d, nil
}

// command runs a manual command: it reads the state, lets plan compute the
// move (or refuse it), and commits it; when the state changed in between it
// tries again, up to staleRetries times, since an operator's command means
// "from wherever the run is now".
func (c *Controller) command(ctx context.Context, req Request, plan func(context.Context, snapshot) (move, error)) (Decision, error) {
	if err := c.Validate(); err != nil {
		return Decision{}, err
	}
	if req.Actor == "" {
		return Decision{}, errors.New("a command needs an actor: who asks for it")
	}
	ctx, cancel := context.WithTimeout(ctx, tickTimeout)
	defer cancel()
	var err error
	for range staleRetries {
		var snap snapshot
		if snap, err = c.load(ctx); err != nil {
			return Decision{}, err
		}
		m, perr := plan(ctx, snap)
		if perr != nil {
			return Decision{}, perr
		}
		if m.action == ActionNone {
			return Decision{Run: c.RunName, Action: ActionNone, From: snap.position(), To: snap.position(),
				Actor: req.Actor, Reason: req.Reason, DryRun: req.DryRun}, nil
		}
		d, cerr := c.commit(ctx, snap, m, req)
		if !errors.Is(cerr, diffstore.ErrStale) {
			return d, cerr
		}
		err = cerr
	}
	return Decision{}, err
}

// refuse returns the PhaseError of action in snap's phase.
func (c *Controller) refuse(snap snapshot, action Action, hint string) error {
	return &PhaseError{Run: c.RunName, Action: action, Phase: snap.phase(), Hint: hint}
}

// Start begins a Pending cutover: a transition to the first step's percent,
// phase Running. Any other phase is refused with a *PhaseError.
func (c *Controller) Start(ctx context.Context, req Request) (Decision, error) {
	return c.command(ctx, req, func(_ context.Context, snap snapshot) (move, error) {
		switch snap.phase() {
		case Pending:
			return moveStart(snap), nil
		case Aborted, Promoted:
			return move{}, c.refuse(snap, ActionStart, "apply a plan to begin a new cutover")
		case RolledBack, Paused:
			return move{}, c.refuse(snap, ActionStart, "resume it instead")
		}
		return move{}, c.refuse(snap, ActionStart, "it has already started")
	})
}

// Advance moves a Running or Paused cutover to its next step without
// waiting for the gate (or, at the last step, promotes it). The gate it
// skipped is evaluated and recorded with the decision.
func (c *Controller) Advance(ctx context.Context, req Request) (Decision, error) {
	return c.command(ctx, req, func(ctx context.Context, snap snapshot) (move, error) {
		if p := snap.phase(); p != Running && p != Paused {
			return move{}, c.refuse(snap, ActionAdvance, "only a running or paused cutover advances")
		}
		gate, err := c.gate(ctx, snap)
		if err != nil {
			return move{}, err
		}
		m := moveAdvance(snap)
		m.gate = &gate
		return m, nil
	})
}

// Pause holds a Running cutover at its stage: no transition; the controller
// does nothing until a resume, advance, rollback or abort.
func (c *Controller) Pause(ctx context.Context, req Request) (Decision, error) {
	return c.command(ctx, req, func(_ context.Context, snap snapshot) (move, error) {
		if snap.phase() != Running {
			return move{}, c.refuse(snap, ActionPause, "only a running cutover pauses")
		}
		return movePause(snap), nil
	})
}

// Resume sets a Paused or RolledBack cutover Running again. From Paused it
// stays at its stage but writes a transition to the same percent, which
// starts a new window: the divergence that paused it is not counted again,
// since resuming says it was understood. From RolledBack it starts again at
// the first step.
func (c *Controller) Resume(ctx context.Context, req Request) (Decision, error) {
	return c.command(ctx, req, func(_ context.Context, snap snapshot) (move, error) {
		switch snap.phase() {
		case Paused:
			return moveTo(snap, ActionResume, snap.state.Stage, Running, true), nil
		case RolledBack:
			return moveTo(snap, ActionResume, 0, Running, true), nil
		}
		return move{}, c.refuse(snap, ActionResume, "only a paused or rolled back cutover resumes")
	})
}

// Rollback gives all traffic back to v1: a transition to 0%, phase
// RolledBack. Allowed while Running or Paused.
func (c *Controller) Rollback(ctx context.Context, req Request) (Decision, error) {
	return c.command(ctx, req, func(_ context.Context, snap snapshot) (move, error) {
		if p := snap.phase(); p != Running && p != Paused {
			return move{}, c.refuse(snap, ActionRollback, "only a running or paused cutover rolls back; abort ends any cutover")
		}
		return moveRollback(snap), nil
	})
}

// Abort ends the cutover at 0% from any phase, Promoted included: a
// transition to 0% unless v2 owns nothing already, phase Aborted. Aborting
// an Aborted run changes nothing and returns ActionNone.
func (c *Controller) Abort(ctx context.Context, req Request) (Decision, error) {
	return c.command(ctx, req, func(_ context.Context, snap snapshot) (move, error) {
		if snap.phase() == Aborted {
			return move{action: ActionNone}, nil
		}
		return moveTo(snap, ActionAbort, diffstore.StageBeforeFirst, Aborted, snap.percent() != 0), nil
	})
}
