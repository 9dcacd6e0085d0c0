package tui

import (
	"fmt"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/detail"
	"github.com/oinkhq/oink/tui/divlist"
	"github.com/oinkhq/oink/tui/header"
	"github.com/oinkhq/oink/tui/paths"
	"github.com/oinkhq/oink/tui/prompt"
	"github.com/oinkhq/oink/tui/totals"
)

// Update dispatches msg by type to a handler, then lays the panes out
// again. It never blocks: reads and commands run in the tea.Cmds it
// returns.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	m, cmd := m.update(msg)
	m.layout()
	return m, cmd
}

func (m Model) update(msg tea.Msg) (Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		return m, nil
	case tea.KeyMsg:
		return m.onKey(msg)
	case tickMsg:
		if m.fetching {
			return m, nil
		}
		m.fetching = true
		return m, m.refreshCmd()
	case dataMsg:
		return m.onData(msg), m.tickCmd()
	case errMsg:
		return m.onErr(msg)
	case divsMsg:
		if msg.filter == m.filter {
			m.divs.SetItems(msg.divs)
		}
		return m, nil
	case detailMsg:
		return m.onDetail(msg), nil
	case actionMsg:
		m.setStatus(msg.outcome.String(), false)
		return m, nil
	case prompt.SubmitMsg:
		return m.onSubmit(msg)
	case prompt.CancelMsg:
		if msg.ID != askFilter {
			m.setStatus(msg.ID+" cancelled: nothing changed", false)
		}
		return m, nil
	case paths.SelectMsg:
		return m.setFilter(msg.Path)
	case divlist.OpenMsg:
		m.opening = msg.Identity
		m.setStatus("opening "+msg.Identity+"…", false)
		return m, m.detailCmd(msg.Identity, msg.Kind)
	case detail.CloseMsg:
		m.showDetail = false
		return m, nil
	}
	// Anything else belongs to the prompt's text input.
	var cmd tea.Cmd
	m.prompt, cmd = m.prompt.Update(msg)
	return m, cmd
}

// onKey routes a key: to the prompt while it asks, else to the dashboard's
// own keys, else to the view or pane it concerns.
func (m Model) onKey(k tea.KeyMsg) (Model, tea.Cmd) {
	if k.Type == tea.KeyCtrlC {
		return m, tea.Quit
	}
	if m.prompt.Active() {
		var cmd tea.Cmd
		m.prompt, cmd = m.prompt.Update(k)
		return m, cmd
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(k, m.keys.Help):
		m.showHelp = !m.showHelp
		return m, nil
	case m.showHelp:
		if key.Matches(k, m.keys.Back) {
			m.showHelp = false
		}
		return m, nil
	case key.Matches(k, m.keys.Advance):
		return m.ask(actAdvance), nil
	case key.Matches(k, m.keys.Pause):
		if m.resumes() {
			return m.ask(actResume), nil
		}
		return m.ask(actPause), nil
	case key.Matches(k, m.keys.Rollback):
		return m.ask(actRollback), nil
	case key.Matches(k, m.keys.Abort):
		return m.ask(actAbort), nil
	case m.showDetail:
		var cmd tea.Cmd
		m.detail, cmd = m.detail.Update(k)
		return m, cmd
	case key.Matches(k, m.keys.Filter):
		m.prompt.Open(prompt.Request{ID: askFilter, Title: "filter the divergences by field path (empty: all)",
			Label: "path: ", Value: m.filter})
		return m, nil
	case key.Matches(k, m.keys.Tab):
		m.setFocus(1 - m.focus)
		return m, nil
	}
	var cmd tea.Cmd
	if m.focus == pathsPane {
		m.paths, cmd = m.paths.Update(k)
	} else {
		m.divs, cmd = m.divs.Update(k)
	}
	return m, cmd
}

// resumes reports whether p resumes the cutover (paused or rolled back)
// rather than pausing it.
func (m Model) resumes() bool {
	return m.cutover != nil && (m.cutover.Phase == diffstore.PhasePaused || m.cutover.Phase == diffstore.PhaseRolledBack)
}

