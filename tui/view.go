package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"

	"github.com/oinkhq/oink/tui/chart"
	"github.com/oinkhq/oink/tui/style"
	"github.com/oinkhq/oink/tui/totals"
)

// Layout thresholds.
const (
	// wideWidth is the width from which the paths and divergences panes
	// stand side by side.
	wideWidth = 120
	// chartHeight is the height of the divergence chart where the screen
	// is wide and at least chartMinBody lines are left for the body;
	// elsewhere it has chart.MinHeight.
	chartHeight  = 8
	chartMinBody = 30
	// storyHeight is the height of the story pane, storyTallHeight where
	// at least chartMinBody lines are left for the body.
	storyHeight     = 2
	storyTallHeight = 4
	// narrowPathRows is how many paths show when the panes are stacked.
	narrowPathRows = 3
)

// layout gives every pane its size from the screen's.
func (m *Model) layout() {
	w := m.width
	m.header.SetSize(w, 0)
	m.totals.SetSize(w, 0)
	m.prompt.SetSize(w, 0)
	body := m.bodyHeight()
	m.detail.SetSize(w, body+m.header.Height()) // the detail view goes without the header
	tall := body >= chartMinBody
	rest := body - totals.Height
	if m.nextNote != nil {
		h := storyHeight
		if tall {
			h = storyTallHeight
		}
		m.story.SetSize(w, h)
		rest -= h
	}
	chartH := chart.MinHeight
	if tall && w >= wideWidth {
		chartH = chartHeight
	}
	m.chart.SetSize(w, chartH)
	rest -= chartH
	if w >= wideWidth {
		rest-- // a blank line above the panes
		left := w * 9 / 20
		m.paths.SetSize(left, rest)
		m.divs.SetSize(w-left-3, rest)
		return
	}
	pathsH := 1 + min(max(m.paths.Len(), 1), narrowPathRows)
	pathsH = min(pathsH, max(rest/2, 0))
	m.paths.SetSize(w, pathsH)
	m.divs.SetSize(w, max(rest-pathsH, 0))
}

// bodyHeight is what is left below the header and above the prompt and the
// status bar.
func (m Model) bodyHeight() int {
	h := m.height - m.header.Height() - 1
	if m.prompt.Active() {
		h -= m.prompt.Height()
	}
	return max(h, 0)
}

// View renders the screen according to the state.
func (m Model) View() string {
	if m.width == 0 || m.height == 0 {
		return ""
	}
	var b strings.Builder
	switch {
	case m.state == loading:
		b.WriteString(style.Lines([]string{m.styles.Title.Render("oink") + " loading run " + m.cfg.Run + "…"}, m.width, m.height-1))
	case m.state == failed:
		b.WriteString(m.failedView())
	case m.showHelp:
		b.WriteString(m.helpView(m.bodyHeight() + m.header.Height()))
	case m.showDetail:
		b.WriteString(m.detail.View())
	default:
		b.WriteString(m.header.View())
		b.WriteString("\n")
		b.WriteString(m.bodyView())
	}
	if m.prompt.Active() {
		b.WriteString("\n")
		b.WriteString(m.prompt.View())
	}
	b.WriteString("\n")
	b.WriteString(m.statusBar())
	return b.String()
}

// failedView says why the first reads failed.
func (m Model) failedView() string {
	lines := []string{
		m.styles.Title.Render("oink") + " cannot show run " + m.cfg.Run,
		"",
		m.styles.Error.Render("error: ") + m.err.Error(),
		"",
		m.styles.Dim.Render(fmt.Sprintf("retrying every %v · list the runs with `oink runs list` · q quits", m.cfg.Refresh)),
	}
	h := m.height - 1
	if m.prompt.Active() {
		h -= m.prompt.Height()
	}
	return style.Lines(lines, m.width, max(h, 0))
}

