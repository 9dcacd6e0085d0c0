package tui

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/header"
	"github.com/oinkhq/oink/tui/keys"
	"github.com/oinkhq/oink/tui/prompt"
)

// keyAction returns the cutover command a key asks for ("" for any other
// key): p resumes a paused or rolled back cutover and pauses any other.
func (m Model) keyAction(k tea.KeyMsg) string {
	switch {
	case key.Matches(k, m.keys.Advance):
		return actAdvance
	case key.Matches(k, m.keys.Pause):
		if m.resumes() {
			return actResume
		}
		return actPause
	case key.Matches(k, m.keys.Rollback):
		return actRollback
	case key.Matches(k, m.keys.Abort):
		return actAbort
	}
	return ""
}

// resumes reports whether p resumes the cutover (paused or rolled back)
// rather than pausing it.
func (m Model) resumes() bool {
	return m.cutover != nil && (m.cutover.Phase == diffstore.PhasePaused || m.cutover.Phase == diffstore.PhaseRolledBack)
}

// can reports whether the cutover command action can act in the current
// phase, as the controller allows it: never on a read-only dashboard or a
// run without a plan.
func (m Model) can(action string) bool {
	c := m.cutover
	if m.cfg.Actions == nil || c == nil {
		return false
	}
	running, paused := c.Phase == diffstore.PhaseRunning, c.Phase == diffstore.PhasePaused
	switch action {
	case actAdvance, actRollback:
		return running || paused
	case actPause:
		return running
	case actResume:
		return paused || c.Phase == diffstore.PhaseRolledBack
	case actAbort:
		return c.Phase != diffstore.PhaseAborted
	}
	return false
}

// activeKeys is the key map with the cutover keys that cannot act now
// disabled (hidden from the hints and the help), and p's help saying what
// it does now.
func (m Model) activeKeys() keys.Map {
	km := m.keys
	km.Advance.SetEnabled(m.can(actAdvance))
	km.Rollback.SetEnabled(m.can(actRollback))
	km.Abort.SetEnabled(m.can(actAbort))
	if m.resumes() {
		km.Pause.SetHelp("p", "resume")
		km.Pause.SetEnabled(m.can(actResume))
	} else {
		km.Pause.SetHelp("p", "pause")
		km.Pause.SetEnabled(m.can(actPause))
	}
	return km
}

// position is where the cutover stands now.
func (m Model) position() Position {
	if m.cutover == nil {
		return Position{Stage: -1}
	}
	return Position{Stage: m.cutover.Stage, Phase: m.cutover.Phase, Percent: m.cutover.Percent}
}

// ask opens the prompt of a cutover command, a reason then y/N, naming its
// target; or says why the command cannot act now.
func (m Model) ask(action string) Model {
	switch {
	case m.cfg.Actions == nil:
		m.setStatus(action+": this dashboard is read-only (started without cutover commands)", true)
		return m
	case m.cutover == nil:
		m.setStatus(action+": the run has no cutover plan (oink cutover apply -f plan.yaml)", true)
		return m
	case !m.can(action):
		m.setStatus(fmt.Sprintf("%s: not possible while the cutover is %s", action, m.cutover.Phase), true)
		return m
	}
	target, question := m.target(action)
	m.asked = m.position()
	m.prompt.Open(prompt.Request{ID: action, Title: fmt.Sprintf("%s run %s %s: why? (recorded as %s)", action, m.cfg.Run, target, m.cfg.Actor),
		Label: "reason: ", Required: true, Confirm: question})
	return m
}

// target says where action takes the cutover from where it stands, short
// (for the prompt's title) and as the confirmation's question.
func (m Model) target(action string) (short, question string) {
	c, run := m.cutover, m.cfg.Run
	here := header.Where(c.Stage, c.Stages, c.Percent)
	at := func(stage int) string {
		if stage < 0 || stage >= len(c.Steps) {
			return "?"
		}
		return header.Where(stage, c.Stages, c.Steps[stage])
	}
	switch action {
	case actAdvance:
		if c.Stage >= c.Stages-1 {
			return "at " + here, fmt.Sprintf("Promote run %s at %s now, skipping the gate?", run, here)
		}
		next := at(c.Stage + 1)
		return "from " + here + " to " + next, fmt.Sprintf("Advance run %s from %s to %s now, skipping the gate?", run, here, next)
	case actPause:
		return "at " + here, fmt.Sprintf("Pause run %s at %s? The controller waits until resumed.", run, here)
	case actResume:
		if c.Phase == diffstore.PhaseRolledBack {
			first := at(0)
			return "from " + here + " to " + first, fmt.Sprintf("Resume run %s from %s to %s (a rolled back cutover starts again at the first step)?", run, here, first)
		}
		return "at " + here, fmt.Sprintf("Resume run %s at %s?", run, here)
	case actRollback:
		return "from " + here + " to 0%", fmt.Sprintf("Roll back run %s from %s to 0%%: all traffic back to v1?", run, here)
	}
	return "from " + here + " to 0%", fmt.Sprintf("Abort the cutover of run %s: from %s to 0%%, and the plan ends?", run, here)
}
