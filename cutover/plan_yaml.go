package cutover

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/oinkhq/oink/internal/yamlstrict"
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
	root, err := yamlstrict.Document(name, data, "a plan needs run and steps (see testdata/plans/example.yaml)", "plan")
	if err != nil {
		return Plan{}, err
	}
	p := &planParser{yamlstrict.Walker{File: name}}
	plan := p.plan(root)
	if err := p.Err(); err != nil {
		return Plan{}, err
	}
	return plan, nil
}

// planParser walks a plan's nodes, collecting every problem.
type planParser struct {
	yamlstrict.Walker
}

// planFields and stepFields are the keys a plan and a step may have.
var (
	planFields = []string{"run", "steps", "on_divergence", "margin", "max_comparator_lag", "require"}
	stepFields = []string{"percent", "hold", "min_pairs", "require"}
	// stepRequired are the step fields every step must set.
	stepRequired = []string{"percent", "hold", "min_pairs"}
)

// stepExample is a step as a plan writes it.
const stepExample = "{percent: 10, hold: 30m, min_pairs: 50000}"

// plan reads the root mapping.
func (p *planParser) plan(root *yaml.Node) Plan {
	plan := Plan{OnDivergence: DefaultPolicy, Margin: DefaultMargin, MaxComparatorLag: DefaultMaxComparatorLag}
	fields := p.Fields(root, "$", planFields, "run: shadow-2026-11")
	if fields == nil {
		return plan
	}
	if n, ok := fields["run"]; !ok {
		p.Failf(root, "run", "missing; name the shadow run, e.g. run: shadow-2026-11")
	} else {
		plan.Run = p.runName(n)
	}
	if n, ok := fields["steps"]; !ok {
		p.Failf(root, "steps", "missing; list the steps, e.g. steps: [{percent: 100, hold: 0s, min_pairs: 1000}]")
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

// runName reads the run's name: a non-empty string without control
// characters or surrounding spaces.
func (p *planParser) runName(n *yaml.Node) string {
	if !p.Usable(n, "run") {
		return ""
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != yamlstrict.TagStr || n.Value == "" {
		p.Failf(n, "run", "want the run's name as a string, e.g. run: shadow-2026-11")
		return ""
	}
	if strings.TrimSpace(n.Value) != n.Value || strings.ContainsFunc(n.Value, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		p.Failf(n, "run", "%q has surrounding spaces or control characters; use the run's name as oink compare --run got it", n.Value)
		return ""
	}
	return n.Value
}

// steps reads the step list and checks the percents' order.
func (p *planParser) steps(n *yaml.Node) []Step {
	if !p.Usable(n, "steps") {
		return nil
	}
	if n.Kind != yaml.SequenceNode || len(n.Content) == 0 {
		p.Failf(n, "steps", "want a list of at least one step, the last at percent 100")
		return nil
	}
	steps := make([]Step, 0, len(n.Content))
	prev := 0.0
	for i, sn := range n.Content {
		field := fmt.Sprintf("steps[%d]", i)
		s, pn, ok := p.step(sn, field)
		if ok {
			if msg := percentProblem(s.Percent, prev, i == len(n.Content)-1); msg != "" {
				p.Failf(pn, field+".percent", "%s", msg)
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
	fields := p.Fields(n, field, stepFields, stepExample)
	if fields == nil {
		return s, nil, false
	}
	for _, key := range stepRequired {
		if _, ok := fields[key]; !ok {
			p.Failf(n, yamlstrict.Sub(field, key), "missing; every step sets percent, hold and min_pairs, e.g. %s", stepExample)
		}
	}
	if r, ok := fields["require"]; ok {
		s.Require = p.level(r, yamlstrict.Sub(field, "require"))
	}
	if h, ok := fields["hold"]; ok {
		s.Hold = p.duration(h, yamlstrict.Sub(field, "hold"), 0, "hold: 10m")
	}
	if m, ok := fields["min_pairs"]; ok {
		s.MinPairs = p.minPairs(m, yamlstrict.Sub(field, "min_pairs"))
	}
	pn, ok := fields["percent"]
	if !ok {
		return s, nil, false
	}
	s.Percent, ok = p.percent(pn, yamlstrict.Sub(field, "percent"))
	return s, pn, ok
}

// percent reads a number in (0, 100].
func (p *planParser) percent(n *yaml.Node, field string) (float64, bool) {
	const want = "want a number above 0 and at most 100, e.g. percent: 10"
	text, tag, ok := p.Scalar(n, field, want)
	if !ok {
		return 0, false
	}
	if tag != yamlstrict.TagInt && tag != yamlstrict.TagFloat {
		p.Failf(n, field, "%s", want)
		return 0, false
	}
	v, err := strconv.ParseFloat(strings.ReplaceAll(text, "_", ""), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || v <= 0 || v > 100 {
		p.Failf(n, field, "%s is out of range; want a percent above 0 and at most 100", text)
		return 0, false
	}
	return v, true
}

// minPairs reads a non-negative integer.
func (p *planParser) minPairs(n *yaml.Node, field string) int64 {
	want := fmt.Sprintf("%q: want a whole number of pairs, 0 or more, e.g. min_pairs: 5000", n.Value)
	text, tag, ok := p.Scalar(n, field, want)
	if !ok {
		return 0
	}
	v, err := strconv.ParseInt(strings.ReplaceAll(text, "_", ""), 10, 64)
	if tag != yamlstrict.TagInt || err != nil || v < 0 {
		p.Failf(n, field, "%s", want)
		return 0
	}
	return v
}

// duration reads a Go duration of at least least.
func (p *planParser) duration(n *yaml.Node, field string, least time.Duration, example string) time.Duration {
	text, _, ok := p.Scalar(n, field, "want a duration such as "+example)
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(text)
	if err != nil {
		p.Failf(n, field, "%q is not a duration; write one with a unit, e.g. %s", text, example)
		return 0
	}
	if d < least {
		p.Failf(n, field, "%v is too small; want at least %v, e.g. %s", d, least, example)
		return 0
	}
	return d
}

// level reads a required level.
func (p *planParser) level(n *yaml.Node, field string) Level {
	want := fmt.Sprintf("%q: %s, e.g. require: identical", n.Value, levelHint)
	text, tag, ok := p.Scalar(n, field, want)
	if !ok {
		return ""
	}
	if l := Level(text); tag == yamlstrict.TagStr && l != "" && l.valid() {
		return l
	}
	p.Failf(n, field, "%s", want)
	return ""
}

// policy reads on_divergence.
func (p *planParser) policy(n *yaml.Node) Policy {
	want := fmt.Sprintf("%q: want rollback (0%% at once) or pause (hold the stage)", n.Value)
	text, _, ok := p.Scalar(n, "on_divergence", want)
	if !ok {
		return DefaultPolicy
	}
	if v := Policy(text); v == PolicyRollback || v == PolicyPause {
		return v
	}
	p.Failf(n, "on_divergence", "%s", want)
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
