package report

import (
	"fmt"
	"strconv"
	"strings"
)

func cutoverSection(d *Data) section {
	sec := section{ID: "cutover", Title: "Cutover timeline"}
	c := d.Cutover
	if c == nil {
		sec.Blocks = []block{para{Text: "No cutover plan was applied to this run: v2 owned no live traffic.", Class: "note"}}
		return sec
	}
	st := c.State
	pos := &Position{Stage: st.Stage, Phase: st.Phase}
	if c.Plan != nil && st.Stage >= 0 && st.Stage < len(c.Plan.Steps) {
		pos.Percent = c.Plan.Steps[st.Stage].Percent
	}
	now := fmt.Sprintf("Now at %s, plan version %d; last change %s by %s", positionText(pos), st.PlanVersion,
		stamp(st.UpdatedAt), st.UpdatedBy)
	if st.Reason != "" {
		now += ": " + st.Reason
	}
	sec.Blocks = append(sec.Blocks, para{Text: now + "."})
	if c.Plan != nil {
		sec.Blocks = append(sec.Blocks, planTable(c.Plan),
			para{Text: fmt.Sprintf("On divergence the plan says: %s. Each route change takes effect %s after it is decided, at a source event time.",
				c.Plan.OnDivergence, holdText(c.Plan.Margin))})
	}
	if len(c.Stages) > 0 {
		sec.Blocks = append(sec.Blocks, para{Text: "Stages: the route's changes, each in force from its source event time to the next one's."}, stagesTable(c.Stages))
	}
	if len(c.Events) > 0 {
		note := "Audit log, oldest first: every decision of the controller and every operator command, with who and why."
		if c.Truncated {
			note += fmt.Sprintf(" Only the newest %s entries are shown.", num(int64(len(c.Events))))
		}
		sec.Blocks = append(sec.Blocks, para{Text: note}, eventsTable(c.Events))
	}
	return sec
}

func planTable(p *Plan) table {
	t := table{Header: []string{"step", "v2 share of key buckets", "hold", "min pairs"}, Numeric: []bool{true, true, false, true}}
	for i, s := range p.Steps {
		t.Rows = append(t.Rows, []string{strconv.Itoa(i + 1), percent(s.Percent), holdText(s.Hold), num(s.MinPairs)})
	}
	return t
}

func stagesTable(stages []Stage) table {
	t := table{Header: []string{"#", "v2 share", "in force from (source event time)", "until", "held", "decided by", "who", "why"},
		Numeric: []bool{true, true, false, false, true, false, false, false}}
	for _, s := range stages {
		until, held := "now", "–"
		if s.Until != nil {
			until, held = stamp(*s.Until), dur(s.Held())
		}
		tr := s.Transition
		t.Rows = append(t.Rows, []string{strconv.FormatInt(tr.Seq, 10), percent(tr.Percent), stamp(tr.EffectiveFrom), until, held,
			orDash(s.Action), tr.Actor, tr.Reason})
		t.RowClass = append(t.RowClass, rowClass(s.Action))
	}
	return t
}

func eventsTable(events []Event) table {
	t := table{Header: []string{"at", "who", "action", "change", "takes effect (source event time)", "gate", "why"}}
	for _, e := range events {
		change := ""
		if e.From != nil && e.To != nil {
			change = positionText(e.From) + " → " + positionText(e.To)
		}
		effect := ""
		if e.Transition != nil {
			effect = stamp(e.Transition.EffectiveFrom)
		}
		gate := ""
		if g := e.Gate; g != nil {
			gate = fmt.Sprintf("%s: %s pairs, %s divergent, %s missing in v2", g.Verdict, num(g.Pairs), num(g.Divergent), num(g.MissingInCandidate))
		}
		t.Rows = append(t.Rows, []string{stamp(e.At), e.Actor, e.Action, change, effect, gate, e.Reason})
		t.RowClass = append(t.RowClass, rowClass(e.Action))
	}
	return t
}

// rowClass marks the rows of rollbacks and aborts.
func rowClass(action string) string {
	if action == "rollback" || action == "abort" {
		return "bad"
	}
	return ""
}

func orDash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func deadLettersSection(d *Data) section {
	sec := section{ID: "dead-letters", Title: "Dead letters by error code and field"}
	if d.DeadLetters == nil {
		sec.Blocks = []block{para{Text: "Dead letters were not read for this report (no --dlq topic).", Class: "note"}}
		return sec
	}
	sec.Blocks = []block{para{Text: "Input records a component could not process: upstream data problems to fix at their source. " +
		"Each topic is read whole, so it may hold letters of other runs; array indices in fields are shown as [*]."}}
	for _, t := range d.DeadLetters {
		switch {
		case t.Missing:
			sec.Blocks = append(sec.Blocks, para{Text: t.Topic + ": the topic does not exist; nothing was dead-lettered there.", Class: "ok"})
			continue
		case t.Total == 0:
			sec.Blocks = append(sec.Blocks, para{Text: t.Topic + ": no dead letters.", Class: "ok"})
			continue
		}
		sec.Blocks = append(sec.Blocks, para{Text: fmt.Sprintf("%s: %s, record times from %s to %s.",
			t.Topic, count(t.Total, "dead letter"), stamp(t.First), stamp(t.Last)), Class: "bad"})
		tb := table{Header: []string{"error code", "field", "letters", "share", "example message", "example record"},
			Numeric: []bool{false, false, true, true, false, false}}
		for _, g := range t.Groups {
			tb.Rows = append(tb.Rows, []string{g.Code, orDash(g.Field), num(g.Count), pct(g.Count, t.Total), g.Example, g.ExampleSource})
		}
		sec.Blocks = append(sec.Blocks, tb)
	}
	return sec
}