// bodyView renders the panes below the header.
func (m Model) bodyView() string {
	body := m.bodyHeight()
	var parts []string
	if m.nextNote != nil {
		parts = append(parts, m.story.View())
	}
	parts = append(parts, m.totals.View(), m.chart.View())
	if m.width >= wideWidth {
		sep := strings.Repeat(" │ \n", max(m.paths.Height()-1, 0)) + " │ "
		parts = append(parts, strings.Repeat(" ", m.width),
			joinColumns(m.paths.View(), sep, m.divs.View()))
	} else {
		parts = append(parts, m.paths.View(), m.divs.View())
	}
	return style.Lines(strings.Split(strings.Join(parts, "\n"), "\n"), m.width, body)
}

// joinColumns puts blocks of lines next to each other, line by line.
func joinColumns(blocks ...string) string {
	split := make([][]string, len(blocks))
	n := 0
	for i, b := range blocks {
		split[i] = strings.Split(b, "\n")
		n = max(n, len(split[i]))
	}
	out := make([]string, n)
	for i := range out {
		for _, s := range split {
			if i < len(s) {
				out[i] += s[i]
			}
		}
	}
	return strings.Join(out, "\n")
}

// helpView explains every key.
func (m Model) helpView(height int) string {
	st := m.styles
	lines := []string{st.Title.Render("keys"), ""}
	lines = append(lines, strings.Split(m.help.FullHelpView(m.activeKeys().FullHelp()), "\n")...)
	lines = append(lines, "")
	if m.cfg.Actions == nil {
		lines = append(lines, "This dashboard is read-only: it has no cutover keys.")
	} else {
		lines = append(lines,
			"a, p, r and x ask for a reason, then for confirmation naming where the cutover",
			"goes (y; any other key cancels), and run `oink cutover advance|pause|resume|",
			"rollback|abort`, recorded in the cutover's audit log as "+m.cfg.Actor+".",
			"p resumes a paused or rolled back cutover and pauses a running one. Only the",
			"keys that can act in the cutover's phase are listed.")
	}
	lines = append(lines,
		"/ filters the recent divergences by any part of a field path (empty: all), as",
		"enter on a top path does. enter on a divergence opens both records side by",
		"side: » marks a divergent field, ~ a difference an accept rule explains.",
		"",
		st.Dim.Render(fmt.Sprintf("refreshing every %v · ? or esc closes this help", m.cfg.Refresh)),
	)
	return style.Lines(lines, m.width, height)
}

// statusBar renders the last line: the status message, or the keys that
// can act now.
func (m Model) statusBar() string {
	st := m.styles
	right := " ? help  q quit "
	switch {
	case m.ended:
		right = ""
	case m.status.text != "":
		right = " ? help " // room for the message
	case m.showHelp || m.showDetail:
		right = " q quit "
	}
	km := m.activeKeys()
	cutoverKeys := hints(km.Advance, km.Pause, km.Rollback, km.Abort)
	text := m.status.text
	switch {
	case m.ended:
		text = "the story has ended: any key closes the dashboard"
	case text != "" && m.status.isErr:
		text = st.Error.Render("error: ") + text
	case text != "" && m.status.alert:
		text = st.Bad.Render(text)
	case text != "":
	case m.showDetail:
		text = style.Join(hints(m.keys.Next, m.keys.Down, m.keys.PageDown, m.keys.Back), cutoverKeys)
	case m.showHelp:
		text = hints(m.keys.Help, m.keys.Back)
	default:
		text = hints(km.Advance, km.Pause, km.Rollback, km.Abort, m.keys.Filter, m.keys.Tab)
		if m.width >= wideWidth {
			text += "  " + hints(m.keys.Open, m.keys.Next)
		}
	}
	w := m.width - style.Width(right)
	return st.Status.Render(style.Pad(" "+text, w) + right)
}

// hints shows the enabled bindings as "a advance  p pause …".
func hints(bs ...key.Binding) string {
	var parts []string
	for _, b := range bs {
		if b.Enabled() {
			parts = append(parts, b.Help().Key+" "+b.Help().Desc)
		}
	}
	return strings.Join(parts, "  ")
}
