package header

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/style"
)

// Live is the switch's provenance: what went to the live topic from which
// version (index 0: v1, 1: v2), and what it dropped.
type Live struct {
	Forwarded, Duplicates, Collisions [2]int64
	Parked                            int
}

// Gate is the progress of a stage's gate.
type Gate struct {
	Verdict            string // "passed", "waiting" or "failed"
	Pairs, MinPairs    int64
	HoldLeft           time.Duration
	Divergent          int64
	MissingInCandidate int64
}

// Data is what the header shows.
type Data struct {
	Summary diffstore.Summary
	// Health is the comparator's health as a gate judges it.
	Health diffstore.ComparatorHealth
	// Cutover is nil when the run has no plan, or when CutoverErr is set.
	Cutover    *Cutover
	CutoverErr error
	// Updated is when the data was read.
	Updated time.Time
	// TopPath is the path that diverged most often, "" when none did: the
	// advice after a rollback names it.
	TopPath string
	// ReadOnly says the dashboard has no cutover keys: the advice names
	// the command instead.
	ReadOnly bool
}

// Model is the header pane.
type Model struct {
	st    style.Styles
	width int
	data  Data
}

// New returns an empty header.
func New(st style.Styles) Model { return Model{st: st} }

// Init does nothing: the header waits for data.
func (m Model) Init() tea.Cmd { return nil }

// Update changes nothing: the header reads no keys.
func (m Model) Update(tea.Msg) (Model, tea.Cmd) { return m, nil }

// SetSize sets the width; the header's height is its own (Height).
func (m *Model) SetSize(width, _ int) { m.width = width }

// SetData replaces what the header shows.
func (m *Model) SetData(d Data) { m.data = d }

// wide is the width from which the header shows what the cutover waits for.
const wide = 120

// Height is the number of lines View returns.
func (m Model) Height() int { return len(m.lines()) }

// View renders the header, exactly Height lines of the pane's width.
func (m Model) View() string {
	return style.Lines(m.lines(), m.width, m.Height())
}

func (m Model) lines() []string {
	d := m.data
	st := m.st
	run := fmt.Sprintf("%s run %s %s", st.Title.Render("oink"), st.Title.Render(d.Summary.Name),
		st.Dim.Render(fmt.Sprintf("(%s ⇄ %s)", d.Summary.ControlTopic, d.Summary.CandidateTopic)))
	if d.Summary.FinishedAt != nil {
		run += " " + st.Dim.Render("finished")
	}
	updated := st.Dim.Render("updated " + d.Updated.Format("15:04:05"))
	first := run
	if gap := m.width - style.Width(run) - style.Width(updated); gap > 0 {
		first = run + strings.Repeat(" ", gap) + updated
	}
	lines := []string{first, m.cutoverLine()}
	c := d.Cutover
	if c != nil && c.Gate != nil {
		lines = append(lines, m.gateLine())
	}
	lines = append(lines, m.comparatorLine())
	if c != nil && c.Live != nil {
		lines = append(lines, m.liveLine(*c.Live))
	}
	if c != nil && c.ShowsRollback() {
		return append(lines, m.rollbackLines(*c)...)
	}
	if m.width >= wide && c != nil {
		for i, w := range c.Waiting {
			if i == 2 {
				break
			}
			lines = append(lines, st.Label.Render("waiting    ")+w)
		}
	}
	return lines
}

// labelWidth is the width of the labels that start the header's lines.
const labelWidth = 11

// rollbackLines show the last rollback whole, wrapped under its label, and
// while the cutover stays rolled back, the advice.
func (m Model) rollbackLines(c Cutover) []string {
	ch, _ := c.LastRollback()
	w := max(m.width-labelWidth, 20)
	var lines []string
	for i, l := range style.Wrap(rollbackText(ch, c.Stages), w) {
		if i == 0 {
			l = m.st.Bad.Render(l)
		}
		lines = append(lines, m.indent(i, "rollback")+l)
	}
	if c.Phase != diffstore.PhaseRolledBack {
		return lines
	}
	resume := "p (resume)"
	if m.data.ReadOnly {
		resume = "oink cutover resume"
	}
	for i, l := range style.Wrap(advice(ch, m.data.TopPath, resume), w) {
		lines = append(lines, m.indent(i, "advice")+l)
	}
	return lines
}

// indent is the label of a block's first line, blanks on the next ones.
func (m Model) indent(i int, label string) string {
	if i == 0 {
		return m.label(label)
	}
	return strings.Repeat(" ", labelWidth)
}

func (m Model) label(s string) string {
	return m.st.Label.Render(fmt.Sprintf("%-*s", labelWidth, s))
}

