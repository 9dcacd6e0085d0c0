package comparator

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/oinkhq/oink/internal/yamlstrict"
	"gopkg.in/yaml.v3"
)

// Known fields of each mapping in a rules file, as listed in errors.
var (
	rulesFields     = []string{"name", "key", "event_time", "ignore", "tolerance", "unordered", "null_equals_absent", "normalize", "accept"}
	normalizeFields = []string{"trim", "case_insensitive"}
	acceptFields    = []string{"name", "paths", "when", "reason"}
	whenFields      = []string{"tolerance", "max_days", "pattern"}
)

// rules reads the top-level mapping.
func (p *ruleParser) rules(root *yaml.Node) *Rules {
	r := &Rules{}
	for _, e := range p.Mapping(root, "$", rulesFields, "name: rtcim") {
		if yamlstrict.IsNull(e.Value) {
			continue // an optional field left empty keeps its default
		}
		switch e.Key.Value {
		case "name":
			r.Name = p.name(e.Value, "name", "rtcim")
		case "key":
			r.key = p.keyFields(e.Value)
		case "event_time":
			r.eventTime, _ = p.topLevelField(e.Value, "event_time", "source_event_time")
		case "ignore":
			r.ignore = p.patterns(e.Value, "ignore", `[trace_id, "lines[*].note", $headers.traceparent]`, useDrop)
		case "tolerance":
			r.tolerance = p.tolerances(e.Value)
		case "unordered":
			r.unordered = p.unordereds(e.Value)
		case "null_equals_absent":
			r.nullEqualsAbsent, _ = p.Bool(e.Value, "null_equals_absent")
		case "normalize":
			p.normalize(e.Value, r)
		case "accept":
			r.accept = p.accepts(e.Value)
		}
	}
	return r
}

// name reads the name of the rules or of an accept rule.
func (p *ruleParser) name(n *yaml.Node, field, example string) string {
	s, ok := p.String(n, field, example)
	if ok && !isName(s) {
		p.Failf(n, field, "%q is not a name; use 1 to 100 letters, digits, '.', '_' or '-', e.g. %s", s, example)
		return ""
	}
	return s
}

