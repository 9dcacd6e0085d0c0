package paths

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/keys"
	"github.com/oinkhq/oink/tui/list"
	"github.com/oinkhq/oink/tui/style"
)

// SelectMsg asks to filter the divergences by Path.
type SelectMsg struct{ Path string }

// Model is the top-paths pane.
type Model struct {
	list.Model[diffstore.PathStat]
	st     style.Styles
	filter string // the filter of the divergences: the paths it matches are marked with *
}

// New returns an empty pane.
func New(st style.Styles, km keys.Map) Model {
	return Model{st: st, Model: list.New(st, km, list.Spec[diffstore.PathStat]{
		Title: "top diverging paths",
		Same:  func(a, b diffstore.PathStat) bool { return a.Path == b.Path },
		Open:  func(p diffstore.PathStat) tea.Msg { return SelectMsg{Path: p.Path} },
	})}
}

// Update moves the selection; Enter sends a SelectMsg.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	m.Model, cmd = m.Model.Update(msg)
	return m, cmd
}

// SetFilter marks the paths the divergences' filter matches.
func (m *Model) SetFilter(text string) { m.filter = text }

// wide is the width from which the accepted count and the numeric delta
// range are shown.
const wide = 66

// View renders the title and the visible rows.
func (m Model) View() string {
	numW := 9 + 9
	columns := style.PadLeft("divergent", 9) + style.PadLeft("share", 9)
	if m.Width() >= wide {
		numW += 9 + 12
		columns += style.PadLeft("accepted", 9) + style.PadLeft("range", 12)
	}
	pathW := max(m.Width()-list.Mark-numW, 8)
	f := list.Frame{Note: fmt.Sprintf("(%d)", m.Len()), Columns: columns, ColumnsAt: list.Mark + pathW, Empty: "no field has differed"}
	return m.Model.View(f, func(p diffstore.PathStat) string {
		name := p.Path
		if m.filter != "" && strings.Contains(name, m.filter) {
			name = "*" + name
		}
		div := style.PadLeft(style.Count(p.Divergent), 9)
		if p.Divergent > 0 {
			div = m.st.Bad.Render(div)
		}
		row := style.Pad(name, pathW) + div + style.PadLeft(style.Percent(p.Share), 9)
		if m.Width() >= wide {
			row += style.PadLeft(style.Count(p.Accepted), 9) + style.PadLeft(deltaRange(p), 12)
		}
		return row
	})
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