// ask opens the prompt of a cutover command: a reason, then y/N.
func (m Model) ask(action string) Model {
	if m.cfg.Actions == nil {
		m.setStatus(action+": this dashboard is read-only (started without cutover commands)", true)
		return m
	}
	run := m.cfg.Run
	questions := map[string]string{
		actAdvance:  fmt.Sprintf("Advance run %s to its next stage now, skipping the gate?", run),
		actPause:    fmt.Sprintf("Pause run %s at its stage? The controller waits until resumed.", run),
		actResume:   fmt.Sprintf("Resume run %s? (paused: the same stage; rolled back: the first step)", run),
		actRollback: fmt.Sprintf("Roll back run %s: all traffic back to v1 (0%%)?", run),
		actAbort:    fmt.Sprintf("Abort the cutover of run %s: v2 back to 0%% and the plan ends?", run),
	}
	m.prompt.Open(prompt.Request{ID: action, Title: fmt.Sprintf("%s run %s: why? (recorded as %s)", action, run, m.cfg.Actor),
		Label: "reason: ", Required: true, Confirm: questions[action]})
	return m
}

// onSubmit acts on a prompt's answer.
func (m Model) onSubmit(msg prompt.SubmitMsg) (Model, tea.Cmd) {
	if msg.ID == askFilter {
		return m.setFilter(msg.Value)
	}
	m.setStatus(msg.ID+"…", false)
	return m, m.actionCmd(msg.ID, msg.Value)
}

// setFilter filters the divergences by path and reads them again.
func (m Model) setFilter(path string) (Model, tea.Cmd) {
	m.filter = path
	m.paths.SetFilter(path)
	m.divs.SetFilter(path)
	m.setFocus(divergencesPane)
	if path == "" {
		m.setStatus("filter cleared", false)
	} else {
		m.setStatus("filter: divergences with a difference at "+path, false)
	}
	return m, m.divsCmd(path)
}

// onData shows a refresh's result.
func (m Model) onData(d dataMsg) Model {
	m.fetching = false
	m.state, m.err = ready, nil
	if m.status.refresh {
		m.status = status{}
	}
	rates := totals.NoRates()
	if p := m.prev; p != nil && d.at.After(p.at) {
		dt := d.at.Sub(p.at).Seconds()
		c := d.summary.Counts
		rates = totals.Rates{ReadControl: float64(c.ReadControl-p.counts.ReadControl) / dt,
			ReadCandidate: float64(c.ReadCandidate-p.counts.ReadCandidate) / dt,
			Pairs:         float64(c.Pairs-p.counts.Pairs) / dt}
	}
	m.prev = &sample{at: d.at, counts: d.summary.Counts}
	m.summary, m.cutover = d.summary, d.cutover
	m.minutes = mergeMinutes(m.minutes, d.minutes, d.since, sparkMinutes)
	if n := len(m.minutes); n > 0 {
		m.sparkSince = m.minutes[n-1].Minute.Add(-sparkMinutes * time.Minute)
	}
	m.header.SetData(header.Data{Summary: d.summary, Health: d.health, Cutover: d.cutover, CutoverErr: d.cutoverErr, Updated: d.at})
	m.totals.SetData(totals.Data{Summary: d.summary, Rates: rates})
	m.spark.SetData(m.minutes)
	m.paths.SetItems(d.paths)
	if d.filter == m.filter {
		m.divs.SetItems(d.divs)
	}
	return m
}

// onErr shows an error: before the first good refresh it replaces the
// dashboard, after it the status bar shows it.
func (m Model) onErr(e errMsg) (Model, tea.Cmd) {
	if e.refresh {
		m.fetching = false
		if m.state != ready {
			m.state, m.err = failed, e.err
			return m, m.tickCmd()
		}
	}
	m.setStatus(e.err.Error(), true)
	m.status.refresh = e.refresh
	if e.refresh {
		return m, m.tickCmd()
	}
	return m, nil
}

// onDetail opens the detail view on the divergence asked for.
func (m Model) onDetail(msg detailMsg) Model {
	if msg.identity != m.opening || len(msg.divs) == 0 {
		return m
	}
	m.opening = ""
	shown := msg.divs[0]
	var others []diffstore.Kind
	for _, d := range msg.divs {
		if d.Kind == msg.kind {
			shown = d
		}
	}
	for _, d := range msg.divs {
		if d.Kind != shown.Kind {
			others = append(others, d.Kind)
		}
	}
	m.detail.SetData(shown, others, m.summary.ControlTopic, m.summary.CandidateTopic)
	m.showDetail, m.showHelp = true, false
	m.status = status{}
	return m
}

// setStatus shows text in the status bar, stamped with the time.
func (m *Model) setStatus(text string, isErr bool) {
	m.status = status{text: m.cfg.Now().Format("15:04:05") + " " + text, isErr: isErr}
}
