package main

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oinkhq/oink/tools/demo"
	"github.com/oinkhq/oink/tui/style"
)

// summaryWidth is the width the demo's summary is wrapped to: a terminal's
// 80 columns.
const summaryWidth = 80

// summaryLabel is the width of the labels that start the summary's blocks.
const summaryLabel = 12

// writeDemoSummary writes the demo's outcome for people: every number with
// what it counts, every term explained, the checks, and the downstream
// criterion last.
func writeDemoSummary(w io.Writer, s demo.Summary, logPath string) {
	n := func(v int64) string { return style.Count(v) }
	fmt.Fprintf(w, "\noink demo, run %s: %s upstream events in %s\n\n", s.Run, n(int64(s.Events)), style.Duration(secondsDuration(s.Seconds)))
	block(w, "cutover", cutoverPath(s.Stages), fmt.Sprintf("ended %s at %s", s.Final.Phase, finalWhere(s.Final)))
	for _, r := range s.RollbackEvents {
		block(w, "rollback", fmt.Sprintf("%s, by %s, from stage %d (%g%%) to 0%%: %s", r.At.Local().Format("15:04:05"), r.By, r.FromStage, r.FromPercent, r.Reason),
			r.Cause)
	}
	p := s.Producer
	upstream := []string{fmt.Sprintf("%s order events on orders: %s became RTCIMs on rtcim.v2 (v2's output), %s invalid ones went to orders.dlq as dead letters; none lost, none both",
		n(int64(p.Upstream)), n(int64(p.Produced)), n(int64(p.DeadLetters)))}
	if p.Copies > 0 || p.Redelivered > 0 {
		upstream = append(upstream, fmt.Sprintf("%s upstream records were byte-identical copies of another (a writer's retry) and count once; %s dead letters were redelivered copies",
			n(int64(p.Copies)), n(int64(p.Redelivered))))
	}
	block(w, "upstream", upstream...)
	writeComparator(w, s.Comparator)
	l := s.Live
	block(w, "live topic", fmt.Sprintf("%s records on rtcim, the topic downstream reads: %s from v1, %s from v2, each from the version that owned its key's bucket at its event time",
		n(int64(l.Live)), n(int64(l.FromV1)), n(int64(l.FromV2))),
		fmt.Sprintf("%s identities the owning version never produced (v1's drops): nothing to forward, not a loss of the switch", n(int64(l.OwnerLack))))
	var checks []string
	for _, c := range s.Checks {
		mark := "✓"
		if !c.OK {
			mark = "✗ FAILED:"
		}
		checks = append(checks, fmt.Sprintf("%s %s: %s", mark, c.Name, c.Detail))
	}
	block(w, "checks", checks...)
	fmt.Fprintf(w, "\n%s\n", downstreamLine(s))
	if logPath != "" {
		fmt.Fprintf(w, "logs: %s\n", logPath)
	}
}

// writeComparator explains the comparator's totals: the four levels with
// their counts and shares, and what was not paired.
func writeComparator(w io.Writer, c demo.ComparatorTotals) {
	n := func(v int64) string { return style.Count(v) }
	share := func(v int64) string {
		if c.Pairs == 0 {
			return style.Percent(0)
		}
		return style.Percent(float64(v) / float64(c.Pairs))
	}
	var rules []string
	var byRule int64
	for _, r := range slices.Sorted(maps.Keys(c.AcceptedByRule)) {
		rules = append(rules, fmt.Sprintf("%s %s", r, n(c.AcceptedByRule[r])))
		byRule += c.AcceptedByRule[r]
	}
	accepted := "differences rules accept as v1's known bugs"
	if len(rules) > 0 {
		accepted += ": " + strings.Join(rules, ", ")
		if byRule != c.Accepted {
			accepted += " (a pair two rules accept counts under both)"
		}
	}
	level := func(name string, v int64, means string) string {
		return fmt.Sprintf("%-10s %9s %7s  \t%s", name, n(v), share(v), means)
	}
	lines := []string{fmt.Sprintf("%s pairs, each a record of v1 and one of v2 with the same identity, judged at one level:", n(c.Pairs)),
		level("identical", c.Identical, "same key, value bytes, headers and timestamp: a consumer cannot tell"),
		level("equivalent", c.Equivalent, "same content after the rules, other bytes or metadata"),
		level("accepted", c.Accepted, accepted),
		level("divergent", c.Divergent, "differences no rule accepts (act 2's fault in v1)"),
		fmt.Sprintf("%s records only v2 wrote (missing in control: v1's drops, which no gate counts); %s missing in candidate (v1's records v2 never wrote, which the gate counts)",
			n(c.MissingControl), n(c.MissingCandidate)),
		fmt.Sprintf("%s v1 duplicates (v1 wrote a record twice; the switch forwards it once)", n(c.DuplicatesV1)),
	}
	block(w, "comparator", lines...)
}

// downstreamLine states the migration's criterion and its figure: how many
// live records a downstream consumer could tell from the record their
// owning version wrote (checked byte for byte by invariant 4), and the
// share of identical pairs.
func downstreamLine(s demo.Summary) string {
	d := s.Downstream
	identical := "identical pairs " + style.Percent(d.IdenticalPairs)
	if d.CanTell < 0 {
		return fmt.Sprintf("downstream can tell: unknown, invariant 4 failed on the %s live records (see the checks); %s",
			style.Count(int64(d.LiveRecords)), identical)
	}
	return fmt.Sprintf("downstream can tell: %s of %s live records; %s", style.Count(int64(d.CanTell)), style.Count(int64(d.LiveRecords)), identical)
}

// block writes lines under a label, each wrapped to summaryWidth and
// indented under the label. A line may start with a column (a prefix
// ending in a tab): its wrapped rest is then indented under the text
// after the column, as a table's last column is.
func block(w io.Writer, label string, lines ...string) {
	first := true
	for _, l := range lines {
		if l == "" {
			continue
		}
		prefix, text, column := strings.Cut(l, "\t")
		if !column {
			prefix, text = "", l
		}
		indent := summaryLabel + style.Width(prefix)
		for i, part := range style.Wrap(text, summaryWidth-indent) {
			head := strings.Repeat(" ", indent)
			if i == 0 {
				head = strings.Repeat(" ", summaryLabel) + prefix
			}
			if first {
				head = fmt.Sprintf("%-*s", summaryLabel, label) + head[summaryLabel:]
				first = false
			}
			fmt.Fprintln(w, strings.TrimRight(head+part, " "))
		}
	}
}

// cutoverPath shows the cutover's states in order: "pending → 1% → 10% →
// rolled back to 0% → … → promoted".
func cutoverPath(stages []string) string {
	return strings.Join(stages, " → ")
}

// finalWhere says where the cutover ended: "stage 4/4 (100%)".
func finalWhere(f demo.Final) string {
	if f.Stage == 0 {
		return fmt.Sprintf("%g%%, before the first step", f.Percent)
	}
	return fmt.Sprintf("stage %d/%d (%g%%)", f.Stage, f.Stages, f.Percent)
}

// secondsDuration converts seconds to a duration.
func secondsDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
