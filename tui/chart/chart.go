package chart

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/style"
)

// levels are the eighths of a cell, from empty to full.
const levels = " ▁▂▃▄▅▆▇█"

// Zero marks a bucket that was compared and had no divergence; a blank is a
// bucket without records.
const Zero = '·'

// The marks of the time axis.
const (
	StageMark    = '▲' // v2's share grew
	RollbackMark = '↺' // v2's share went back to 0%
	markLine     = '┊' // a mark's column in the bars, where they are blank
)

// grains are the bucket widths a chart chooses from, finest first: each a
// multiple of the store's own bucket (diffstore.CountGrain).
var grains = []time.Duration{10 * time.Second, 20 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute,
	5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour,
	6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// Grain returns the finest grain in which the buckets from first to last
// take at most columns columns (the coarsest one when none does).
func Grain(first, last time.Time, columns int) time.Duration {
	for _, g := range grains {
		if int(last.Truncate(g).Sub(first.Truncate(g))/g)+1 <= columns {
			return g
		}
	}
	return grains[len(grains)-1]
}

// Mark is a change of v2's share at a source event time.
type Mark struct {
	At      time.Time
	Percent float64
}

// Data is what the chart shows.
type Data struct {
	// Grain is the width of each bucket.
	Grain time.Duration
	// Buckets are the counts per Grain, oldest first; Minute is each one's
	// start. Buckets missing between two entries are drawn blank.
	Buckets []diffstore.MinuteCounts
	// Marks are the route's transitions, oldest first.
	Marks []Mark
}

// point is one bucket of the chart.
type point struct {
	start    time.Time
	rate     float64
	compared bool // the bucket has pairs or missing records
	present  bool // the bucket has records at all
}

// Model is the divergence chart.
type Model struct {
	st            style.Styles
	width, height int
	grain         time.Duration
	points        []point
	marks         []Mark
}

// New returns an empty chart.
func New(st style.Styles) Model { return Model{st: st, grain: grains[0]} }

// Init does nothing.
func (m Model) Init() tea.Cmd { return nil }

// Update changes nothing: the chart reads no keys.
func (m Model) Update(tea.Msg) (Model, tea.Cmd) { return m, nil }

// MinHeight is the least height the chart is drawn in: a title with the
// scale, a line of bars and the time axis.
const MinHeight = 3

// SetSize sets the chart's size; the height is at least MinHeight.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, max(height, MinHeight) }

// Height is the number of lines View returns.
func (m Model) Height() int { return m.height }

// Columns is how many columns the bars have: a refresh chooses the grain
// that fits (Grain).
func (m Model) Columns() int { return max(m.width, 1) }

// Rate is the share of a bucket's comparisons the gate would not pass:
// (divergent + missing in candidate) / (pairs + missing in candidate); 0
// when nothing was compared. Missing in control (v1 lacks what v2 wrote)
// does not count against the gate, so not here either.
func Rate(c diffstore.Counts) float64 {
	n := c.Pairs + c.MissingInCandidate
	if n == 0 {
		return 0
	}
	return float64(c.Divergent+c.MissingInCandidate) / float64(n)
}

// SetData replaces what the chart shows.
func (m *Model) SetData(d Data) {
	m.grain = d.Grain
	if m.grain <= 0 {
		m.grain = grains[0]
	}
	m.marks = d.Marks
	m.points = m.points[:0]
	for i, c := range d.Buckets {
		if i > 0 {
			for t := d.Buckets[i-1].Minute.Add(m.grain); t.Before(c.Minute); t = t.Add(m.grain) {
				m.points = append(m.points, point{start: t})
			}
		}
		m.points = append(m.points, point{start: c.Minute, rate: Rate(c.Counts),
			compared: c.Pairs+c.MissingInCandidate > 0, present: true})
	}
	if len(m.points) > m.Columns() { // a grain chosen for a wider screen
		m.points = m.points[len(m.points)-m.Columns():]
	}
}

// View renders the title with the scale, the bars and the time axis. The
// buckets share the width: each takes the columns x for which x·n/width is
// its index, so n buckets fill it whole.
func (m Model) View() string {
	rows := m.height - 2
	peak := m.peak()
	marks := m.markColumns()
	lines := []string{m.title(peak)}
	for r := rows - 1; r >= 0; r-- {
		var b strings.Builder
		for x := range m.barsWidth() {
			p := m.points[x*len(m.points)/m.width]
			cell := m.cell(p, r, rows, peak)
			if mk, ok := marks[x]; ok && (!p.present || p.rate == 0) {
				cell = m.markStyle(mk).Render(string(markLine))
			}
			b.WriteString(cell)
		}
		lines = append(lines, b.String())
	}
	lines = append(lines, m.axis(marks))
	return style.Lines(lines, m.width, m.height)
}

// barsWidth is how many columns the bars take: the whole width once there
// is a bucket.
func (m Model) barsWidth() int {
	if len(m.points) == 0 {
		return 0
	}
	return m.width
}

// title names what is drawn, its grain and its scale (what a full cell
// is), the peak bucket and the last compared one.
func (m Model) title(peak float64) string {
	st := m.st
	what := st.Title.Render("divergence") + " per " + grainText(m.grain)
	if m.width >= 120 {
		what += st.Dim.Render(" of source event time (divergent + missing in candidate, of compared)")
	}
	if len(m.points) == 0 {
		return what + st.Dim.Render(" · nothing counted yet")
	}
	scale := "█ = " + style.Percent(peak)
	var top point
	last := -1.0
	for _, p := range m.points {
		if p.present && (p.rate > top.rate || !top.present) {
			top = p
		}
		if p.compared {
			last = p.rate
		}
	}
	if top.rate == 0 {
		scale = "no divergence"
	} else {
		scale += " (peak " + m.timeText(top.start) + ")"
	}
	lastText := "last –"
	if last >= 0 {
		lastText = "last " + style.Percent(last)
	}
	return what + ": " + style.Join(scale, lastText, st.Dim.Render(string(StageMark)+" stage "+string(RollbackMark)+" rollback"))
}

// cell draws point p in row r (0 at the bottom) of rows rows, scaled to peak.
func (m Model) cell(p point, r, rows int, peak float64) string {
	switch {
	case !p.present:
		return " "
	case p.rate == 0:
		if r == 0 {
			return m.st.Dim.Render(string(Zero))
		}
		return " "
	}
	eighths := int(p.rate / peak * float64(rows*8))
	eighths = max(eighths, 1) // any divergence shows
	level := min(max(eighths-r*8, 0), 8)
	return m.st.Bad.Render(string([]rune(levels)[level]))
}

// peak is the largest rate, or 1 when none is positive.
func (m Model) peak() float64 {
	peak := 0.0
	for _, p := range m.points {
		peak = max(peak, p.rate)
	}
	if peak == 0 {
		return 1
	}
	return peak
}

// markColumns places each mark in the column of the time it took effect.
func (m Model) markColumns() map[int]Mark {
	out := map[int]Mark{}
	if len(m.points) == 0 {
		return out
	}
	from := m.points[0].start
	span := time.Duration(len(m.points)) * m.grain
	for _, mk := range m.marks {
		if mk.At.Before(from) || !mk.At.Before(from.Add(span)) {
			continue
		}
		out[int(float64(mk.At.Sub(from))/float64(span)*float64(m.width))] = mk
	}
	return out
}

// isRollback reports whether mk took v2's share back to 0%.
func isRollback(mk Mark) bool { return mk.Percent == 0 }

func (m Model) markStyle(mk Mark) lipgloss.Style {
	if isRollback(mk) {
		return m.st.Bad
	}
	return m.st.Dim
}

// axis is the time axis: the marks with their percent where there is room
// (just the mark where there is not), the first bucket's start on the left
// and the last one's end on the right, where the marks leave room.
func (m Model) axis(marks map[int]Mark) string {
	width := m.width
	cells := make([]string, width)
	free := func(from, n int) bool {
		if from < 0 || from+n > width {
			return false
		}
		for i := from; i < from+n; i++ {
			if cells[i] != "" {
				return false
			}
		}
		return true
	}
	put := func(from int, s string, render func(...string) string) {
		for i, r := range []rune(s) {
			cells[from+i] = render(string(r))
		}
	}
	// Rollbacks first: where marks crowd, a rollback keeps its place.
	for _, rollbacks := range []bool{true, false} {
		for x := range width {
			mk, ok := marks[x]
			if !ok || isRollback(mk) != rollbacks {
				continue
			}
			glyph := string(StageMark)
			if rollbacks {
				glyph = string(RollbackMark)
			}
			label := glyph + fmt.Sprintf("%v%%", mk.Percent)
			n := len([]rune(label))
			switch {
			case free(x, n+1) || (x+n == width && free(x, n)):
				put(x, label, m.markStyle(mk).Render)
			case free(x, 1):
				put(x, glyph, m.markStyle(mk).Render)
			}
		}
	}
	if len(m.points) > 0 {
		from := m.timeText(m.points[0].start)
		to := m.timeText(m.points[len(m.points)-1].start.Add(m.grain)) + " UTC"
		if free(width-len(to), len(to)) && width-len(to) > len(from) {
			put(width-len(to), to, m.st.Dim.Render)
		}
		if free(0, len(from)+1) {
			put(0, from, m.st.Dim.Render)
		}
	}
	var b strings.Builder
	for _, c := range cells {
		if c == "" {
			c = " "
		}
		b.WriteString(c)
	}
	return b.String()
}

// timeText formats a time on the axis as precisely as the grain asks.
func (m Model) timeText(t time.Time) string {
	t = t.UTC()
	switch {
	case m.grain < time.Minute:
		return t.Format("15:04:05")
	case m.grain < 24*time.Hour:
		return t.Format("15:04")
	}
	return t.Format("01-02")
}

// grainText names a grain: "10s", "5m", "1h", "1d".
func grainText(g time.Duration) string {
	switch {
	case g < time.Minute:
		return fmt.Sprintf("%ds", int(g/time.Second))
	case g < time.Hour:
		return fmt.Sprintf("%dm", int(g/time.Minute))
	case g < 24*time.Hour:
		return fmt.Sprintf("%dh", int(g/time.Hour))
	}
	return fmt.Sprintf("%dd", int(g/(24*time.Hour)))
}
