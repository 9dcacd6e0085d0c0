package divlist

import (
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/keys"
	"github.com/oinkhq/oink/tui/list"
	"github.com/oinkhq/oink/tui/style"
)

// OpenMsg asks to open the divergence of Identity of Kind.
type OpenMsg struct {
	Identity string
	Kind     diffstore.Kind
}

// Model is the recent-divergences pane.
type Model struct {
	list.Model[diffstore.Divergence]
	st     style.Styles
	filter string
	// limit is how many divergences a read returns at most: a list of that
	// many says there are more.
	limit int
	// more says the read found more divergences than limit.
	more bool
	// accepted says, for a filter with no divergence, how many pairs
	// differ at the paths it matches in ways rules accept.
	accepted []diffstore.PathStat
}

// New returns an empty pane whose reads return at most limit divergences.
func New(st style.Styles, km keys.Map, limit int) Model {
	return Model{st: st, limit: limit, Model: list.New(st, km, list.Spec[diffstore.Divergence]{
		Title:  "recent divergences",
		Same:   func(a, b diffstore.Divergence) bool { return a.Identity == b.Identity && a.Kind == b.Kind },
		Follow: true,
		Open: func(d diffstore.Divergence) tea.Msg {
			return OpenMsg{Identity: d.Identity, Kind: d.Kind}
		},
	})}
}

// Update moves the selection; Enter sends an OpenMsg.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	var cmd tea.Cmd
	m.Model, cmd = m.Model.Update(msg)
	return m, cmd
}

// SetFilter sets the path filter the title shows.
func (m *Model) SetFilter(text string) { m.filter = text }

// SetItems replaces the divergences: at most the pane's limit of them, and
// more says that the read found more (see New).
func (m *Model) SetItems(items []diffstore.Divergence, more bool) {
	m.more = more
	m.Model.SetItems(items)
}

// SetAccepted gives, for a filter that matches no divergence, the paths it
// matches where rules accepted differences.
func (m *Model) SetAccepted(paths []diffstore.PathStat) { m.accepted = paths }

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

// wide is the width from which the partition is shown.
const wide = 100

// View renders the title and the visible rows.
func (m Model) View() string {
	items := m.Items()
	note := fmt.Sprintf("(%d)", len(items))
	if m.more {
		note = fmt.Sprintf("(newest %d shown: a display limit; more exist)", len(items))
	}
	if m.filter != "" {
		note += " · paths containing " + m.filter
	}
	idW := 0
	for _, d := range items {
		idW = max(idW, style.Width(d.Identity))
	}
	idW = min(idW, max(m.Width()*2/5, 12))
	return m.Model.View(list.Frame{Note: note, Empty: m.empty()}, func(d diffstore.Divergence) string {
		row := d.EventTime.UTC().Format("15:04:05") + " " + style.Pad(d.Identity, idW) + " " + style.Pad(KindText(d.Kind), 13)
		if m.Width() >= wide {
			row += fmt.Sprintf(" p%-3d", d.Partition)
		}
		return row + " " + paths(d.Diff)
	})
}

// empty says why the list is empty: no divergence at all, or none at a
// path the filter matches, with the accepted differences there.
func (m Model) empty() string {
	if m.filter == "" {
		return "none"
	}
	text := "no divergence at a path containing " + m.filter
	var acc []string
	for _, p := range m.accepted {
		if p.Accepted > 0 {
			acc = append(acc, fmt.Sprintf("%s %s", p.Path, style.Count(p.Accepted)))
		}
	}
	if len(acc) > 0 {
		text += "; accepted differences (pairs a rule accepts) at " + strings.Join(acc, ", ")
	}
	return text + " (/ changes the filter)"
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
