package paths

import (
	"fmt"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/cursor"
	"github.com/oinkhq/oink/tui/keys"
	"github.com/oinkhq/oink/tui/style"
)

// SelectMsg asks to filter the divergences by Path.
type SelectMsg struct{ Path string }

// Model is the top-paths pane.
type Model struct {
	st      style.Styles
	keys    keys.Map
	width   int
	height  int
	focused bool
	filter  string // the path the divergences are filtered by, marked with *
	items   []diffstore.PathStat
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

// SetFilter marks the path the divergences are filtered by.
func (m *Model) SetFilter(path string) { m.filter = path }

// SetItems replaces the paths, keeping the selection on the same path when
// it is still listed.
func (m *Model) SetItems(items []diffstore.PathStat) {
	selected := m.Selected()
	m.items = items
	m.cur.SetLen(len(items))
	for i, p := range items {
		if p.Path == selected {
			m.cur.Index = i
			m.cur.Move(0)
		}
	}
}

// Selected returns the selected path, or "" when there is none.
func (m Model) Selected() string {
	if m.cur.Index < len(m.items) {
		return m.items[m.cur.Index].Path
	}
	return ""
}

// Update moves the selection, and on Enter returns a command sending a
// SelectMsg for the selected path.
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
		if p := m.Selected(); p != "" {
			return m, func() tea.Msg { return SelectMsg{Path: p} }
		}
	}
	return m, nil
}

// wide is the width from which the accepted count and the numeric delta
// range are shown.
const wide = 66

// View renders the title and the visible rows.
func (m Model) View() string {
	title := m.st.Title.Render("  top diverging paths")
	if m.focused {
		title = m.st.Focused.Render("▸ top diverging paths")
	}
	title += m.st.Dim.Render(fmt.Sprintf(" (%d)", len(m.items)))
	numW := 9 + 9
	columns := style.PadLeft("divergent", 9) + style.PadLeft("share", 9)
	if m.width >= wide {
		numW += 9 + 12
		columns += style.PadLeft("accepted", 9) + style.PadLeft("range", 12)
	}
	pathW := max(m.width-2-numW, 8)
	lines := []string{style.Pad(title, 2+pathW) + m.st.Dim.Render(columns)}
	if len(m.items) == 0 {
		lines = append(lines, m.st.Dim.Render("  no field has differed"))
	}
	from, to := m.cur.Visible()
	for i := from; i < to; i++ {
		p := m.items[i]
		mark := "  "
		if i == m.cur.Index && m.focused {
			mark = "> "
		}
		name := p.Path
		if name == m.filter {
			name = "*" + name
		}
		div := style.PadLeft(style.Count(p.Divergent), 9)
		if p.Divergent > 0 {
			div = m.st.Bad.Render(div)
		}
		row := mark + style.Pad(name, pathW) + div + style.PadLeft(style.Percent(p.Share), 9)
		if m.width >= wide {
			row += style.PadLeft(style.Count(p.Accepted), 9) + style.PadLeft(deltaRange(p), 12)
		}
		if i == m.cur.Index && m.focused {
			row = m.st.Selected.Render(style.Pad(row, m.width))
		}
		lines = append(lines, row)
	}
	return style.Lines(lines, m.width, m.height)
}

// deltaRange shows the range of candidate − control over the numeric
// divergences, e.g. "Δ -1…+1".
func deltaRange(p diffstore.PathStat) string {
	if p.MinDelta == nil || p.MaxDelta == nil {
		return ""
	}
	if *p.MinDelta == *p.MaxDelta {
		return fmt.Sprintf("Δ %+g", *p.MinDelta)
	}
	return fmt.Sprintf("Δ %+g…%+g", *p.MinDelta, *p.MaxDelta)
}

// Len is the number of paths listed.
func (m Model) Len() int { return len(m.items) }

// Height is the number of lines View returns.
func (m Model) Height() int { return m.height }
