package totals

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/style"
)

// Rates are per-second rates between two refreshes; a negative rate is
// unknown (there was no earlier refresh).
type Rates struct {
	ReadControl, ReadCandidate, Pairs float64
}

// NoRates are the rates before a second refresh: all unknown.
func NoRates() Rates { return Rates{-1, -1, -1} }

// Data is what the pane shows.
type Data struct {
	Summary diffstore.Summary
	Rates   Rates
}

// Model is the totals pane.
type Model struct {
	st    style.Styles
	width int
	data  Data
}

// New returns an empty pane.
func New(st style.Styles) Model { return Model{st: st, data: Data{Rates: NoRates()}} }

// Init does nothing.
func (m Model) Init() tea.Cmd { return nil }

// Update changes nothing: the pane reads no keys.
func (m Model) Update(tea.Msg) (Model, tea.Cmd) { return m, nil }

// SetSize sets the width; the height is always Height.
func (m *Model) SetSize(width, _ int) { m.width = width }

// SetData replaces what the pane shows.
func (m *Model) SetData(d Data) { m.data = d }

// Height is the number of lines View returns.
const Height = 5

// wide is the width from which the rates of each side and the identity's
// terms are shown.
const wide = 120

// Holds reports whether the accounting identity holds for s (see
// diffstore.Summary.AccountingHolds): on each side, read = paired + missing
// on the other side + pending + duplicates + undecodable, and pairs =
// identical + equivalent + accepted + divergent.
func Holds(s diffstore.Summary) bool { return s.AccountingHolds() }

// share renders n as a percent of the pairs.
func share(n int64, c diffstore.Counts) string {
	if c.Pairs == 0 {
		return style.Percent(0)
	}
	return style.Percent(float64(n) / float64(c.Pairs))
}

// pairsLine is the first line on the right: the pairs, their rate and the
// divergent ones, in the bad style when there are any.
func (m Model) pairsLine(c diffstore.Counts, rate float64) string {
	div := "divergent " + style.Count(c.Divergent)
	if c.Divergent > 0 {
		div = m.st.Bad.Render(div + " (" + share(c.Divergent, c) + ")")
	}
	return style.Join("pairs "+style.Count(c.Pairs), style.Rate(rate), div)
}

// levelsLine is the share of the pairs each of the two equal levels holds,
// and the equal pairs of no known level when there are any.
func levelsLine(c diffstore.Counts) string {
	out := "identical " + share(c.Identical, c) + " · equivalent " + share(c.Equivalent, c)
	if n := c.Unleveled(); n > 0 {
		out += " · no level " + style.Count(n)
	}
	return out
}

// acceptedLine is the share of accepted pairs, by rule.
func (m Model) acceptedLine(s diffstore.Summary) string {
	var rules []string
	for _, rule := range slices.Sorted(maps.Keys(s.AcceptedByRule)) {
		rules = append(rules, fmt.Sprintf("%s %s", rule, style.Count(s.AcceptedByRule[rule])))
	}
	if len(rules) == 0 {
		return "accepted " + share(s.Accepted, s.Counts) + m.st.Dim.Render(" (by no rule)")
	}
	return "accepted " + share(s.Accepted, s.Counts) + " by " + strings.Join(rules, " · ")
}

// View renders the pane: a grid of the per-side counts on the left, the
// pairs and the identity on the right.
func (m Model) View() string {
	s, st := m.data.Summary, m.st
	c := s.Counts
	r := m.data.Rates
	wideView := m.width >= wide
	cell := func(n int64, rate float64) string {
		v := style.Count(n)
		if wideView && rate >= 0 {
			v += " " + st.Dim.Render(style.Rate(rate))
		}
		return v
	}
	colW := 10
	if wideView {
		colW = 20
	}
	row := func(label, ctl, cand string) string {
		return st.Label.Render(fmt.Sprintf("%-12s", label)) + style.PadLeft(ctl, colW) + " " + style.PadLeft(cand, colW)
	}
	left := []string{
		st.Title.Render(fmt.Sprintf("%-12s", "totals")) + style.PadLeft("control", colW) + " " + style.PadLeft("candidate", colW),
		row("read", cell(c.ReadControl, r.ReadControl), cell(c.ReadCandidate, r.ReadCandidate)),
		// Missing in control (v1 lacks what v2 wrote: v1's drops) does not
		// count against the gate; missing in candidate does, so only it is
		// drawn as bad.
		row("missing in", style.Count(c.MissingInControl), m.bad(c.MissingInCandidate)),
		row("duplicates", style.Count(c.DuplicatesControl), style.Count(c.DuplicatesCandidate)),
		row("undecodable", style.Count(c.UndecodableControl), style.Count(c.UndecodableCandidate)),
	}
	identity := st.Good.Render("accounting ✓ holds")
	if !Holds(s) {
		identity = st.Bad.Render("accounting ✗ DOES NOT HOLD")
	}
	if wideView {
		identity += st.Dim.Render(" (each side: read = paired + missing on the other + pending + duplicates + undecodable)")
	}
	right := []string{
		m.pairsLine(c, r.Pairs),
		levelsLine(c),
		m.acceptedLine(s),
		fmt.Sprintf("pending control %s · candidate %s", style.Count(s.PendingControl), style.Count(s.PendingCandidate)),
		identity,
	}
	leftW := 12 + 2*colW + 1
	rightW := m.width - leftW - 3
	lines := make([]string, Height)
	for i := range lines {
		lines[i] = left[i]
		if rightW > 10 {
			lines[i] += "   " + style.Cut(right[i], rightW)
		}
	}
	return style.Lines(lines, m.width, Height)
}

// bad renders a count that should be zero, in the bad style when it is not.
func (m Model) bad(n int64) string {
	if n > 0 {
		return m.st.Bad.Render(style.Count(n))
	}
	return style.Count(n)
}
