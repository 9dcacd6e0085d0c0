package sparkline

import (
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/style"
)

// levels are the eighths of a cell, from empty to full.
const levels = " ▁▂▃▄▅▆▇█"

// maxColumns is the most columns one minute takes in the chart.
const maxColumns = 4

// Zero marks a minute that was compared and had no divergence; a blank is a
// minute without records.
const Zero = '·'

// point is one minute of the chart.
type point struct {
	minute   time.Time
	rate     float64
	compared bool // the minute has pairs or missing records
	present  bool // the minute has records at all
}

// Model is the divergence-rate pane.
type Model struct {
	st            style.Styles
	width, height int
	points        []point
}

// New returns an empty pane.
func New(st style.Styles) Model { return Model{st: st} }

// Init does nothing.
func (m Model) Init() tea.Cmd { return nil }

// Update changes nothing: the pane reads no keys.
func (m Model) Update(tea.Msg) (Model, tea.Cmd) { return m, nil }

// SetSize sets the pane's size: a height of 4 or more draws a chart with a
// title and a time axis, less a one-line sparkline.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }

// Rate is the share of a minute's comparisons the gate would not pass:
// (divergent + missing in candidate) / (pairs + missing in candidate); 0
// when nothing was compared.
func Rate(c diffstore.Counts) float64 {
	n := c.Pairs + c.MissingInCandidate
	if n == 0 {
		return 0
	}
	return float64(c.Divergent+c.MissingInCandidate) / float64(n)
}

// SetData replaces the minutes shown. counts are oldest first, as
// diffstore's CountsPerMinute returns them; minutes missing between two
// entries are drawn blank.
func (m *Model) SetData(counts []diffstore.MinuteCounts) {
	m.points = m.points[:0]
	for i, c := range counts {
		if i > 0 {
			for t := counts[i-1].Minute.Add(time.Minute); t.Before(c.Minute); t = t.Add(time.Minute) {
				m.points = append(m.points, point{minute: t})
			}
		}
		m.points = append(m.points, point{minute: c.Minute, rate: Rate(c.Counts),
			compared: c.Pairs+c.MissingInCandidate > 0, present: true})
	}
}

// Height is the number of lines View returns.
func (m Model) Height() int { return max(m.height, 1) }

// View renders the pane.
func (m Model) View() string {
	if m.height >= 4 {
		return m.chart()
	}
	label := m.st.Title.Render("divergence/min ")
	summary := " " + m.summary(false)
	barsW := m.width - style.Width(label) - style.Width(summary)
	if barsW < 10 {
		summary = ""
		barsW = m.width - style.Width(label)
	}
	pts := m.last(barsW)
	var b strings.Builder
	peak := m.peak(pts)
	for _, p := range pts {
		b.WriteString(m.cell(p, 0, 1, peak))
	}
	return style.Lines([]string{label + style.Pad(b.String(), barsW) + summary}, m.width, 1)
}

// chart renders a title, height-2 lines of bars and a time axis.
func (m Model) chart() string {
	rows := m.height - 2
	pts := m.last(m.width)
	peak := m.peak(pts)
	// Few minutes on a wide screen: each takes up to maxColumns columns.
	cols := 1
	if len(pts) > 0 {
		cols = min(max(m.width/len(pts), 1), maxColumns)
	}
	lines := []string{m.st.Title.Render("divergence rate per minute") + m.st.Dim.Render(" (divergent + missing in candidate, of compared; source event time)") + "  " + m.summary(true)}
	for r := rows - 1; r >= 0; r-- {
		var b strings.Builder
		for _, p := range pts {
			b.WriteString(strings.Repeat(m.cell(p, r, rows, peak), cols))
		}
		lines = append(lines, b.String())
	}
	axis := ""
	if len(pts) > 0 {
		from, to := pts[0].minute.UTC().Format("15:04"), pts[len(pts)-1].minute.UTC().Format("15:04 UTC")
		axis = from + strings.Repeat(" ", max(len(pts)*cols-len(from)-len(to), 1)) + to
	}
	lines = append(lines, m.st.Dim.Render(axis))
	return style.Lines(lines, m.width, m.height)
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

// last returns the last n points.
func (m Model) last(n int) []point {
	if n <= 0 {
		return nil
	}
	if len(m.points) > n {
		return m.points[len(m.points)-n:]
	}
	return m.points
}

// peak is the largest rate of pts, or 1 when none is positive.
func (m Model) peak(pts []point) float64 {
	peak := 0.0
	for _, p := range pts {
		peak = max(peak, p.rate)
	}
	if peak == 0 {
		return 1
	}
	return peak
}

// summary tells the peak minute and the last compared minute's rate.
func (m Model) summary(long bool) string {
	if len(m.points) == 0 {
		return m.st.Dim.Render("no minutes counted yet")
	}
	var peak point
	last := -1.0
	for _, p := range m.points {
		if p.present && (p.rate > peak.rate || !peak.present) {
			peak = p
		}
		if p.compared {
			last = p.rate
		}
	}
	lastText := "last –"
	if last >= 0 {
		lastText = "last " + style.Percent(last)
	}
	peakText := fmt.Sprintf("peak %s %s", style.Percent(peak.rate), peak.minute.UTC().Format("15:04"))
	if peak.rate == 0 {
		peakText = "peak 0%"
	}
	if long {
		return style.Join(peakText, lastText, fmt.Sprintf("%d min", len(m.points)))
	}
	return style.Join(peakText, lastText)
}
