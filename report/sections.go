package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/human"
)

// A report is built once as sections of blocks; HTML and Markdown each
// render the blocks their way, so both formats carry the same content.

// section is one titled part of a report.
type section struct {
	ID, Title string
	Blocks    []block
}

// block is one of para, facts, table, chart or pair.
type block interface{ isBlock() }

// para is a paragraph; Class "ok" or "bad" marks a verdict, "note" a
// side remark.
type para struct{ Text, Class string }

// facts is a list of name–value lines.
type facts [][2]string

// table is a table; Numeric marks the right-aligned columns, RowClass
// (optional, per row) "bad" or "ok" rows.
type table struct {
	Header   []string
	Numeric  []bool
	Rows     [][]string
	RowClass []string
}

// glance is the headline figures, each with a verdict class.
type glance []glanceItem

type glanceItem struct{ Label, Value, Class string }

// chart is the run's series: SVG charts in HTML, a table of buckets in
// Markdown.
type chart struct{ Series Series }

// pair is one diverging path's example, the two values side by side, and
// the whole records.
type pair struct {
	Path, Identity, Detail string
	Control, Candidate     string // the values at the path
	ControlRecord          string // the whole records, indented
	CandidateRecord        string
}

func (para) isBlock()   {}
func (facts) isBlock()  {}
func (table) isBlock()  {}
func (glance) isBlock() {}
func (chart) isBlock()  {}
func (pair) isBlock()   {}

// sections builds the report's sections from d, in order.
func sections(d *Data) []section {
	out := []section{glanceSection(d), runSection(d), accountingSection(d)}
	if d.Levels != nil {
		out = append(out, levelsSection(d.Levels))
	}
	out = append(out, seriesSection(d), cutoverSection(d), pathsSection(d), rulesSection(d), deadLettersSection(d))
	if d.Switch != nil {
		out = append(out, switchSection(d.Switch))
	}
	return append(out, glossarySection(d))
}

// glanceSection is the report in five lines: accounting, pairs, missing,
// cutover and dead letters.
func glanceSection(d *Data) section {
	c := d.Summary.Counts
	a := d.Accounting
	g := glance{{"accounting", fmt.Sprintf("%s: %s read", holdsText(a.Holds), count(a.Control.Read+a.Candidate.Read, "record")), okClass(a.Holds)}}
	pairs := fmt.Sprintf("%s divergent of %s (%s), %s accepted", num(c.Divergent), count(c.Pairs, "pair"), pct(c.Divergent, c.Pairs), num(c.Accepted))
	g = append(g, glanceItem{"pairs", pairs, okClass(c.Divergent == 0)})
	g = append(g, glanceItem{"missing", fmt.Sprintf("%s in candidate (v2), %s in control (v1)", num(c.MissingInCandidate), num(c.MissingInControl)),
		okClass(c.MissingInCandidate == 0)})
	g = append(g, cutoverGlance(d.Cutover))
	g = append(g, deadLetterGlance(d.DeadLetters))
	return section{ID: "glance", Title: "At a glance", Blocks: []block{g}}
}

// cutoverGlance says where the cutover stands and how many rollbacks it
// took.
func cutoverGlance(c *Cutover) glanceItem {
	if c == nil {
		return glanceItem{"cutover", "none: no plan applied", ""}
	}
	var rollbacks int64
	for _, s := range c.Stages {
		if rowClass(s.Action) != "" {
			rollbacks++
		}
	}
	percentNow := "0%"
	if n := len(c.Stages); n > 0 {
		percentNow = percent(c.Stages[n-1].Transition.Percent)
	}
	class := ""
	switch c.State.Phase {
	case diffstore.PhasePromoted:
		class = "ok"
	case diffstore.PhaseRolledBack, diffstore.PhaseAborted:
		class = "bad"
	}
	return glanceItem{"cutover", fmt.Sprintf("%s, v2 owns %s; %s", phaseText(c.State.Phase), percentNow, count(rollbacks, "rollback")), class}
}

// deadLetterGlance counts the dead letters and their kinds.
func deadLetterGlance(ts []DeadLetterTopic) glanceItem {
	if ts == nil {
		return glanceItem{"dead letters", "not read", ""}
	}
	var n, kinds int64
	for _, t := range ts {
		n += t.Total
		kinds += int64(len(t.Groups))
	}
	return glanceItem{"dead letters", fmt.Sprintf("%s in %s: %s (by code and field)", count(n, "letter"),
		count(int64(len(ts)), "topic"), count(kinds, "problem")), okClass(n == 0)}
}

