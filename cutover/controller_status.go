package cutover

import (
	"context"
	"fmt"
	"time"

	"github.com/oinkhq/oink/diffstore"
)

// Status is where a run's cutover stands and why it is not moving, as
// `oink cutover status` and the dashboard show it.
type Status struct {
	Run         string `json:"run"`
	PlanVersion int    `json:"planVersion"`
	Plan        Plan   `json:"plan"`
	Position
	// Stages is the number of steps of the plan.
	Stages int `json:"stages"`
	// StageStartedAt is when the stage's window began (source event time),
	// nil before the first transition.
	StageStartedAt *time.Time `json:"stageStartedAt"`
	// Reason, UpdatedBy and UpdatedAt describe the last change.
	Reason    string    `json:"reason"`
	UpdatedBy string    `json:"updatedBy"`
	UpdatedAt time.Time `json:"updatedAt"`
	// LastTransition is the route's latest transition, nil when none.
	LastTransition *diffstore.Transition `json:"lastTransition"`
	// Gate is the stage's gate evaluated now (not recorded), while Running
	// or Paused.
	Gate *Gate `json:"gate"`
	// ControllerActive reports whether some controller holds the run's
	// leader lock.
	ControllerActive bool `json:"controllerActive"`
	// Control and Candidate say whether v1 and v2 keep pace, as the run's
	// live comparator instances report it (nil when none is alive): a side
	// that is behind holds the gate without counting anything missing.
	Control   *diffstore.SideProgress `json:"control"`
	Candidate *diffstore.SideProgress `json:"candidate"`
	// Waiting says, in sentences, what the cutover waits for; empty once
	// promoted.
	Waiting []string `json:"waiting"`
	// Live is what the run's switch forwarded to the live topic, per
	// version, as of its last synced transactions; nil when no switch has
	// synced yet.
	Live *diffstore.SwitchSummary `json:"live"`
}

// Status reads the run's state, evaluates its gate (without recording it)
// and says what it waits for. A run with no plan is an error wrapping
// diffstore.ErrNotFound.
func (c *Controller) Status(ctx context.Context) (Status, error) {
	if err := c.Validate(); err != nil {
		return Status{}, err
	}
	snap, err := c.load(ctx)
	if err != nil {
		return Status{}, err
	}
	st := snap.state
	s := Status{Run: c.RunName, PlanVersion: st.PlanVersion, Plan: snap.plan, Position: snap.position(),
		Stages: len(snap.plan.Steps), StageStartedAt: st.StageStartedAt,
		Reason: st.Reason, UpdatedBy: st.UpdatedBy, UpdatedAt: st.UpdatedAt}
	route, err := c.Store.Route(ctx, c.RunName)
	if err != nil {
		return Status{}, err
	}
	if n := len(route.Transitions); n > 0 {
		s.LastTransition = &route.Transitions[n-1]
	}
	var health diffstore.ComparatorHealth
	if p := snap.phase(); p == Running || p == Paused {
		g, err := c.gate(ctx, snap)
		if err != nil {
			return Status{}, err
		}
		s.Gate, health = &g, g.Stats.Health
	} else if health, err = c.Store.ComparatorHealth(ctx, c.RunName, c.aliveWithin()); err != nil {
		return Status{}, err
	}
	if health.Alive > 0 {
		v1, v2 := health.Side(diffstore.SideControl), health.Side(diffstore.SideCandidate)
		s.Control, s.Candidate = &v1, &v2
	}
	if s.ControllerActive, err = c.Store.LeaderActive(ctx, c.RunName); err != nil {
		return Status{}, err
	}
	s.Waiting = waiting(s)
	live, err := c.Store.Switch(ctx, c.RunName)
	if err != nil {
		return Status{}, err
	}
	if len(live.Partitions) > 0 {
		s.Live = &live
	}
	return s, nil
}

// waiting explains what s waits for.
func waiting(s Status) []string {
	var out []string
	noController := fmt.Sprintf("no controller is running: start one with oink controller --run %s", s.Run)
	switch s.Phase {
	case Pending:
		out = append(out, fmt.Sprintf("not started: run oink cutover start --run %s (or a controller with --auto-start)", s.Run))
		if !s.ControllerActive {
			out = append(out, noController)
		}
	case Running:
		if !s.ControllerActive {
			out = append(out, noController)
		}
		if s.Gate.Passed() {
			out = append(out, "gate passed: the leading controller moves on at its next tick")
		}
		out = append(out, s.Gate.Reasons()...)
	case Paused:
		out = append(out, fmt.Sprintf("paused by %s (%s): resume, advance, rollback or abort it", s.UpdatedBy, s.Reason))
	case RolledBack:
		// The side at fault follows from what the gate counted: records
		// missing in the candidate are v2's loss, but a divergent pair says
		// only that v1 and v2 disagree; either may be wrong.
		out = append(out, fmt.Sprintf("rolled back by %s (%s): records missing in candidate are v2's loss; divergent pairs mean v1 and v2 disagree "+
			"(oink diffs paths --run %s shows where): fix the version at fault or accept the difference with a rule, then resume starts again at the first step",
			s.UpdatedBy, s.Reason, s.Run))
	case Aborted:
		out = append(out, "aborted: apply a plan to begin a new cutover")
	}
	return out
}
