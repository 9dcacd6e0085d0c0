package header

import (
	"fmt"
	"strings"
	"time"

	"github.com/oinkhq/oink/diffstore"
)

// Cutover is where a run's cutover stands, as the dashboard shows it.
type Cutover struct {
	// Stage indexes the plan's steps (-1 before the first); Stages is the
	// number of steps.
	Stage, Stages int
	// Steps are the plan's percents, one per step.
	Steps []float64
	// Percent of key buckets v2 owns at this stage.
	Percent float64
	// Phase is one of diffstore's Phase… values ("running", "paused", …).
	Phase string
	// OnDivergence is the plan's policy ("rollback" or "pause").
	OnDivergence string
	// ControllerActive reports whether a controller leads the run.
	ControllerActive bool
	// UpdatedBy, UpdatedAt and Reason describe the last change.
	UpdatedBy, Reason string
	UpdatedAt         time.Time
	// Gate is the stage's gate evaluated now; nil unless running or paused.
	Gate *Gate
	// Waiting says, in sentences, what the cutover waits for.
	Waiting []string
	// Live is what the switch forwarded to the live topic; nil when no
	// switch has reported yet.
	Live *Live
	// Changes are the latest changes of the cutover, from its audit log,
	// newest first.
	Changes []Change
	// Transitions are the route's transitions, oldest first: when, in
	// source event time, v2's share changed.
	Transitions []Transition
}

// Position is where a cutover stands: its stage (-1 before the first step),
// its phase and the percent of key buckets that stage gives v2.
type Position struct {
	Stage   int
	Phase   string
	Percent float64
}

// String shows p as "stage 2 (5%) running", or "stage – (0%) rolled_back"
// before the first step.
func (p Position) String() string {
	if p.Stage < 0 {
		return fmt.Sprintf("stage – (%v%%) %s", p.Percent, p.Phase)
	}
	return fmt.Sprintf("stage %d (%v%%) %s", p.Stage+1, p.Percent, p.Phase)
}

// Where says where a position stands among stages steps: "stage 3/4
// (50%)", or "0%" before the first step.
func Where(stage, stages int, percent float64) string {
	if stage < 0 {
		return fmt.Sprintf("%v%%", percent)
	}
	return fmt.Sprintf("stage %d/%d (%v%%)", stage+1, stages, percent)
}

// Change is one change of a cutover, as its audit log records it.
type Change struct {
	// ID grows with each change of the run.
	ID int64
	At time.Time
	// Action is "apply", "start", "advance", "promote", "pause", "resume",
	// "rollback" or "abort".
	Action        string
	Actor, Reason string
	From, To      Position
	// Automatic says the controller decided it on its gate, whose counts
	// follow: the divergent pairs and the records missing in the candidate
	// in the stage's window.
	Automatic                     bool
	Divergent, MissingInCandidate int64
}

// Transition is a change of v2's share at a source event time.
type Transition struct {
	At      time.Time
	Percent float64
}

// Rollback is the name of a rollback's action.
const Rollback = "rollback"

// LastRollback returns the newest rollback of c.Changes, false when there
// is none.
func (c Cutover) LastRollback() (Change, bool) {
	for _, ch := range c.Changes {
		if ch.Action == Rollback {
			return ch, true
		}
	}
	return Change{}, false
}

// ShowsRollback reports whether the header shows the last rollback: from
// the rollback until the cutover is promoted or aborted, the one line an
// operator needs most stays on screen.
func (c Cutover) ShowsRollback() bool {
	_, ok := c.LastRollback()
	return ok && c.Phase != diffstore.PhasePromoted && c.Phase != diffstore.PhaseAborted
}

// Announce says in one line what ch did, when and why: an automatic
// rollback with what the gate counted, any other change with who made it.
func Announce(ch Change, stages int) string {
	at := ch.At.Format("15:04:05")
	if ch.Action == Rollback && ch.Automatic {
		var why []string
		if ch.Divergent > 0 {
			why = append(why, fmt.Sprintf("%d divergent", ch.Divergent))
		}
		if ch.MissingInCandidate > 0 {
			why = append(why, fmt.Sprintf("%d missing in candidate", ch.MissingInCandidate))
		}
		return fmt.Sprintf("%s automatic rollback %v%% → 0%%: %s (whole reason above)", at, ch.From.Percent, strings.Join(why, " and "))
	}
	from, to := Where(ch.From.Stage, stages, ch.From.Percent), Where(ch.To.Stage, stages, ch.To.Percent)
	if ch.Automatic {
		return fmt.Sprintf("%s %s %s → %s: %s", at, ch.Action, from, to, ch.Reason)
	}
	return fmt.Sprintf("%s %s by %s %s → %s: %s", at, ch.Action, ch.Actor, from, to, ch.Reason)
}

// rollbackText is what the rollback block says: who, when, from where,
// and the whole reason.
func rollbackText(ch Change, stages int) string {
	who := "by " + ch.Actor
	if ch.Automatic {
		who = "automatic (" + ch.Actor + ")"
	}
	return fmt.Sprintf("%s at %s, %s → 0%%: %s", who, ch.At.Local().Format("15:04:05"),
		Where(ch.From.Stage, stages, ch.From.Percent), ch.Reason)
}

// advice says what to do after rollback ch: which side is at fault as far
// as the comparison can tell. A record missing in the candidate is v2's
// loss; a divergent pair says only that v1 and v2 disagree, so the advice
// names both and where they disagree most (topPath), never presuming v2.
// resume is how to resume: a key, or the command on a read-only
// dashboard.
func advice(ch Change, topPath, resume string) string {
	then := "then " + resume + " starts again at the first step"
	where := ""
	if topPath != "" {
		where = " (most at " + topPath + ")"
	}
	switch {
	case !ch.Automatic:
		return "rolled back by hand: once the cause is dealt with, " + then
	case ch.Divergent > 0 && ch.MissingInCandidate > 0:
		return fmt.Sprintf("v2 lost records v1 wrote, and v1 and v2 disagree%s: fix v2's losses and whichever version is wrong (or accept the difference with a rule); %s", where, then)
	case ch.MissingInCandidate > 0:
		return "v2 lost records v1 wrote (missing in candidate): v2 is at fault; fix it, " + then
	}
	return fmt.Sprintf("v1 and v2 disagree%s: fix whichever is wrong, or accept the difference with a rule; %s", where, then)
}