func (m Model) cutoverLine() string {
	d, st := m.data, m.st
	c := d.Cutover
	switch {
	case d.CutoverErr != nil:
		return m.label("cutover") + st.Bad.Render("error: "+d.CutoverErr.Error())
	case c == nil:
		return m.label("cutover") + st.Dim.Render("no plan applied (oink cutover apply -f plan.yaml)")
	}
	stage := "before the first step"
	if c.Stage >= 0 {
		stage = fmt.Sprintf("stage %d/%d", c.Stage+1, c.Stages)
	}
	controller := st.Warn.Render("no controller running")
	if c.ControllerActive {
		controller = "controller leading"
	}
	verdict := ""
	if c.Gate != nil {
		verdict = "gate " + m.verdict(c.Gate.Verdict)
	}
	policy := ""
	if m.width >= wide {
		policy = "on divergence: " + c.OnDivergence
	}
	return m.label("cutover") + style.Join(st.Title.Render(stage), st.Title.Render(fmt.Sprintf("%v%%", c.Percent)),
		m.phase(c.Phase), verdict, controller, policy)
}

func (m Model) phase(p string) string {
	switch p {
	case diffstore.PhaseRunning, diffstore.PhasePromoted:
		return m.st.Good.Render(p)
	case diffstore.PhasePaused, diffstore.PhasePending:
		return m.st.Warn.Render(p)
	}
	return m.st.Bad.Render(p)
}

func (m Model) verdict(v string) string {
	switch v {
	case "passed":
		return m.st.Good.Render(v)
	case "waiting":
		return m.st.Warn.Render(v)
	}
	return m.st.Bad.Render(v)
}

func (m Model) gateLine() string {
	c := m.data.Cutover
	if c == nil || c.Gate == nil {
		return m.label("gate") + m.st.Dim.Render("–")
	}
	g := c.Gate
	hold := "hold passed"
	if g.HoldLeft > 0 {
		hold = style.Duration(g.HoldLeft) + " to hold"
	}
	div := fmt.Sprintf("divergent %d", g.Divergent)
	if g.Divergent > 0 {
		div = m.st.Bad.Render(div)
	}
	miss := fmt.Sprintf("missing in candidate %d", g.MissingInCandidate)
	if g.MissingInCandidate > 0 {
		miss = m.st.Bad.Render(miss)
	}
	return m.label("gate") + style.Join(fmt.Sprintf("pairs %s/%s", style.Count(g.Pairs), style.Count(g.MinPairs)), hold, div, miss)
}

// liveLine says what the switch forwarded, per version.
func (m Model) liveLine(l Live) string {
	n := style.Count
	parts := []string{fmt.Sprintf("forwarded %s", n(l.Forwarded[0]+l.Forwarded[1])),
		fmt.Sprintf("v1 %s", n(l.Forwarded[0])), fmt.Sprintf("v2 %s", n(l.Forwarded[1])),
		fmt.Sprintf("%s duplicates dropped", n(l.Duplicates[0]+l.Duplicates[1]))}
	if c := l.Collisions[0] + l.Collisions[1]; c > 0 {
		parts = append(parts, m.st.Warn.Render(fmt.Sprintf("%s identity collisions", n(c))))
	}
	if l.Parked > 0 {
		parts = append(parts, m.st.Warn.Render(fmt.Sprintf("%s parked", n(int64(l.Parked)))))
	}
	return m.label("live") + style.Join(parts...)
}

func (m Model) comparatorLine() string {
	d, st := m.data, m.st
	h := d.Health
	alive := fmt.Sprintf("%d/%d alive", h.Alive, h.Instances)
	switch {
	case h.Instances == 0:
		alive = st.Bad.Render("no instance has sent a heartbeat")
	case h.Alive == 0:
		alive = st.Bad.Render(alive)
	case h.Alive < h.Instances:
		alive = st.Warn.Render(alive)
	default:
		alive = st.Good.Render(alive)
	}
	lag := "lag unknown"
	if l, ok := h.Lag(); ok {
		lag = "lag " + style.Duration(l)
	}
	behind := ""
	if d.Summary.Instances > 0 {
		behind = style.Count(d.Summary.Lag) + " records behind"
		if d.Summary.CaughtUp {
			behind = "caught up"
		}
	}
	parts := fmt.Sprintf("%d partitions", h.Partitions)
	if h.Partitions == 1 {
		parts = "1 partition"
	}
	if len(h.Uncovered) > 0 {
		parts += st.Bad.Render(fmt.Sprintf(" (%v uncovered)", h.Uncovered))
	}
	return m.label("comparator") + style.Join(alive, lag, behind, parts, m.sides())
}

// sides names each version that is behind (the comparator holds records of
// the other waiting for it), with its event-time lag and the input events
// it has not converted yet; "" when both keep pace or no instance is alive.
func (m Model) sides() string {
	h := m.data.Health
	if h.Alive == 0 {
		return ""
	}
	var out []string
	for _, sd := range []struct {
		name string
		side diffstore.Side
	}{{"v2", diffstore.SideCandidate}, {"v1", diffstore.SideControl}} {
		p := h.Side(sd.side)
		if !p.Behind {
			continue
		}
		s := fmt.Sprintf("%s behind %s", sd.name, style.Duration(time.Duration(p.LagSeconds*float64(time.Second))))
		if p.InputLag != nil {
			s += fmt.Sprintf(" (%s events not converted)", style.Count(*p.InputLag))
		}
		out = append(out, m.st.Warn.Render(s))
	}
	return style.Join(out...)
}