func runSection(d *Data) section {
	s := d.Summary
	finished := "still running"
	if s.FinishedAt != nil {
		finished = stamp(*s.FinishedAt)
	}
	comparator := "no heartbeat recorded"
	if s.LastHeartbeat != nil {
		caught := "behind"
		if s.CaughtUp {
			caught = "caught up"
		}
		comparator = fmt.Sprintf("%s, lag %s, %s; last heartbeat %s",
			count(int64(s.Instances), "instance"), count(s.Lag, "record"), caught, stamp(*s.LastHeartbeat))
	}
	rules := s.RulesName
	if rules == "" {
		rules = "(none named)"
	}
	return section{ID: "run", Title: "Run " + s.Name, Blocks: []block{facts{
		{"control (v1)", s.ControlTopic},
		{"candidate (v2)", s.CandidateTopic},
		{"rules", rules},
		{"created", stamp(s.CreatedAt)},
		{"finished", finished},
		{"comparator", comparator},
		{"partitions", num(int64(s.Partitions))},
		{"report made", stamp(d.GeneratedAt)},
	}}}
}

func accountingSection(d *Data) section {
	a := d.Accounting
	c := d.Summary.Counts
	row := func(name string, s Side) []string {
		return []string{name, s.Topic, num(s.Read), num(s.Paired), num(s.MissingOther), num(s.Pending),
			num(s.Duplicates), num(s.Undecodable), num(s.Sum()), holdsText(s.Holds())}
	}
	t := table{
		Header:  []string{"side", "topic", "read", "paired", "missing on the other side", "pending", "duplicates", "undecodable", "sum", "read = sum"},
		Numeric: []bool{false, false, true, true, true, true, true, true, true, false},
		Rows:    [][]string{row("control (v1)", a.Control), row("candidate (v2)", a.Candidate)},
	}
	total := Side{Read: a.Control.Read + a.Candidate.Read, Paired: 2 * a.Pairs,
		MissingOther: a.Control.MissingOther + a.Candidate.MissingOther, Pending: a.Control.Pending + a.Candidate.Pending,
		Duplicates: a.Control.Duplicates + a.Candidate.Duplicates, Undecodable: a.Control.Undecodable + a.Candidate.Undecodable}
	t.Rows = append(t.Rows, row("both", total))
	t.Rows[2][3] = "2 × " + num(a.Pairs)
	for _, r := range t.Rows {
		t.RowClass = append(t.RowClass, okClass(r[9] == holdsText(true)))
	}
	verdict := para{Text: "The accounting identity holds: every record read is accounted for.", Class: "ok"}
	if !a.Holds {
		verdict = para{Text: "The accounting identity DOES NOT HOLD: records are unaccounted for (see the rows marked).", Class: "bad"}
	}
	split := fmt.Sprintf("pairs %s = %s equal + %s accepted + %s divergent: %s", num(a.Pairs), num(c.Equal), num(c.Accepted),
		num(c.Divergent), holdsText(a.PairsSplit))
	return section{ID: "accounting", Title: "Accounting", Blocks: []block{
		verdict,
		para{Text: "Per side: read = paired + missing on the other side + pending + duplicates + undecodable; " +
			"for both sides, read = pairs × 2 + missing + pending + duplicates + undecodable."},
		t,
		para{Text: split, Class: okClass(a.PairsSplit)},
		facts{
			{"divergent pairs", num(c.Divergent) + " (" + pct(c.Divergent, c.Pairs) + " of pairs)"},
			{"accepted pairs", num(c.Accepted) + " (" + pct(c.Accepted, c.Pairs) + " of pairs)"},
			{"missing in candidate (v2)", num(c.MissingInCandidate)},
			{"missing in control (v1)", num(c.MissingInControl)},
		},
	}}
}

func holdsText(ok bool) string {
	if ok {
		return "holds"
	}
	return "DOES NOT HOLD"
}

func okClass(ok bool) string {
	if ok {
		return "ok"
	}
	return "bad"
}

func levelsSection(l *Levels) section {
	row := func(name string, n int64) []string { return []string{name, num(n), pct(n, l.Pairs)} }
	t := table{Header: []string{"level", "pairs", "share"}, Numeric: []bool{false, true, true},
		Rows: [][]string{row("identical", l.Identical), row("equivalent", l.Equivalent), row("accepted", l.Accepted),
			row("divergent", l.Divergent)}}
	if l.Unleveled > 0 {
		t.Rows = append(t.Rows, row("equal, of no known level", l.Unleveled))
	}
	text := fmt.Sprintf("Of %s, %s are identical: downstream cannot tell which version wrote them.",
		count(l.Pairs, "pair"), pct(l.Identical, l.Pairs))
	if l.Unleveled > 0 {
		text += fmt.Sprintf(" %s equal pairs were compared before levels were recorded.", num(l.Unleveled))
	}
	return section{ID: "levels", Title: "Identical and equivalent pairs", Blocks: []block{para{Text: text}, t}}
}

