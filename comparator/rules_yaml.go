package comparator

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// RuleError is one problem in a rules file. ParseRules joins every
// RuleError it finds (errors.Join), so use errors.As to reach the first.
type RuleError struct {
	File  string // the name given to ParseRules
	Line  int    // 1-based; 0 when the problem is not at one line
	Field string // e.g. "accept[1].paths"; "$" for the whole file
	Msg   string // what is wrong and how to fix it
}

// Error returns "file:line: field: msg".
func (e *RuleError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s: %s", e.File, e.Line, e.Field, e.Msg)
}

// YAML tags of the scalars a rules file uses.
const (
	tagStr   = "!!str"
	tagInt   = "!!int"
	tagFloat = "!!float"
	tagBool  = "!!bool"
	tagNull  = "!!null"
)

// parseYAML reads exactly one YAML document and returns its root node.
func parseYAML(file string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &RuleError{File: file, Field: "$", Msg: "empty; a rules file needs at least a name (see shipped/rules/rtcim.yaml)"}
		}
		return nil, &RuleError{File: file, Field: "$", Msg: fmt.Sprintf("not valid YAML (%v); fix the syntax", err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &RuleError{File: file, Line: extra.Line, Field: "$", Msg: "more than one YAML document; keep one set of rules per file"}
	}
	if len(doc.Content) == 0 {
		return nil, &RuleError{File: file, Field: "$", Msg: "empty; a rules file needs at least a name (see shipped/rules/rtcim.yaml)"}
	}
	return doc.Content[0], nil
}

// ruleParser walks a rules file's nodes, collecting every problem.
type ruleParser struct {
	file string
	errs []*RuleError
}

// failf records a problem at node n's line.
func (p *ruleParser) failf(n *yaml.Node, field, format string, args ...any) {
	p.errs = append(p.errs, &RuleError{File: p.file, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// err returns every problem found, in line order, or nil.
func (p *ruleParser) err() error {
	slices.SortStableFunc(p.errs, func(a, b *RuleError) int { return cmp.Compare(a.Line, b.Line) })
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// isNull reports whether n is an explicit null ("~", "null" or nothing),
// which an optional field treats as unset.
func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == tagNull
}

// usable rejects aliases, which rules files do not need and which could
// expand without bound.
func (p *ruleParser) usable(n *yaml.Node, field string) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		p.failf(n, field, "anchors and aliases are not supported; write the value out")
		return false
	}
	return true
}

// entry is one key/value pair of a YAML mapping.
type entry struct {
	key, value *yaml.Node
}

// mapping returns n's entries, reporting a node that is not a mapping, and
// non-string or repeated keys.
func (p *ruleParser) mapping(n *yaml.Node, field, example string) []entry {
	if !p.usable(n, field) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		p.failf(n, field, "must be a mapping, e.g. %s", example)
		return nil
	}
	seen := make(map[string]bool, len(n.Content)/2)
	var out []entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !p.usable(k, field) {
			continue
		}
		if k.Kind != yaml.ScalarNode || k.ShortTag() != tagStr {
			p.failf(k, field, "keys must be strings; quote the key")
			continue
		}
		if seen[k.Value] {
			p.failf(k, subField(field, k.Value), "given twice; keep one")
			continue
		}
		seen[k.Value] = true
		out = append(out, entry{k, v})
	}
	return out
}

// subField names a member of field: "accept[0]" + "name" = "accept[0].name".
func subField(field, name string) string {
	if field == "" || field == "$" {
		return name
	}
	return field + "." + name
}

// sequence returns n's items, reporting a node that is not a sequence.
func (p *ruleParser) sequence(n *yaml.Node, field, example string) []*yaml.Node {
	if !p.usable(n, field) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.failf(n, field, "must be a list, e.g. %s", example)
		return nil
	}
	return n.Content
}

// str returns n's string value, reporting anything else.
func (p *ruleParser) str(n *yaml.Node, field, example string) (string, bool) {
	if !p.usable(n, field) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != tagStr {
		p.failf(n, field, "must be a string, e.g. %s (quote it if YAML reads it as something else)", example)
		return "", false
	}
	return n.Value, true
}

// boolean returns n's boolean value, reporting anything else.
func (p *ruleParser) boolean(n *yaml.Node, field string) (bool, bool) {
	if !p.usable(n, field) {
		return false, false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != tagBool || n.Decode(&b) != nil {
		p.failf(n, field, "must be true or false")
		return false, false
	}
	return b, true
}

// number returns n as a non-negative decimal, reporting anything else.
func (p *ruleParser) number(n *yaml.Node, field, example string) (decimal, bool) {
	if !p.usable(n, field) {
		return decimal{}, false
	}
	tag := n.ShortTag()
	d, ok := parseDecimal(n.Value)
	if n.Kind != yaml.ScalarNode || (tag != tagInt && tag != tagFloat) || !ok || d.neg {
		p.failf(n, field, "must be a non-negative number written like %s", example)
		return decimal{}, false
	}
	return d, true
}

// pattern parses n as a path pattern that a rule may use as use.
func (p *ruleParser) pattern(n *yaml.Node, field string, use patternUse) (pattern, bool) {
	s, ok := p.str(n, field, `"lines[*].tax_minor"`)
	if !ok {
		return pattern{}, false
	}
	pat, err := parsePattern(s)
	if err != nil {
		p.failf(n, field, "%v", err)
		return pattern{}, false
	}
	if msg := metaProblem(pat, use); msg != "" {
		p.failf(n, field, "%s", msg)
		return pattern{}, false
	}
	return pat, true
}

// patterns parses n as a list of distinct path patterns used as use.
func (p *ruleParser) patterns(n *yaml.Node, field, example string, use patternUse) []pattern {
	var out []pattern
	seen := make(map[string]bool)
	for i, item := range p.sequence(n, field, example) {
		f := fmt.Sprintf("%s[%d]", field, i)
		pat, ok := p.pattern(item, f, use)
		if !ok {
			continue
		}
		if seen[pat.text] {
			p.failf(item, f, "%q is listed twice; keep one", pat.text)
			continue
		}
		seen[pat.text] = true
		out = append(out, pat)
	}
	return out
}

// topLevelField parses n as the name of a record's top-level member.
func (p *ruleParser) topLevelField(n *yaml.Node, field, example string) (string, bool) {
	s, ok := p.str(n, field, example)
	switch {
	case !ok:
		return "", false
	case strings.TrimSpace(s) == "":
		p.failf(n, field, "empty; name a top-level field of the record, e.g. %s", example)
		return "", false
	case strings.ContainsAny(s, ".[]*"):
		p.failf(n, field, "%q is a path; name a top-level field of the record, e.g. %s", s, example)
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
