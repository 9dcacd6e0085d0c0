package cutover

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/oinkhq/oink/diffstore"
)

// Apply stores p as a new version of the run's plan (every version is kept)
// and puts the run under it. Applying never starts a cutover and never
// writes a transition: start it with Start, or run the controller with
// AutoStart. By the run's phase:
//
//   - no plan yet, or Aborted: the run becomes Pending before the first step;
//   - Pending or RolledBack: the phase stays, before the first step;
//   - Running or Paused: the run stays at its percent, which p must have as
//     a step (the stage becomes that step; the stage's window goes on), so
//     that holds and pair counts can be changed mid-cutover;
//   - Promoted: refused, the cutover is over (a *PhaseError).
//
// p.Run must be the Controller's Run. The Decision's Action is ActionApply.
func (c *Controller) Apply(ctx context.Context, p Plan, req Request) (Decision, error) {
	if err := errors.Join(c.Validate(), p.Validate()); err != nil {
		return Decision{}, err
	}
	if p.Run != c.RunName {
		return Decision{}, fmt.Errorf("plan is for run %q, not %q", p.Run, c.RunName)
	}
	if req.Actor == "" {
		return Decision{}, errors.New("a command needs an actor: who asks for it")
	}
	raw, err := json.Marshal(p)
	if err != nil {
		return Decision{}, fmt.Errorf("encode plan: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, tickTimeout)
	defer cancel()
	for range staleRetries {
		d, a, err := c.planApply(ctx, p, req)
		if err != nil || req.DryRun {
			return d, err
		}
		a.Plan, a.Margin = raw, p.Margin
		st, err := c.Store.ApplyPlan(ctx, a)
		if errors.Is(err, diffstore.ErrStale) {
			continue
		}
		if err != nil {
			return Decision{}, err
		}
		d.PlanVersion = st.PlanVersion
		return d, nil
	}
	return Decision{}, fmt.Errorf("apply plan to run %q: %w (%d attempts)", c.RunName, diffstore.ErrStale, staleRetries)
}

// planApply reads the run's state and computes where p puts it.
func (c *Controller) planApply(ctx context.Context, p Plan, req Request) (Decision, diffstore.PlanApply, error) {
	old, err := c.load(ctx)
	first := errors.Is(err, diffstore.ErrNotFound)
	if err != nil && !first {
		return Decision{}, diffstore.PlanApply{}, err
	}
	from := Position{Stage: diffstore.StageBeforeFirst, Phase: Pending}
	if !first {
		from = old.position()
	}
	to, err := c.applyTo(p, from, first)
	if err != nil {
		return Decision{}, diffstore.PlanApply{}, err
	}
	d := Decision{Run: c.RunName, Action: ActionApply, From: from, To: to, Actor: req.Actor, Reason: req.Reason, DryRun: req.DryRun}
	details, err := json.Marshal(map[string]any{"from": from, "to": to, "plan": p})
	if err != nil {
		return Decision{}, diffstore.PlanApply{}, fmt.Errorf("encode audit details: %w", err)
	}
	a := diffstore.PlanApply{Run: c.RunName, Actor: req.Actor, Reason: req.Reason, ExpectVersion: old.state.Version,
		Stage: to.Stage, Phase: string(to.Phase), Details: details}
	return d, a, nil
}

// applyTo returns the position a run at from takes under the new plan p.
func (c *Controller) applyTo(p Plan, from Position, first bool) (Position, error) {
	before := Position{Stage: diffstore.StageBeforeFirst, Phase: from.Phase}
	switch {
	case first || from.Phase == Aborted:
		return Position{Stage: diffstore.StageBeforeFirst, Phase: Pending}, nil
	case from.Phase == Pending || from.Phase == RolledBack:
		return before, nil
	case from.Phase == Promoted:
		return Position{}, &PhaseError{Run: c.RunName, Action: ActionApply, Phase: from.Phase,
			Hint: "the cutover is complete; cut over again under a new run name"}
	}
	stage, ok := p.StageOf(from.Percent)
	if !ok {
		return Position{}, &PhaseError{Run: c.RunName, Action: ActionApply, Phase: from.Phase,
			Hint: fmt.Sprintf("the new plan has no step at its current %v%%; add one, or roll back first", from.Percent)}
	}
	return Position{Stage: stage, Phase: from.Phase, Percent: from.Percent}, nil
}