// keyFields reads key: a non-empty list of distinct top-level fields.
func (p *ruleParser) keyFields(n *yaml.Node) []string {
	const example = "[order_id, source_event_id]"
	items := p.Sequence(n, "key", example)
	if n.Kind == yaml.SequenceNode && len(items) == 0 {
		p.Failf(n, "key", "empty; list the fields that identify a record, e.g. %s, or omit key to use the Kafka key", example)
	}
	var out []string
	seen := make(map[string]bool)
	for i, item := range items {
		f := fmt.Sprintf("key[%d]", i)
		s, ok := p.topLevelField(item, f, "order_id")
		if !ok || !p.once(seen, item, f, s, "listed") {
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
	for _, e := range p.Mapping(n, "tolerance", nil, `{"totals.tax_minor": 1}`) {
		f := fmt.Sprintf("tolerance[%q]", e.Key.Value)
		pat, okPat := p.pattern(e.Key, f, useTolerance)
		limit, okNum := p.number(e.Value, f, "1 or 0.5")
		if !okPat || !okNum || !p.once(seen, e.Key, f, pat.text, "given") {
			continue
		}
		out = append(out, tolerance{path: pat, limit: limit, rat: limit.rat()})
	}
	return out
}

// unordereds reads unordered: array path pattern → element key field.
func (p *ruleParser) unordereds(n *yaml.Node) []unordered {
	var out []unordered
	seen := make(map[string]bool)
	for _, e := range p.Mapping(n, "unordered", nil, "{lines: line_no}") {
		f := fmt.Sprintf("unordered[%q]", e.Key.Value)
		pat, okPat := p.pattern(e.Key, f, useValue)
		field, okField := p.String(e.Value, f, "line_no")
		if okField && !isBareName(field) {
			p.Failf(e.Value, f, "%q is not a field name; name the element field that tells elements apart, e.g. line_no", field)
			okField = false
		}
		if !okPat || !okField || !p.once(seen, e.Key, f, pat.text, "given") {
			continue
		}
		out = append(out, unordered{path: pat, field: field})
	}
	return out
}

// normalize reads normalize: {trim, case_insensitive}.
func (p *ruleParser) normalize(n *yaml.Node, r *Rules) {
	for _, e := range p.Mapping(n, "normalize", normalizeFields, "{trim: true}") {
		if yamlstrict.IsNull(e.Value) {
			continue
		}
		switch e.Key.Value {
		case "trim":
			r.trim, _ = p.Bool(e.Value, "normalize.trim")
		case "case_insensitive":
			r.caseInsensitive = p.patterns(e.Value, "normalize.case_insensitive", "[channel]", useValue)
		}
	}
}

// accepts reads accept: a list of rules with distinct names.
func (p *ruleParser) accepts(n *yaml.Node) []acceptRule {
	var out []acceptRule
	names := make(map[string]bool)
	for i, item := range p.Sequence(n, "accept", "[{name: v1-utc-business-date, paths: [business_date], reason: ...}]") {
		f := fmt.Sprintf("accept[%d]", i)
		a, ok := p.acceptRule(item, f)
		if !ok {
			continue
		}
		if names[a.name] {
			p.Failf(item, f+".name", "%q is already the name of an earlier rule; give each rule its own name", a.name)
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
	before := p.Len()
	var a acceptRule
	given := make(map[string]*yaml.Node) // where each field was given, for errors about its value
	for _, e := range p.Mapping(n, field, acceptFields, "{name: v1-utc-business-date, paths: [business_date], reason: ...}") {
		f := yamlstrict.Sub(field, e.Key.Value)
		given[e.Key.Value] = e.Value
		switch e.Key.Value {
		case "name":
			a.name = p.name(e.Value, f, "v1-utc-business-date")
		case "paths":
			if !yamlstrict.IsNull(e.Value) {
				a.paths = p.patterns(e.Value, f, "[business_date]", useDrop)
			}
		case "when":
			if !yamlstrict.IsNull(e.Value) {
				a.when = p.condition(e.Value, f)
			}
		case "reason":
			if !yamlstrict.IsNull(e.Value) {
				a.reason, _ = p.String(e.Value, f, `"v1 computes business_date in UTC (OINK-123)"`)
			}
		}
	}
	if n.Kind == yaml.MappingNode {
		p.requireAccept(n, field, a, given)
	}
	return a, p.Len() == before
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
	if a.name == "" && p.CleanAt(given["name"]) {
		p.Failf(at("name"), field+".name", "missing; name the rule, e.g. name: v1-utc-business-date")
	}
	if len(a.paths) == 0 && p.CleanAt(given["paths"]) {
		p.Failf(at("paths"), field+".paths", "empty; list the field paths this rule accepts, e.g. [business_date]")
	}
	if strings.TrimSpace(a.reason) == "" && p.CleanAt(given["reason"]) {
		p.Failf(at("reason"), field+".reason", "missing; say why the difference is expected, e.g. reason: \"v1 computes business_date in UTC (OINK-123)\"")
	}
}

// condition reads an accept rule's when.
func (p *ruleParser) condition(n *yaml.Node, field string) condition {
	var c condition
	for _, e := range p.Mapping(n, field, whenFields, "{max_days: 1}") {
		f := yamlstrict.Sub(field, e.Key.Value)
		switch e.Key.Value {
		case "tolerance":
			if d, ok := p.number(e.Value, f, "5"); ok {
				c.tolerance, c.toleranceRat = &d, d.rat()
			}
		case "max_days":
			var days int
			if e.Value.Kind != yaml.ScalarNode || e.Value.ShortTag() != yamlstrict.TagInt || e.Value.Decode(&days) != nil || days < 0 {
				p.Failf(e.Value, f, "must be a whole number of days, 0 or more, e.g. 1")
				continue
			}
			c.maxDays = &days
		case "pattern":
			c.pattern = p.regexp(e.Value, f)
		}
	}
	return c
}

// regexp compiles n as an RE2 expression.
func (p *ruleParser) regexp(n *yaml.Node, field string) *regexp.Regexp {
	const example = `'^\d{4}-\d{2}-\d{2}$'`
	s, ok := p.String(n, field, example)
	if !ok {
		return nil
	}
	if s == "" {
		p.Failf(n, field, "empty; write an RE2 expression both values must match, e.g. %s", example)
		return nil
	}
	re, err := regexp.Compile(s)
	if err != nil {
		p.Failf(n, field, "not a valid RE2 expression (%v); fix it, e.g. %s", err, example)
		return nil
	}
	return re
}