func switchSection(s *SwitchForwards) section {
	t := table{Header: []string{"version", "topic", "forwarded", "not owned (skipped)", "duplicates (dropped)",
		"identity collisions", "source time forwarded"}, Numeric: []bool{false, false, true, true, true, true, false}}
	for _, v := range s.Versions {
		span := "–"
		if !v.First.IsZero() {
			span = stamp(v.First) + " to " + clock(v.Last.Add(time.Minute))
		}
		t.Rows = append(t.Rows, []string{v.Version, v.Topic, num(v.Forwarded), num(v.NotOwned), num(v.Duplicates),
			num(v.Collisions), span})
	}
	text := fmt.Sprintf("The switch forwarded %s of the sources to %s. A live record is its version's record unchanged; "+
		"what came from which version is known only from here.", count(int64(s.Partitions), "partition"), s.Live)
	blocks := []block{para{Text: text}, t}
	if s.Parked > 0 {
		blocks = append(blocks, para{Text: fmt.Sprintf("Parked: %s whose source time lies past what the route covers yet, "+
			"decided once it does.", count(int64(s.Parked), "record")), Class: "note"})
	}
	return section{ID: "switch", Title: "Switch: forwards per version", Blocks: blocks}
}

func seriesSection(d *Data) section {
	s := d.Series
	sec := section{ID: "timeline", Title: "Divergent and missing over source event time"}
	if len(s.Buckets) == 0 {
		sec.Blocks = []block{para{Text: "No records compared yet: nothing to chart.", Class: "note"}}
		return sec
	}
	var div, mc, mv int64
	for _, b := range s.Buckets {
		div, mc, mv = div+b.Divergent, mc+b.MissingInCandidate, mv+b.MissingInControl
	}
	span := s.Buckets[len(s.Buckets)-1].Start.Add(s.Grain).Sub(s.Buckets[0].Start)
	sec.Blocks = []block{
		para{Text: fmt.Sprintf("%s divergent, %s missing in candidate (v2) and %s missing in control (v1) over %s of source event time, from %s, in buckets of %s. "+
			"Vertical lines mark route changes: dashed for a stage, solid red for a rollback.",
			num(div), num(mc), num(mv), dur(span), stamp(s.Buckets[0].Start), dur(s.Grain))},
		chart{Series: s},
	}
	return sec
}

func pathsSection(d *Data) section {
	sec := section{ID: "paths", Title: "Top diverging paths"}
	if len(d.Paths) == 0 {
		sec.Blocks = []block{para{Text: "No path diverged: every difference found was accepted by a rule, or there was none.", Class: "ok"}}
		return sec
	}
	t := table{Header: []string{"path", "divergent pairs", "share of pairs", "accepted pairs", "example identity"},
		Numeric: []bool{false, true, true, true, false}}
	for _, p := range d.Paths {
		t.Rows = append(t.Rows, []string{p.Path, num(p.Divergent), human.Fraction(p.Share), num(p.Accepted), p.PathStat.Example})
	}
	sec.Blocks = []block{t, para{Text: "One example pair per path: the control (v1) and candidate (v2) values at the path."}}
	for _, p := range d.Paths {
		sec.Blocks = append(sec.Blocks, pairOf(p))
	}
	return sec
}

// pairOf is the side-by-side block of a path's example.
func pairOf(p PathExample) pair {
	b := pair{Path: p.Path, Identity: p.PathStat.Example, Control: "(not found)", Candidate: "(not found)"}
	if p.Example != nil {
		b.Detail = fmt.Sprintf("partition %d, source event time %s", p.Example.Partition, stamp(p.Example.EventTime))
		b.ControlRecord, b.CandidateRecord = indent(p.Example.Control), indent(p.Example.Candidate)
	}
	if p.Field != nil {
		b.Control, b.Candidate = compact(p.Field.Control), compact(p.Field.Candidate)
	}
	return b
}

// compact spells a JSON value on one line, "(absent)" for none.
func compact(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "(absent)"
	}
	var b bytes.Buffer
	if err := json.Compact(&b, raw); err != nil {
		return string(raw)
	}
	return b.String()
}

// indent spells a JSON record indented, "(absent)" for none.
func indent(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "(absent)"
	}
	var b bytes.Buffer
	if err := json.Indent(&b, raw, "", "  "); err != nil {
		return string(raw)
	}
	return b.String()
}

func rulesSection(d *Data) section {
	sec := section{ID: "accepted", Title: "Accepted differences by rule"}
	if len(d.Rules) == 0 {
		sec.Blocks = []block{para{Text: "The run's rules have no accept rule: every difference counts as divergence.", Class: "note"}}
		return sec
	}
	t := table{Header: []string{"rule", "accepted pairs", "reason", "paths", "condition"}, Numeric: []bool{false, true, false, false, false}}
	for _, r := range d.Rules {
		reason := r.Reason
		switch {
		case r.Stored:
		case len(d.Summary.Rules) == 0:
			reason = "(unknown: no rules were stored with the run)"
		default:
			reason = "(unknown: not in the rules stored with the run)"
		}
		t.Rows = append(t.Rows, []string{r.Name, num(r.Pairs), reason, strings.Join(r.Paths, ", "), r.When})
	}
	return section{ID: sec.ID, Title: sec.Title, Blocks: []block{
		para{Text: "Known, explained differences: recorded under the rule's name, not counted as divergence, so they do not hold a cutover back."},
		t,
	}}
}
