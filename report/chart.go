package report

import (
	"fmt"
	"html"
	"math"
	"strings"
	"time"
)

// Chart geometry, in SVG user units (the SVG scales to its container).
const (
	chartW, chartH = 960, 310
	padL, padR     = 64, 36
	padT, padB     = 56, 52
	plotW, plotH   = chartW - padL - padR, chartH - padT - padB
)

// chartLine is one series of a line chart.
type chartLine struct {
	Name  string // legend text and data-series value
	Color string
	Value func(Bucket) int64
}

// Series colours: divergence red; missing from v2 orange (it counts against
// the gate, like divergence); missing from v1 purple (it does not).
var divergenceLines = []chartLine{
	{"divergent", "#c62828", func(b Bucket) int64 { return b.Divergent }},
	{"missing in candidate (v2)", "#ef6c00", func(b Bucket) int64 { return b.MissingInCandidate }},
	{"missing in control (v1)", "#6a1b9a", func(b Bucket) int64 { return b.MissingInControl }},
}

// axes maps buckets and counts to the plot area.
type axes struct {
	s    Series
	from time.Time
	span time.Duration
	yMax int64
}

func newAxes(s Series, yMax int64) axes {
	from := s.Buckets[0].Start
	span := s.Buckets[len(s.Buckets)-1].Start.Add(s.Grain).Sub(from)
	return axes{s: s, from: from, span: span, yMax: niceCeil(yMax)}
}

func (a axes) x(t time.Time) float64 {
	return padL + plotW*float64(t.Sub(a.from))/float64(a.span)
}

func (a axes) y(v int64) float64 {
	return padT + plotH - plotH*float64(v)/float64(a.yMax)
}

// lineChartSVG draws the lines over the series' buckets: one point per
// bucket and line (data-point), the axes with their scales, the route's
// markers, and a legend.
func lineChartSVG(id, title string, s Series, lines []chartLine) string {
	var yMax int64
	for _, b := range s.Buckets {
		for _, l := range lines {
			yMax = max(yMax, l.Value(b))
		}
	}
	a := newAxes(s, yMax)
	var w strings.Builder
	openSVG(&w, id, title)
	a.grid(&w)
	a.markers(&w)
	for _, l := range lines {
		pts := make([]string, len(s.Buckets))
		for i, b := range s.Buckets {
			pts[i] = fmt.Sprintf("%.1f,%.1f", a.x(b.Start.Add(s.Grain/2)), a.y(l.Value(b)))
		}
		fmt.Fprintf(&w, `<polyline fill="none" stroke="%s" stroke-width="2" points="%s"/>`, l.Color, strings.Join(pts, " "))
		for _, b := range s.Buckets {
			v := l.Value(b)
			fmt.Fprintf(&w, `<circle data-point data-series="%s" data-count="%d" cx="%.1f" cy="%.1f" r="%s" fill="%s"><title>%s</title></circle>`,
				esc(l.Name), v, a.x(b.Start.Add(s.Grain/2)), a.y(v), pointRadius(v), l.Color,
				esc(fmt.Sprintf("%s, %s from %s", num(v), l.Name, clock(b.Start))))
		}
	}
	legend(&w, lines)
	w.WriteString(`</svg>`)
	return w.String()
}

// barChartSVG draws one bar per bucket of value, with the same axes and
// markers as lineChartSVG.
func barChartSVG(id, title, name, color string, s Series, value func(Bucket) int64) string {
	var yMax int64
	for _, b := range s.Buckets {
		yMax = max(yMax, value(b))
	}
	a := newAxes(s, yMax)
	var w strings.Builder
	openSVG(&w, id, title)
	a.grid(&w)
	bw := math.Max(plotW*float64(s.Grain)/float64(a.span)-1, 1)
	for _, b := range s.Buckets {
		v := value(b)
		y := a.y(v)
		fmt.Fprintf(&w, `<rect data-point data-series="%s" data-count="%d" x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s</title></rect>`,
			esc(name), v, a.x(b.Start)+0.5, y, bw, padT+plotH-y, color, esc(fmt.Sprintf("%s %s from %s", num(v), name, clock(b.Start))))
	}
	a.markers(&w)
	legend(&w, []chartLine{{Name: name, Color: color}})
	w.WriteString(`</svg>`)
	return w.String()
}

// pointRadius makes non-zero points stand out.
func pointRadius(v int64) string {
	if v == 0 {
		return "1.5"
	}
	return "3.5"
}

func openSVG(w *strings.Builder, id, title string) {
	fmt.Fprintf(w, `<svg data-chart="%s" role="img" aria-label="%s" viewBox="0 0 %d %d" xmlns="http://www.w3.org/2000/svg" font-size="12">`,
		esc(id), esc(title), chartW, chartH)
	fmt.Fprintf(w, `<title>%s</title>`, esc(title))
}

