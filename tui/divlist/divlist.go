package divlist

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/cursor"
	"github.com/oinkhq/oink/tui/keys"
	"github.com/oinkhq/oink/tui/style"
)

// OpenMsg asks to open the divergence of Identity of Kind.
type OpenMsg struct {
	Identity string
	Kind     diffstore.Kind
}

// Model is the recent-divergences pane.
type Model struct {
	st      style.Styles
	keys    keys.Map
	width   int
	height  int
	focused bool
	filter  string
	items   []diffstore.Divergence
	cur     cursor.Cursor
}

// New returns an empty pane.
func New(st style.Styles, km keys.Map) Model { return Model{st: st, keys: km} }

// Init does nothing.
func (m Model) Init() tea.Cmd { return nil }

// SetSize sets the pane's size, its title line included.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.cur.SetHeight(height - 1)
}

// SetFocused says whether keys go to this pane.
func (m *Model) SetFocused(f bool) { m.focused = f }

// SetFilter sets the path filter the title shows.
func (m *Model) SetFilter(path string) { m.filter = path }

// SetItems replaces the divergences. A selection on the first row stays
// there, following the newest divergence as tail -f would; any other stays
// on the same divergence while it is listed.
func (m *Model) SetItems(items []diffstore.Divergence) {
	id, kind, ok := m.Selected()
	m.items = items
	m.cur.SetLen(len(items))
	if !ok || m.cur.Index == 0 {
		return
	}
	for i, d := range items {
		if d.Identity == id && d.Kind == kind {
			m.cur.Index = i
			m.cur.Move(0)
		}
	}
}

// Len is the number of divergences listed.
func (m Model) Len() int { return len(m.items) }

// Selected returns the selected divergence's identity and kind.
func (m Model) Selected() (string, diffstore.Kind, bool) {
	if m.cur.Index < len(m.items) {
		d := m.items[m.cur.Index]
		return d.Identity, d.Kind, true
	}
	return "", "", false
}

// Update moves the selection, and on Enter returns a command sending an
// OpenMsg for the selected divergence.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Up):
		m.cur.Move(-1)
	case key.Matches(k, m.keys.Down):
		m.cur.Move(1)
	case key.Matches(k, m.keys.PageUp):
		m.cur.Move(-m.cur.Page())
	case key.Matches(k, m.keys.PageDown):
		m.cur.Move(m.cur.Page())
	case key.Matches(k, m.keys.Top):
		m.cur.Top()
	case key.Matches(k, m.keys.Bottom):
		m.cur.Bottom()
	case key.Matches(k, m.keys.Open):
		if id, kind, ok := m.Selected(); ok {
			return m, func() tea.Msg { return OpenMsg{Identity: id, Kind: kind} }
		}
	}
	return m, nil
}

// KindText names a kind in a few characters.
func KindText(k diffstore.Kind) string {
	switch k {
	case diffstore.KindDivergent:
		return "divergent"
	case diffstore.KindMissingInControl:
		return "no control"
	case diffstore.KindMissingInCandidate:
		return "no candidate"
	case diffstore.KindDuplicateControl:
		return "dup control"
	case diffstore.KindDuplicateCandidate:
		return "dup candidate"
	}
	return string(k)
}

// wide is the width from which the partition and when the comparator first
// saw the divergence are shown.
const wide = 100

// View renders the title and the visible rows.
func (m Model) View() string {
	title := m.st.Title.Render("  recent divergences")
	if m.focused {
		title = m.st.Focused.Render("▸ recent divergences")
	}
	title += m.st.Dim.Render(fmt.Sprintf(" (%d)", len(m.items)))
	if m.filter != "" {
		title += " · filter " + m.st.Warn.Render(m.filter)
	}
	lines := []string{title}
	if len(m.items) == 0 {
		none := "  none"
		if m.filter != "" {
			none = "  none with a difference at " + m.filter + " (/ to change the filter)"
		}
		lines = append(lines, m.st.Dim.Render(none))
	}
	idW := 0
	for _, d := range m.items {
		idW = max(idW, style.Width(d.Identity))
	}
	idW = min(idW, max(m.width*2/5, 12))
	from, to := m.cur.Visible()
	for i := from; i < to; i++ {
		d := m.items[i]
		sel := i == m.cur.Index && m.focused
		mark := "  "
		if sel {
			mark = "> "
		}
		row := mark + d.EventTime.UTC().Format("15:04:05") + " " + style.Pad(d.Identity, idW) + " " + style.Pad(KindText(d.Kind), 13)
		if m.width >= wide {
			row += fmt.Sprintf(" p%-3d", d.Partition)
		}
		row += " " + paths(d.Diff)
		row = style.Pad(row, m.width)
		if sel {
			row = m.st.Selected.Render(row)
		}
		lines = append(lines, row)
	}
	return style.Lines(lines, m.width, m.height)
}

// paths lists the differing paths, divergent ones first, accepted ones
// marked with ~.
func paths(diff []diffstore.FieldDiff) string {
	var div, acc []string
	for _, f := range diff {
		if f.Rule != "" {
			acc = append(acc, "~"+f.Path)
		} else {
			div = append(div, f.Path)
		}
	}
	return strings.Join(append(div, acc...), ", ")
}
