package comparator

import (
	"fmt"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Known fields of each mapping in a rules file, as listed in errors.
var (
	rulesFields     = []string{"name", "key", "event_time", "ignore", "tolerance", "unordered", "null_equals_absent", "normalize", "accept"}
	normalizeFields = []string{"trim", "case_insensitive"}
	acceptFields    = []string{"name", "paths", "when", "reason"}
	whenFields      = []string{"tolerance", "max_days", "pattern"}
)

// unknownField reports a key that is not one of known.
func (p *ruleParser) unknownField(k *yaml.Node, parent string, known []string) {
	p.failf(k, subField(parent, k.Value), "unknown field; known fields are %s", strings.Join(known, ", "))
}

// rules reads the top-level mapping.
func (p *ruleParser) rules(root *yaml.Node) *Rules {
	r := &Rules{}
	for _, e := range p.mapping(root, "$", "name: rtcim") {
		if isNull(e.value) {
			continue // an optional field left empty keeps its default
		}
		switch e.key.Value {
		case "name":
			r.Name = p.name(e.value, "name", "rtcim")
		case "key":
			r.key = p.keyFields(e.value)
		case "event_time":
			r.eventTime, _ = p.topLevelField(e.value, "event_time", "source_event_time")
		case "ignore":
			r.ignore = p.patterns(e.value, "ignore", `[trace_id, "lines[*].note", $headers.traceparent]`, useDrop)
		case "tolerance":
			r.tolerance = p.tolerances(e.value)
		case "unordered":
			r.unordered = p.unordereds(e.value)
		case "null_equals_absent":
			r.nullEqualsAbsent, _ = p.boolean(e.value, "null_equals_absent")
		case "normalize":
			p.normalize(e.value, r)
		case "accept":
			r.accept = p.accepts(e.value)
		default:
			p.unknownField(e.key, "", rulesFields)
		}
	}
	return r
}

// name reads the name of the rules or of an accept rule.
func (p *ruleParser) name(n *yaml.Node, field, example string) string {
	s, ok := p.str(n, field, example)
	if ok && !isName(s) {
		p.failf(n, field, "%q is not a name; use 1 to 100 letters, digits, '.', '_' or '-', e.g. %s", s, example)
		return ""
	}
	return s
}

// keyFields reads key: a non-empty list of distinct top-level fields.
func (p *ruleParser) keyFields(n *yaml.Node) []string {
	const example = "[order_id, source_event_id]"
	items := p.sequence(n, "key", example)
	if n.Kind == yaml.SequenceNode && len(items) == 0 {
		p.failf(n, "key", "empty; list the fields that identify a record, e.g. %s, or omit key to use the Kafka key", example)
	}
	var out []string
	for i, item := range items {
		f := fmt.Sprintf("key[%d]", i)
		s, ok := p.topLevelField(item, f, "order_id")
		if !ok {
			continue
		}
		if containsString(out, s) {
			p.failf(item, f, "%q is listed twice; keep one", s)
			continue
		}
		out = append(out, s)
	}
	return out
}

// tolerances reads tolerance: path pattern → non-negative number.
func (p *ruleParser) tolerances(n *yaml.Node) []tolerance {
	var out []tolerance
	seen := make(map[string]bool)
	for _, e := range p.mapping(n, "tolerance", `{"totals.tax_minor": 1}`) {
		f := fmt.Sprintf("tolerance[%q]", e.key.Value)
		pat, okPat := p.pattern(e.key, f, useTolerance)
		limit, okNum := p.number(e.value, f, "1 or 0.5")
		if !okPat || !okNum {
			continue
		}
		if seen[pat.text] {
			p.failf(e.key, f, "%q is given twice; keep one", pat.text)
			continue
		}
		seen[pat.text] = true
		out = append(out, tolerance{path: pat, limit: limit, rat: limit.rat()})
	}
	return out
}

// unordereds reads unordered: array path pattern → element key field.
func (p *ruleParser) unordereds(n *yaml.Node) []unordered {
	var out []unordered
	seen := make(map[string]bool)
	for _, e := range p.mapping(n, "unordered", "{lines: line_no}") {
		f := fmt.Sprintf("unordered[%q]", e.key.Value)
		pat, okPat := p.pattern(e.key, f, useValue)
		field, okField := p.str(e.value, f, "line_no")
		if okField && !isBareName(field) {
			p.failf(e.value, f, "%q is not a field name; name the element field that tells elements apart, e.g. line_no", field)
			okField = false
		}
		if !okPat || !okField {
			continue
		}
		if seen[pat.text] {
			p.failf(e.key, f, "%q is given twice; keep one", pat.text)
			continue
		}
		seen[pat.text] = true
		out = append(out, unordered{path: pat, field: field})
	}
	return out
}

// normalize reads normalize: {trim, case_insensitive}.
func (p *ruleParser) normalize(n *yaml.Node, r *Rules) {
	for _, e := range p.mapping(n, "normalize", "{trim: true}") {
		if isNull(e.value) {
			continue
		}
		switch e.key.Value {
		case "trim":
			r.trim, _ = p.boolean(e.value, "normalize.trim")
		case "case_insensitive":
			r.caseInsensitive = p.patterns(e.value, "normalize.case_insensitive", "[channel]", useValue)
		default:
			p.unknownField(e.key, "normalize", normalizeFields)
		}
	}
}

// accepts reads accept: a list of rules with distinct names.
func (p *ruleParser) accepts(n *yaml.Node) []acceptRule {
	var out []acceptRule
	names := make(map[string]bool)
	for i, item := range p.sequence(n, "accept", "[{name: v1-utc-business-date, paths: [business_date], reason: ...}]") {
		f := fmt.Sprintf("accept[%d]", i)
		a, ok := p.acceptRule(item, f)
		if !ok {
			continue
		}
		if names[a.name] {
			p.failf(item, f+".name", "%q is already the name of an earlier rule; give each rule its own name", a.name)
			continue
		}
		names[a.name] = true
		out = append(out, a)
	}
	return out
}

// acceptRule reads one entry of accept. It reports false when the entry has
// a problem (already recorded).
func (p *ruleParser) acceptRule(n *yaml.Node, field string) (acceptRule, bool) {
	before := len(p.errs)
	var a acceptRule
	given := make(map[string]*yaml.Node) // where each field was given, for errors about its value
	for _, e := range p.mapping(n, field, "{name: v1-utc-business-date, paths: [business_date], reason: ...}") {
		f := subField(field, e.key.Value)
		given[e.key.Value] = e.value
		switch e.key.Value {
		case "name":
			a.name = p.name(e.value, f, "v1-utc-business-date")
		case "paths":
			if !isNull(e.value) {
				a.paths = p.patterns(e.value, f, "[business_date]", useDrop)
			}
		case "when":
			if !isNull(e.value) {
				a.when = p.condition(e.value, f)
			}
		case "reason":
			if !isNull(e.value) {
				a.reason, _ = p.str(e.value, f, `"v1 computes business_date in UTC (OINK-123)"`)
			}
		default:
			p.unknownField(e.key, field, acceptFields)
		}
	}
	if n.Kind == yaml.MappingNode {
		p.requireAccept(n, field, a, given)
	}
	return a, len(p.errs) == before
}

// requireAccept reports the required parts an accept rule lacks, at the
// line where the part was given empty, else at the rule's first line.
func (p *ruleParser) requireAccept(n *yaml.Node, field string, a acceptRule, given map[string]*yaml.Node) {
	at := func(name string) *yaml.Node {
		if v, ok := given[name]; ok {
			return v
		}
		return n
	}
	if a.name == "" && p.cleanAt(given["name"]) {
		p.failf(at("name"), field+".name", "missing; name the rule, e.g. name: v1-utc-business-date")
	}
	if len(a.paths) == 0 && p.cleanAt(given["paths"]) {
		p.failf(at("paths"), field+".paths", "empty; list the field paths this rule accepts, e.g. [business_date]")
	}
	if strings.TrimSpace(a.reason) == "" && p.cleanAt(given["reason"]) {
		p.failf(at("reason"), field+".reason", "missing; say why the difference is expected, e.g. reason: \"v1 computes business_date in UTC (OINK-123)\"")
	}
}

// cleanAt reports whether no problem was recorded yet at n's line, so a
// value already reported as malformed is not also reported as missing.
func (p *ruleParser) cleanAt(n *yaml.Node) bool {
	if n == nil {
		return true
	}
	for _, e := range p.errs {
		if e.Line == n.Line {
			return false
		}
	}
	return true
}

// condition reads an accept rule's when.
func (p *ruleParser) condition(n *yaml.Node, field string) condition {
	var c condition
	for _, e := range p.mapping(n, field, "{max_days: 1}") {
		f := subField(field, e.key.Value)
		switch e.key.Value {
		case "tolerance":
			if d, ok := p.number(e.value, f, "5"); ok {
				c.tolerance, c.toleranceRat = &d, d.rat()
			}
		case "max_days":
			var days int
			if e.value.Kind != yaml.ScalarNode || e.value.ShortTag() != tagInt || e.value.Decode(&days) != nil || days < 0 {
				p.failf(e.value, f, "must be a whole number of days, 0 or more, e.g. 1")
				continue
			}
			c.maxDays = &days
		case "pattern":
			c.pattern = p.regexp(e.value, f)
		default:
			p.unknownField(e.key, field, whenFields)
		}
	}
	return c
}

// regexp compiles n as an RE2 expression.
func (p *ruleParser) regexp(n *yaml.Node, field string) *regexp.Regexp {
	const example = `'^\d{4}-\d{2}-\d{2}$'`
	s, ok := p.str(n, field, example)
	if !ok {
		return nil
	}
	if s == "" {
		p.failf(n, field, "empty; write an RE2 expression both values must match, e.g. %s", example)
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		p.failf(n, field, "not a valid RE2 expression (%v); fix it, e.g. %s", err, example)
		return nil
	}
	return re
}
