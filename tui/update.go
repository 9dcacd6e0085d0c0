package tui

import (
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
		if m.fetching || m.ended {
			return m, nil
		}
		m.fetching = true
		return m, m.refreshCmd()
	case dataMsg:
		return m.onData(msg), m.tickCmd()
	case errMsg:
		return m.onErr(msg)
	case divsMsg:
		return m.onDivs(msg), nil
	case detailMsg:
		return m.onDetail(msg), nil
	case actionMsg:
		return m.onAction(msg), nil
	case noteMsg:
		m.story.Add(msg.note)
		return m, m.nextNote
	case storyEndMsg:
		m.ended = true
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
// own keys, else to the view or pane it concerns. Once the story has ended
// any key closes the dashboard.
func (m Model) onKey(k tea.KeyMsg) (Model, tea.Cmd) {
	if k.Type == tea.KeyCtrlC {
		return m, tea.Interrupt
	}
	if m.prompt.Active() {
		var cmd tea.Cmd
		m.prompt, cmd = m.prompt.Update(k)
		return m, cmd
	}
	switch {
	case m.ended || key.Matches(k, m.keys.Quit):
		return m, tea.Quit
	case key.Matches(k, m.keys.Help):
		m.showHelp = !m.showHelp
		return m, nil
	case m.showHelp:
		if key.Matches(k, m.keys.Back) {
			m.showHelp = false
		}
		return m, nil
	}
	if action := m.keyAction(k); action != "" {
		return m.ask(action), nil
	}
	switch {
	case m.showDetail:
		var cmd tea.Cmd
		m.detail, cmd = m.detail.Update(k)
		return m, cmd
	case key.Matches(k, m.keys.Filter):
		m.prompt.Open(prompt.Request{ID: askFilter, Title: "filter the divergences by any part of a field path (empty: all)",
			Label: "path: "})
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

// onSubmit acts on a prompt's answer: a filter, or a cutover command run
// only from where the cutover stood when its prompt named the target.
func (m Model) onSubmit(msg prompt.SubmitMsg) (Model, tea.Cmd) {
	if msg.ID == askFilter {
		return m.setFilter(msg.Value)
	}
	if now := m.position(); now != m.asked {
		m.setStatus(msg.ID+": nothing done: the cutover moved from "+m.asked.String()+" to "+now.String()+
			" while you answered; ask again", true)
		return m, nil
	}
	m.submitted = m.seenChange
	m.setStatus(msg.ID+"…", false)
	return m, m.actionCmd(msg.ID, msg.Value)
}

// onAction shows a command's outcome, and an automatic rollback that came
// after it was asked for, so that the outcome never stands alone against
// what happened since.
func (m Model) onAction(msg actionMsg) Model {
	text := msg.outcome.String()
	if c := m.cutover; c != nil {
		for _, ch := range c.Changes {
			if ch.ID > m.submitted && ch.Automatic && ch.Action == header.Rollback {
				text += " · then " + header.Announce(ch, c.Stages)
				break
			}
		}
	}
	m.setStatus(text, false)
	return m
}

// setFilter filters the divergences by a part of a path and reads them
// again.
func (m Model) setFilter(text string) (Model, tea.Cmd) {
	m.filter = text
	m.paths.SetFilter(text)
	m.divs.SetFilter(text)
	m.setFocus(divergencesPane)
	if text == "" {
		m.setStatus("filter cleared", false)
	} else {
		m.setStatus("filter: divergences with a difference at a path containing "+text, false)
	}
	return m, m.divsCmd(text)
}

// onDivs shows divergences read for the current filter.
func (m Model) onDivs(d divsMsg) Model {
	if d.filter == m.filter {
		m.divs.SetItems(d.divs, d.more)
		m.divs.SetAccepted(d.accepted)
	}
	return m
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
	topPath := ""
	if len(d.paths) > 0 && d.paths[0].Divergent > 0 {
		topPath = d.paths[0].Path
	}
	m.header.SetData(header.Data{Summary: d.summary, Health: d.health, Cutover: d.cutover, CutoverErr: d.cutoverErr,
		Updated: d.at, TopPath: topPath, ReadOnly: m.cfg.Actions == nil})
	m.totals.SetData(totals.Data{Summary: d.summary, Rates: rates})
	m.chart.SetData(d.series)
	m.paths.SetItems(d.paths)
	m = m.onDivs(d.divs)
	m.announce()
	return m
}

// announce shows in the status bar the cutover's changes since the last
// refresh: an automatic rollback among them first (what, when, why), so
// that no earlier message stands against it. On the first refresh, only a
// cutover that is rolled back is announced.
func (m *Model) announce() {
	c := m.cutover
	if c == nil || len(c.Changes) == 0 {
		return
	}
	newest := c.Changes[0]
	if !m.changesSeen {
		m.changesSeen, m.seenChange = true, newest.ID
		if rb, ok := c.LastRollback(); ok && c.Phase == diffstore.PhaseRolledBack {
			m.status = status{text: header.Announce(rb, c.Stages), alert: true}
		}
		return
	}
	if newest.ID <= m.seenChange {
		return
	}
	pick := newest
	for _, ch := range c.Changes {
		if ch.ID <= m.seenChange {
			break
		}
		if ch.Action == header.Rollback {
			pick = ch
			break
		}
	}
	text := header.Announce(pick, c.Stages)
	if pick.ID != newest.ID {
		text += " · since then: " + newest.Action + " to " + header.Where(newest.To.Stage, c.Stages, newest.To.Percent)
	}
	m.seenChange = newest.ID
	m.status = status{text: text, alert: pick.Action == header.Rollback}
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

// sample is what rates are computed from.
type sample struct {
	at     time.Time
	counts diffstore.Counts
}
