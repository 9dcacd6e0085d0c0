package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"
)

// maxMarkdownBuckets is the most rows the Markdown table of buckets has:
// adjacent buckets are summed to stay under it.
const maxMarkdownBuckets = 15

// Markdown writes d as a Markdown document: the same sections as HTML, with
// tables, and the chart as a table of buckets.
func Markdown(w io.Writer, d *Data) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# Shadow run report: %s\n\n", d.Summary.Name)
	fmt.Fprintf(bw, "Made by `oink report` at %s.\n", stamp(d.GeneratedAt))
	for _, s := range sections(d) {
		fmt.Fprintf(bw, "\n## %s\n", s.Title)
		for _, b := range s.Blocks {
			bw.WriteString("\n")
			markdownBlock(bw, b)
		}
	}
	return bw.Flush()
}

func markdownBlock(w *bufio.Writer, b block) {
	switch b := b.(type) {
	case para:
		if b.Class == "bad" {
			fmt.Fprintf(w, "**%s**\n", b.Text)
			return
		}
		fmt.Fprintf(w, "%s\n", b.Text)
	case facts:
		for _, f := range b {
			fmt.Fprintf(w, "- **%s**: %s\n", f[0], f[1])
		}
	case table:
		markdownTable(w, b)
	case glance:
		for _, g := range b {
			fmt.Fprintf(w, "- **%s**: %s\n", g.Label, g.Value)
		}
	case chart:
		markdownTable(w, bucketTable(b.Series))
	case pair:
		markdownPair(w, b)
	}
}

func markdownTable(w *bufio.Writer, t table) {
	w.WriteString("|")
	for _, h := range t.Header {
		fmt.Fprintf(w, " %s |", oneLine(h))
	}
	w.WriteString("\n|")
	for i := range t.Header {
		if i < len(t.Numeric) && t.Numeric[i] {
			w.WriteString("---:|")
		} else {
			w.WriteString("---|")
		}
	}
	w.WriteString("\n")
	for _, r := range t.Rows {
		w.WriteString("|")
		for _, c := range r {
			fmt.Fprintf(w, " %s |", oneLine(c))
		}
		w.WriteString("\n")
	}
}

func markdownPair(w *bufio.Writer, p pair) {
	fmt.Fprintf(w, "**%s**: identity %s", p.Path, code(p.Identity))
	if p.Detail != "" {
		fmt.Fprintf(w, " (%s)", p.Detail)
	}
	w.WriteString("\n\n")
	markdownTable(w, table{Header: []string{"path", "control (v1)", "candidate (v2)"},
		Rows: [][]string{{code(p.Path), code(p.Control), code(p.Candidate)}}})
}

// code spells s as inline code, unless it holds a backtick.
func code(s string) string {
	if strings.Contains(s, "`") {
		return s
	}
	return "`" + s + "`"
}

// bucketTable is the series as a table of at most maxMarkdownBuckets rows,
// each summing adjacent buckets, with the route changes in each.
func bucketTable(s Series) table {
	t := table{Header: []string{"from (source event time)", "pairs", "divergent", "missing in candidate (v2)", "missing in control (v1)", "route changes"},
		Numeric: []bool{false, true, true, true, true, false}}
	k := (len(s.Buckets) + maxMarkdownBuckets - 1) / maxMarkdownBuckets
	var span time.Duration
	if len(s.Buckets) > 0 {
		span = s.Buckets[len(s.Buckets)-1].Start.Add(s.Grain).Sub(s.Buckets[0].Start)
	}
	for i := 0; i < len(s.Buckets); i += k {
		var sum Bucket
		end := s.Buckets[min(i+k, len(s.Buckets))-1].Start.Add(s.Grain)
		for _, b := range s.Buckets[i:min(i+k, len(s.Buckets))] {
			sum.Pairs += b.Pairs
			sum.Divergent += b.Divergent
			sum.MissingInCandidate += b.MissingInCandidate
			sum.MissingInControl += b.MissingInControl
		}
		var changes []string
		for _, m := range s.Markers {
			if !m.At.Before(s.Buckets[i].Start) && m.At.Before(end) {
				changes = append(changes, fmt.Sprintf("%s → %s at %s", markerVerb(m), percent(m.Percent), clock(m.At)))
			}
		}
		t.Rows = append(t.Rows, []string{tickLabel(s.Buckets[i].Start, span), num(sum.Pairs), num(sum.Divergent),
			num(sum.MissingInCandidate), num(sum.MissingInControl), strings.Join(changes, "; ")})
	}
	return t
}
