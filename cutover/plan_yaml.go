package cutover

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// ParsePlan parses a YAML plan; name is used in error messages (a file
// path). The format, with the defaults of the optional fields:
//
//	run: shadow-2026-11          # required
//	steps:                       # required; percent of key buckets owned by v2
//	  - {percent: 1,   hold: 10m, min_pairs: 5000}
//	  - {percent: 10,  hold: 30m, min_pairs: 50000}
//	  - {percent: 100, hold: 0s,  min_pairs: 0}
//	on_divergence: rollback      # or pause; default rollback
//	margin: 1s                   # lead time of every route transition; default 1s
//	max_comparator_lag: 30s      # default 30s
//	require: accepted            # the level every pair in a window must reach: identical,
//	                             # equivalent or accepted (default: only divergence counts)
//
// Every step needs percent, hold and min_pairs, and may set require for
// itself (e.g. {percent: 100, hold: 0s, min_pairs: 0, require: identical}). Durations are Go durations ("90s",
// "1h30m"). Every problem is reported at once, each a *PlanError naming the
// line, the field and the fix.
func ParsePlan(name string, data []byte) (Plan, error) {
	root, err := parsePlanDoc(name, data)
	if err != nil {
		return Plan{}, err
	}
	p := &planParser{file: name}
	plan := p.plan(root)
	if err := p.err(); err != nil {
		return Plan{}, err
	}
	return plan, nil
}

// parsePlanDoc reads exactly one YAML document and returns its root node.
func parsePlanDoc(file string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &PlanError{File: file, Field: "$", Msg: "empty; a plan needs run and steps (see testdata/plans/example.yaml)"}
		}
		return nil, &PlanError{File: file, Field: "$", Msg: fmt.Sprintf("not valid YAML (%v); fix the syntax", err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &PlanError{File: file, Line: extra.Line, Field: "$", Msg: "more than one YAML document; keep one plan per file"}
	}
	if len(doc.Content) == 0 {
		return nil, &PlanError{File: file, Field: "$", Msg: "empty; a plan needs run and steps (see testdata/plans/example.yaml)"}
	}
	return doc.Content[0], nil
}

// planParser walks a plan's nodes, collecting every problem.
type planParser struct {
	file string
	errs []error
}