// glossary is every term a report uses, in one line each.
var glossary = [][2]string{
	{"control (v1)", "the legacy producer's output topic: the reference"},
	{"candidate (v2)", "the new producer's output topic: what is checked"},
	{"live topic", "the topic downstream systems read; only the switch writes it, each record from the version that owns it"},
	{"identity", "what joins a control record to its candidate partner: the rules' key fields, joined with |"},
	{"source event time", "the upstream event's time, carried by both versions' records; charts and stages are in it"},
	{"pair", "a control and a candidate record of the same identity"},
	{"equal", "a pair with no difference under the rules"},
	{"accepted", "a pair whose every difference an accept rule explains; not counted as divergence"},
	{"divergent", "a pair with a difference no rule accepts; it holds the cutover back"},
	{"missing in candidate (v2)", "a control record whose candidate partner never came within the match window; it holds the cutover back"},
	{"missing in control (v1)", "a candidate record whose control partner never came; v1's gap, not v2's"},
	{"pending", "a record still waiting for its partner when the report was made"},
	{"duplicate", "another record of an identity already seen on the same side"},
	{"undecodable", "a record that is not JSON; the comparator dead-letters it"},
	{"accounting identity", "per side, read = paired + missing on the other side + pending + duplicates + undecodable (invariant 2)"},
	{"accept rule", "a named difference with its reason (such as a v1 bug v2 fixes), stored with the run's rules"},
	{"path", "where in a record a field differs, as a JSON path: lines[line_no=2].tax_minor"},
	{"share of pairs", "divergent pairs at a path over all pairs of the run"},
	{"key bucket", "murmur2(order key) mod 10,000; v2 owns the buckets below its percent × 100"},
	{"stage", "a step of the cutover plan: the share of key buckets v2 owns on the live topic"},
	{"hold", "how long a stage must pass its gate before the next stage"},
	{"gate", "the check for the next stage: enough pairs, none divergent, none missing in v2, comparator alive and caught up, hold passed"},
	{"route change", "a change of the share v2 owns, in force from a source event time chosen a margin ahead"},
	{"rollback", "back to 0 %: v1 owns every key again, by the plan's policy on divergence or by an operator"},
	{"dead letter", "an input record a component could not process, kept whole with its error context"},
	{"error code", "the stable class of a dead letter's problem (header __connect.errors.exception.class.name)"},
	{"field", "the JSON path of the offending field (header oink.errors.field); $ for the record as a whole"},
}

// levelGlossary explains the Levels section's terms.
var levelGlossary = [][2]string{
	{"identical", "a pair whose key, value bytes, headers and timestamp are equal: a consumer cannot tell them apart"},
	{"equivalent", "a pair equal after the rules but differing in bytes or metadata (member order, number spelling, an ignored field)"},
}

// unleveledGlossary explains the Levels section's row of old pairs.
var unleveledGlossary = [2]string{"equal, of no known level", "an equal pair compared before the store recorded levels"}

// switchGlossary explains the Switch section's terms.
var switchGlossary = [][2]string{
	{"forwarded", "records the switch wrote to the live topic from a version: the route gave their key's bucket to it at their source time"},
	{"not owned", "records the switch skipped: the other version owned their key's bucket, so its copy went live"},
	{"duplicates (dropped)", "a version's own repeated records (same identity and bytes as one forwarded), dropped"},
	{"identity collision", "a record whose identity was forwarded before with other bytes; forwarded and counted"},
	{"parked", "a record whose source time lies past what the route covers yet; decided once it does"},
}

func glossarySection(d *Data) section {
	terms := append([][2]string{}, glossary...)
	if d.Levels != nil {
		terms = append(terms, levelGlossary...)
		if d.Levels.Unleveled > 0 {
			terms = append(terms, unleveledGlossary)
		}
	}
	if d.Switch != nil {
		terms = append(terms, switchGlossary...)
	}
	t := table{Header: []string{"term", "meaning"}}
	for _, g := range terms {
		t.Rows = append(t.Rows, []string{g[0], g[1]})
	}
	return section{ID: "glossary", Title: "Glossary", Blocks: []block{t}}
}

// oneLine collapses a cell's newlines and pipes for a Markdown table.
func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}
