package chaos

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
)

// decision is an audit entry as the controller writes it.
type decision struct {
	ID         int64
	Action     cutover.Action
	Actor      string
	Reason     string
	From, To   cutover.Position
	Transition *diffstore.Transition
}

// decisions parses the audit log (oldest first).
func decisions(audit []diffstore.AuditEntry) ([]decision, error) {
	out := make([]decision, 0, len(audit))
	for _, e := range audit {
		var det struct {
			From, To   cutover.Position
			Transition *diffstore.Transition
		}
		if err := json.Unmarshal(e.Details, &det); err != nil {
			return nil, fmt.Errorf("audit entry %d (%s): details: %w", e.ID, e.Action, err)
		}
		out = append(out, decision{ID: e.ID, Action: cutover.Action(e.Action), Actor: e.Actor, Reason: e.Reason,
			From: det.From, To: det.To, Transition: det.Transition})
	}
	return out, nil
}

// checkController checks the cutover's record in Postgres: one plan
// applied; each decision made from the position the previous one left (no
// decision on a stale state); no stage entered twice (between rollbacks);
// one transition per start, advance or rollback, to the plan's percent (0
// for a rollback), each in the audit once and in the route; the route's
// percents increasing except at a rollback, its effective times never going
// back; and the run promoted at its last step.
func checkController(plan cutover.Plan, state diffstore.CutoverState, route diffstore.Route, audit []diffstore.AuditEntry) (string, error) {
	ds, err := decisions(audit)
	if err != nil {
		return "", err
	}
	if len(ds) == 0 || ds[0].Action != cutover.ActionApply {
		return "", fmt.Errorf("the audit log does not start with the plan's apply (%d entries)", len(ds))
	}
	at := ds[0].To
	entered := map[int]bool{}
	var fromAudit []diffstore.Transition
	actions := []string{string(ds[0].Action)}
	for _, d := range ds[1:] {
		actions = append(actions, fmt.Sprintf("%s→%g%%", d.Action, d.To.Percent))
		if d.From != at {
			return "", fmt.Errorf("audit %d: %s decided at %+v, but the run stood at %+v", d.ID, d.Action, d.From, at)
		}
		if err := checkDecision(plan, d, entered); err != nil {
			return "", fmt.Errorf("audit %d: %w", d.ID, err)
		}
		if d.Transition != nil {
			fromAudit = append(fromAudit, *d.Transition)
		}
		at = d.To
	}
	if err := checkRoute(route, fromAudit); err != nil {
		return "", err
	}
	last := len(plan.Steps) - 1
	if state.Phase != diffstore.PhasePromoted || state.Stage != last || at.Phase != cutover.Promoted || at.Stage != last {
		return "", fmt.Errorf("the cutover ended %s at stage %d (last decision: %+v), want promoted at stage %d; reason: %s; decisions: %s",
			state.Phase, state.Stage, at, last, state.Reason, strings.Join(actions, ", "))
	}
	return strings.Join(actions, ", "), nil
}

// checkDecision checks one decision against the plan; entered holds the
// stages entered since the last rollback.
func checkDecision(plan cutover.Plan, d decision, entered map[int]bool) error {
	wantTransition := func(pct float64) error {
		if d.Transition == nil || d.Transition.Percent != pct {
			return fmt.Errorf("%s to %+v wrote transition %+v, want one to %g%%", d.Action, d.To, d.Transition, pct)
		}
		return nil
	}
	switch d.Action {
	case cutover.ActionStart, cutover.ActionAdvance:
		if entered[d.To.Stage] {
			return fmt.Errorf("stage %d (%g%%) was decided twice", d.To.Stage, d.To.Percent)
		}
		entered[d.To.Stage] = true
		return wantTransition(plan.PercentOf(d.To.Stage))
	case cutover.ActionRollback:
		clear(entered)
		return wantTransition(0)
	case cutover.ActionPromote:
		if d.Transition != nil || d.From.Stage != len(plan.Steps)-1 {
			return fmt.Errorf("promote from %+v with transition %+v: want one from the last stage, with none", d.From, d.Transition)
		}
		return nil
	}
	return fmt.Errorf("unexpected %s by %s (%s): no one but the controller acts in a trial", d.Action, d.Actor, d.Reason)
}

// checkRoute checks that the route holds exactly the audit's transitions,
// percents increasing except down to 0 (a rollback), effective times never
// going back.
func checkRoute(route diffstore.Route, fromAudit []diffstore.Transition) error {
	trs := route.Transitions
	if len(trs) != len(fromAudit) {
		return fmt.Errorf("the route has %d transitions, the audit log %d", len(trs), len(fromAudit))
	}
	for i, tr := range trs {
		a := fromAudit[i]
		if tr.Seq != a.Seq || tr.Percent != a.Percent || !tr.EffectiveFrom.Equal(a.EffectiveFrom) {
			return fmt.Errorf("route transition %d is %+v, the audit's %+v", i+1, tr, a)
		}
		if i == 0 {
			continue
		}
		prev := trs[i-1]
		if tr.EffectiveFrom.Before(prev.EffectiveFrom) {
			return fmt.Errorf("transition %d takes effect at %s, before transition %d (%s)", tr.Seq, tr.EffectiveFrom, prev.Seq, prev.EffectiveFrom)
		}
		if tr.Percent <= prev.Percent && tr.Percent != 0 {
			return fmt.Errorf("transition %d goes from %g%% to %g%%: the route only grows, or rolls back to 0", tr.Seq, prev.Percent, tr.Percent)
		}
	}
	return nil
}