// failf records a problem at node n's line.
func (p *planParser) failf(n *yaml.Node, field, format string, args ...any) {
	p.errs = append(p.errs, &PlanError{File: p.file, Line: n.Line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func (p *planParser) err() error { return errors.Join(p.errs...) }

// planFields and stepFields are the keys a plan and a step may have.
var (
	planFields = []string{"run", "steps", "on_divergence", "margin", "max_comparator_lag", "require"}
	stepFields = []string{"percent", "hold", "min_pairs", "require"}
	// stepRequired are the step fields every step must set.
	stepRequired = []string{"percent", "hold", "min_pairs"}
)

// plan reads the root mapping.
func (p *planParser) plan(root *yaml.Node) Plan {
	plan := Plan{OnDivergence: DefaultPolicy, Margin: DefaultMargin, MaxComparatorLag: DefaultMaxComparatorLag}
	fields := p.mapping(root, "$", planFields)
	if fields == nil {
		return plan
	}
	if n, ok := fields["run"]; !ok {
		p.failf(root, "run", "missing; name the shadow run, e.g. run: shadow-2026-11")
	} else {
		plan.Run = p.runName(n)
	}
	if n, ok := fields["steps"]; !ok {
		p.failf(root, "steps", "missing; list the steps, e.g. steps: [{percent: 100, hold: 0s, min_pairs: 1000}]")
	} else {
		plan.Steps = p.steps(n)
	}
	if n, ok := fields["on_divergence"]; ok {
		plan.OnDivergence = p.policy(n)
	}
	if n, ok := fields["margin"]; ok {
		plan.Margin = p.duration(n, "margin", minMargin, "margin: 1s")
	}
	if n, ok := fields["max_comparator_lag"]; ok {
		plan.MaxComparatorLag = p.duration(n, "max_comparator_lag", time.Nanosecond, "max_comparator_lag: 30s")
	}
	if n, ok := fields["require"]; ok {
		plan.Require = p.level(n, "require")
	}
	return plan
}

// mapping checks that n is a mapping with only known, distinct keys, and
// returns its values by key; nil if n is not a mapping.
func (p *planParser) mapping(n *yaml.Node, field string, known []string) map[string]*yaml.Node {
	if n.Kind != yaml.MappingNode {
		p.failf(n, field, "want a mapping with the keys %s", strings.Join(known, ", "))
		return nil
	}
	out := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := sub(field, k.Value)
		switch {
		case k.Kind != yaml.ScalarNode || !contains(known, k.Value):
			p.failf(k, name, "unknown field; the fields are %s", strings.Join(known, ", "))
		case out[k.Value] != nil:
			p.failf(k, name, "given twice; keep one")
		default:
			out[k.Value] = v
		}
	}
	return out
}

// sub names field's child key.
func sub(field, key string) string {
	if field == "$" {
		return key
	}
	return field + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// runName reads the run's name: a non-empty string without control
// characters or surrounding spaces.
func (p *planParser) runName(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || n.Value == "" {
		p.failf(n, "run", "want the run's name as a string, e.g. run: shadow-2026-11")
		return ""
	}
	if strings.TrimSpace(n.Value) != n.Value || strings.ContainsFunc(n.Value, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		p.failf(n, "run", "%q has surrounding spaces or control characters; use the run's name as oink compare --run got it", n.Value)
		return ""
	}
	return n.Value
}

// steps reads the step list and checks the percents' order.
func (p *planParser) steps(n *yaml.Node) []Step {
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.failf(n, "steps", "want a list of at least one step, the last at percent 100")
		return nil
	}
	steps := make([]Step, 0, len(n.Content))
	prev := 0.0
	for i, sn := range n.Content {
		field := fmt.Sprintf("steps[%d]", i)
		s, pn, ok := p.step(sn, field)
		if ok {
			if msg := percentProblem(s.Percent, prev, i == len(n.Content)-1); msg != "" {
				p.failf(pn, field+".percent", "%s", msg)
			}
			prev = s.Percent
		}
		steps = append(steps, s)
	}
	return steps
}

// step reads one step; it returns its percent's node and whether the
// percent is a number in range (so that the order can be checked).
func (p *planParser) step(n *yaml.Node, field string) (Step, *yaml.Node, bool) {
	var s Step
	fields := p.mapping(n, field, stepFields)
	if fields == nil {
		return s, nil, false
	}
	for _, key := range stepRequired {
		if _, ok := fields[key]; !ok {
			p.failf(n, sub(field, key), "missing; every step sets percent, hold and min_pairs, e.g. {percent: 10, hold: 30m, min_pairs: 50000}")
		}
	}
	if r, ok := fields["require"]; ok {
		s.Require = p.level(r, sub(field, "require"))
	}
	if h, ok := fields["hold"]; ok {
		s.Hold = p.duration(h, sub(field, "hold"), 0, "hold: 10m")
	}
	if m, ok := fields["min_pairs"]; ok {
		s.MinPairs = p.minPairs(m, sub(field, "min_pairs"))
	}
	pn, ok := fields["percent"]
	if !ok {
		return s, nil, false
	}
	s.Percent, ok = p.percent(pn, sub(field, "percent"))
	return s, pn, ok
}

// percent reads a number in (0, 100].
func (p *planParser) percent(n *yaml.Node, field string) (float64, bool) {
	tag := n.ShortTag()
	if n.Kind != yaml.ScalarNode || (tag != "!!int" && tag != "!!float") {
		p.failf(n, field, "want a number above 0 and at most 100, e.g. percent: 10")
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 || v > 100 {
		p.failf(n, field, "%s is out of range; want a percent above 0 and at most 100", n.Value)
		return 0, false
	}
	return v, true
}

// minPairs reads a non-negative integer.
func (p *planParser) minPairs(n *yaml.Node, field string) int64 {
	v, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 10, 64)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || err != nil || v < 0 {
		p.failf(n, field, "%q: want a whole number of pairs, 0 or more, e.g. min_pairs: 5000", n.Value)
		return 0
	}
	return v
}

// duration reads a Go duration of at least least.
func (p *planParser) duration(n *yaml.Node, field string, least time.Duration, example string) time.Duration {
	if n.Kind != yaml.ScalarNode {
		p.failf(n, field, "want a duration such as %s", example)
		return 0
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		p.failf(n, field, "%q is not a duration; write one with a unit, e.g. %s", n.Value, example)
		return 0
	}
	if d < least {
		p.failf(n, field, "%v is too small; want at least %v, e.g. %s", d, least, example)
		return 0
	}
	return d
}

// level reads a required level.
func (p *planParser) level(n *yaml.Node, field string) Level {
	l := Level(n.Value)
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" || l == "" || !l.valid() {
		p.failf(n, field, "%q: %s, e.g. require: identical", n.Value, levelHint)
		return ""
	}
	return l
}

// policy reads on_divergence.
func (p *planParser) policy(n *yaml.Node) Policy {
	switch v := Policy(n.Value); {
	case n.Kind == yaml.ScalarNode && (v == PolicyRollback || v == PolicyPause):
		return v
	}
	p.failf(n, "on_divergence", "%q: want rollback (0%% at once) or pause (hold the stage)", n.Value)
	return DefaultPolicy
}

// planYAML is a plan as its YAML file writes it.
type planYAML struct {
	Run              string     `yaml:"run"`
	Steps            []stepYAML `yaml:"steps"`
	OnDivergence     string     `yaml:"on_divergence"`
	Margin           string     `yaml:"margin"`
	MaxComparatorLag string     `yaml:"max_comparator_lag"`
	Require          Level      `yaml:"require,omitempty"`
}

type stepYAML struct {
	Percent  float64 `yaml:"percent"`
	Hold     string  `yaml:"hold"`
	MinPairs int64   `yaml:"min_pairs"`
	Require  Level   `yaml:"require,omitempty"`
}

// MarshalYAML writes the plan as ParsePlan reads it, every field explicit.
func (p Plan) MarshalYAML() (any, error) {
	out := planYAML{Run: p.Run, OnDivergence: string(p.OnDivergence),
		Margin: p.Margin.String(), MaxComparatorLag: p.MaxComparatorLag.String(), Require: p.Require}
	for _, s := range p.Steps {
		out.Steps = append(out.Steps, stepYAML{Percent: s.Percent, Hold: s.Hold.String(), MinPairs: s.MinPairs, Require: s.Require})
	}
	return out, nil
}