// grid draws the axes, the horizontal grid lines with the count scale, and
// the time scale.
func (a axes) grid(w *strings.Builder) {
	step := a.yMax / 4
	for v := int64(0); v <= a.yMax; v += max(step, 1) {
		y := a.y(v)
		fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/>`, padL, padL+plotW, y, y)
		fmt.Fprintf(w, `<text x="%d" y="%.1f" text-anchor="end" dominant-baseline="middle" fill="#444">%s</text>`, padL-6, y, num(v))
	}
	fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#444"/>`, padL, padL+plotW, padT+plotH, padT+plotH)
	fmt.Fprintf(w, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#444"/>`, padL, padL, padT, padT+plotH)
	tick := timeTick(a.span)
	for t := a.from.Truncate(tick); !t.After(a.from.Add(a.span)); t = t.Add(tick) {
		if t.Before(a.from) {
			continue
		}
		x := a.x(t)
		fmt.Fprintf(w, `<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#444"/>`, x, x, padT+plotH, padT+plotH+5)
		fmt.Fprintf(w, `<text x="%.1f" y="%d" text-anchor="middle" fill="#444">%s</text>`, x, padT+plotH+18, esc(tickLabel(t, a.span)))
	}
	fmt.Fprintf(w, `<text x="%d" y="%d" text-anchor="middle" fill="#444">source event time (UTC, %s), buckets of %s</text>`,
		padL+plotW/2, chartH-8, esc(a.from.UTC().Format("2006-01-02")), dur(a.s.Grain))
}

// markers draws the route's transitions: a dashed blue line for a stage,
// a solid red one for a rollback, each labelled with the new percent.
func (a axes) markers(w *strings.Builder) {
	var rows labelRows
	for _, m := range a.s.Markers {
		x := a.x(m.At)
		color, dash, label := "#1565c0", ` stroke-dasharray="5 3"`, percent(m.Percent)
		if m.Rollback() {
			color, dash, label = "#c62828", "", m.Action+" → "+percent(m.Percent)
		}
		y := padT - 6 - float64(rows.place(x, label))*12
		fmt.Fprintf(w, `<g data-marker="%s"><line x1="%.1f" x2="%.1f" y1="%.1f" y2="%d" stroke="%s" stroke-width="1.5"%s/>`,
			esc(m.Action), x, x, y+2, padT+plotH, color, dash)
		fmt.Fprintf(w, `<text x="%.1f" y="%.1f" text-anchor="middle" fill="%s">%s</text><title>%s</title></g>`,
			x, y, color, esc(label), esc(fmt.Sprintf("%s at %s: v2 owns %s", markerVerb(m), stamp(m.At), percent(m.Percent))))
	}
}

// labelRows places marker labels in rows above the plot so that labels of
// close markers do not overlap: each goes to the first row whose last
// label ends left of it, or, when none does, to the row that ends first.
type labelRows [3]float64

// charWidth is the width of a label's character, in SVG units at
// font-size 12 (an estimate that errs wide).
const charWidth = 7.2

func (r *labelRows) place(x float64, label string) int {
	half := charWidth * float64(len([]rune(label))) / 2
	best := 0
	for i := range r {
		if r[i] == 0 || r[i]+4 < x-half {
			best = i
			break
		}
		if r[i] < r[best] {
			best = i
		}
	}
	r[best] = x + half
	return best
}

// markerVerb names what a marker did.
func markerVerb(m Marker) string {
	if m.Action == "" {
		return "route change"
	}
	return m.Action
}

// legend draws one swatch per line, top left.
func legend(w *strings.Builder, lines []chartLine) {
	x := float64(padL)
	for _, l := range lines {
		fmt.Fprintf(w, `<rect x="%.1f" y="4" width="12" height="12" fill="%s"/><text x="%.1f" y="14" fill="#222">%s</text>`,
			x, l.Color, x+16, esc(l.Name))
		x += 16 + charWidth*float64(len(l.Name)) + 24
	}
}

// niceCeil rounds v up to 1, 2 or 5 times a power of ten (4 at least, so
// that the grid's four steps are whole numbers).
func niceCeil(v int64) int64 {
	if v <= 4 {
		return 4
	}
	p := int64(1)
	for p*10 <= v {
		p *= 10
	}
	for _, m := range []int64{1, 2, 4, 5, 8, 10} {
		if m*p >= v && (m*p)%4 == 0 {
			return m * p
		}
	}
	return 10 * p
}

// timeTicks are the steps the time scale may take.
var timeTicks = []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 2 * time.Minute,
	5 * time.Minute, 10 * time.Minute, 15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour,
	3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// timeTick returns the first step that puts at most 8 ticks on span.
func timeTick(span time.Duration) time.Duration {
	for _, t := range timeTicks {
		if span/t <= 8 {
			return t
		}
	}
	return timeTicks[len(timeTicks)-1]
}

// tickLabel spells a tick: time of day, with the date when the span is
// longer than a day.
func tickLabel(t time.Time, span time.Duration) string {
	if span > 24*time.Hour {
		return t.UTC().Format("01-02 15:04")
	}
	return clock(t)
}

// esc escapes text for SVG/HTML content and attributes.
func esc(s string) string { return html.EscapeString(s) }
