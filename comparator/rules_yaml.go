package comparator

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/oinkhq/oink/internal/yamlstrict"
)

// RuleError is one problem in a rules file: its file, line and column,
// field and fix (see yamlstrict.Error). ParseRules joins every RuleError it
// finds (errors.Join), so use errors.As to reach the first.
type RuleError = yamlstrict.Error

// ruleParser walks a rules file's nodes, collecting every problem.
type ruleParser struct {
	yamlstrict.Walker
}

// number returns n as a non-negative decimal, reporting anything else.
func (p *ruleParser) number(n *yaml.Node, field, example string) (decimal, bool) {
	if !p.Usable(n, field) {
		return decimal{}, false
	}
	tag := n.ShortTag()
	d, ok := parseDecimal(n.Value)
	if n.Kind != yaml.ScalarNode || (tag != yamlstrict.TagInt && tag != yamlstrict.TagFloat) || !ok || d.neg {
		p.Failf(n, field, "must be a non-negative number written like %s", example)
		return decimal{}, false
	}
	return d, true
}

// pattern parses n as a path pattern that a rule may use as use.
func (p *ruleParser) pattern(n *yaml.Node, field string, use patternUse) (pattern, bool) {
	s, ok := p.String(n, field, `"lines[*].tax_minor"`)
	if !ok {
		return pattern{}, false
	}
	pat, err := parsePattern(s)
	if err != nil {
		p.Failf(n, field, "%v", err)
		return pattern{}, false
	}
	if msg := metaProblem(pat, use); msg != "" {
		p.Failf(n, field, "%s", msg)
		return pattern{}, false
	}
	return pat, true
}

// patterns parses n as a list of distinct path patterns used as use.
func (p *ruleParser) patterns(n *yaml.Node, field, example string, use patternUse) []pattern {
	var out []pattern
	seen := make(map[string]bool)
	for i, item := range p.Sequence(n, field, example) {
		f := fmt.Sprintf("%s[%d]", field, i)
		pat, ok := p.pattern(item, f, use)
		if !ok || !p.once(seen, item, f, pat.text, "listed") {
			continue
		}
		out = append(out, pat)
	}
	return out
}

// once records text, found at n, in seen and reports whether it is new
// there; a repeat is a problem: text is given (or listed) twice.
func (p *ruleParser) once(seen map[string]bool, n *yaml.Node, field, text, given string) bool {
	if seen[text] {
		p.Failf(n, field, "%q is %s twice; keep one", text, given)
		return false
	}
	seen[text] = true
	return true
}

// topLevelField parses n as the name of a record's top-level member.
func (p *ruleParser) topLevelField(n *yaml.Node, field, example string) (string, bool) {
	s, ok := p.String(n, field, example)
	switch {
	case !ok:
		return "", false
	case strings.TrimSpace(s) == "":
		p.Failf(n, field, "empty; name a top-level field of the record, e.g. %s", example)
		return "", false
	case strings.ContainsAny(s, ".[]*"):
		p.Failf(n, field, "%q is a path; name a top-level field of the record, e.g. %s", s, example)
		return "", false
	}
	return s, true
}

// isName reports whether s may name rules or an accept rule.
func isName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isBareName(s[i:i+1]) && s[i] != '.' {
			return false
		}
	}
	return true
}
