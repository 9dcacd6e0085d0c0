package report

import (
	"bufio"
	_ "embed"
	"fmt"
	"io"
)

// style is the page's CSS, inlined in every report.
//
//go:embed style.css
var style string

// HTML writes d as one self-contained HTML page: the CSS and the SVG charts
// are inline, there is no script, and nothing is loaded at view time, so
// the file can be attached to a ticket and opened anywhere.
func HTML(w io.Writer, d *Data) error {
	bw := bufio.NewWriter(w)
	secs := sections(d)
	title := "Shadow run report: " + d.Summary.Name
	fmt.Fprintf(bw, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"+
		"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<link rel=\"icon\" href=\"data:,\">\n"+
		"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n"+
		"<title>%s</title>\n<style>\n%s</style>\n</head>\n<body>\n", esc(title), style)
	fmt.Fprintf(bw, "<header><h1>%s</h1><p>Made by <code>oink report</code> at %s.</p><nav>", esc(title), esc(stamp(d.GeneratedAt)))
	for _, s := range secs {
		fmt.Fprintf(bw, `<a href="#%s">%s</a>`, esc(s.ID), esc(s.Title))
	}
	bw.WriteString("</nav></header>\n<main>\n")
	for _, s := range secs {
		fmt.Fprintf(bw, "<section id=\"%s\">\n<h2>%s</h2>\n", esc(s.ID), esc(s.Title))
		for _, b := range s.Blocks {
			htmlBlock(bw, b)
		}
		bw.WriteString("</section>\n")
	}
	bw.WriteString("</main>\n<footer>Self-contained: no script and nothing loaded from the network. " +
		"Numbers are exact counts from the run's store; times are UTC.</footer>\n</body>\n</html>\n")
	return bw.Flush()
}

func htmlBlock(w *bufio.Writer, b block) {
	switch b := b.(type) {
	case para:
		if b.Class != "" {
			fmt.Fprintf(w, "<p class=\"%s\">%s</p>\n", b.Class, esc(b.Text))
			return
		}
		fmt.Fprintf(w, "<p>%s</p>\n", esc(b.Text))
	case facts:
		w.WriteString(`<dl class="facts">`)
		for _, f := range b {
			fmt.Fprintf(w, "<dt>%s</dt><dd>%s</dd>", esc(f[0]), esc(f[1]))
		}
		w.WriteString("</dl>\n")
	case table:
		htmlTable(w, b)
	case glance:
		w.WriteString(`<div class="glance">`)
		for _, g := range b {
			fmt.Fprintf(w, `<div class="card %s"><div class="label">%s</div><div class="value">%s</div></div>`, g.Class, esc(g.Label), esc(g.Value))
		}
		w.WriteString("</div>\n")
	case chart:
		htmlCharts(w, b.Series)
	case pair:
		htmlPair(w, b)
	}
}

func htmlTable(w *bufio.Writer, t table) {
	numeric := func(i int) string {
		if i < len(t.Numeric) && t.Numeric[i] {
			return ` class="num"`
		}
		return ""
	}
	w.WriteString("<table><thead><tr>")
	for i, h := range t.Header {
		fmt.Fprintf(w, "<th%s>%s</th>", numeric(i), esc(h))
	}
	w.WriteString("</tr></thead><tbody>\n")
	for r, row := range t.Rows {
		if r < len(t.RowClass) && t.RowClass[r] != "" {
			fmt.Fprintf(w, `<tr class="%s">`, t.RowClass[r])
		} else {
			w.WriteString("<tr>")
		}
		for i, c := range row {
			fmt.Fprintf(w, "<td%s>%s</td>", numeric(i), esc(c))
		}
		w.WriteString("</tr>\n")
	}
	w.WriteString("</tbody></table>\n")
}

func htmlCharts(w *bufio.Writer, s Series) {
	fmt.Fprintf(w, "<figure>%s<figcaption>Divergent pairs and missing records per bucket of source event time; hover a point for its count.</figcaption></figure>\n",
		lineChartSVG("divergence", "Divergent and missing over source event time", s, divergenceLines))
	fmt.Fprintf(w, "<figure>%s<figcaption>Pairs compared per bucket: the evidence each stage's gate counted.</figcaption></figure>\n",
		barChartSVG("pairs", "Pairs compared over source event time", "pairs compared", "#90a4ae", s,
			func(b Bucket) int64 { return b.Pairs }))
}

func htmlPair(w *bufio.Writer, p pair) {
	fmt.Fprintf(w, "<div class=\"pair\"><h3>%s</h3><div class=\"who\">identity <code>%s</code>", esc(p.Path), esc(p.Identity))
	if p.Detail != "" {
		fmt.Fprintf(w, ", %s", esc(p.Detail))
	}
	fmt.Fprintf(w, "</div>\n<div class=\"sides\"><div><h4>control (v1)</h4><code>%s</code></div><div><h4>candidate (v2)</h4><code>%s</code></div></div>\n",
		esc(p.Control), esc(p.Candidate))
	if p.ControlRecord != "" || p.CandidateRecord != "" {
		fmt.Fprintf(w, "<details><summary>whole records</summary><div class=\"sides\"><pre>%s</pre><pre>%s</pre></div></details>\n",
			esc(p.ControlRecord), esc(p.CandidateRecord))
	}
	w.WriteString("</div>\n")
}
