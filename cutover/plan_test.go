package cutover_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"gopkg.in/yaml.v3"

	"github.com/oinkhq/oink/cutover"
)

func TestParsePlanReadsTheIssuesExample(t *testing.T) {
	t.Parallel()
	got, err := cutover.LoadPlan("../testdata/plans/example.yaml")
	if err != nil {
		t.Fatalf("LoadPlan(example.yaml) = %v", err)
	}
	want := cutover.Plan{Run: "shadow-2026-11", Steps: []cutover.Step{
		{Percent: 1, Hold: 10 * time.Minute, MinPairs: 5000},
		{Percent: 10, Hold: 30 * time.Minute, MinPairs: 50000},
		{Percent: 50, Hold: time.Hour, MinPairs: 200000},
		{Percent: 100, Hold: 0, MinPairs: 0},
	}, OnDivergence: cutover.PolicyRollback, Margin: time.Second, MaxComparatorLag: 30 * time.Second}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LoadPlan(example.yaml) (-want +got):\n%s", diff)
	}
	demo, err := cutover.LoadPlan("../shipped/plans/demo.yaml")
	if err != nil || demo.Steps[len(demo.Steps)-1].Percent != 100 {
		t.Errorf("LoadPlan(demo.yaml) = %+v, %v", demo, err)
	}
}

func TestParsePlanAppliesDefaults(t *testing.T) {
	t.Parallel()
	got, err := cutover.ParsePlan("p.yaml", []byte("run: r\nsteps: [{percent: 100, hold: 0s, min_pairs: 1}]\n"))
	if err != nil {
		t.Fatalf("ParsePlan = %v", err)
	}
	if got.OnDivergence != cutover.DefaultPolicy || got.Margin != cutover.DefaultMargin || got.MaxComparatorLag != cutover.DefaultMaxComparatorLag {
		t.Errorf("defaults = %v, %v, %v; want rollback, 1s, 30s", got.OnDivergence, got.Margin, got.MaxComparatorLag)
	}
}

// TestParsePlanNamesTheLineFieldAndFix checks each rejection: the error is a
// *PlanError on the right line naming the field.
func TestParsePlanNamesTheLineFieldAndFix(t *testing.T) {
	t.Parallel()
	const ok = "  - {percent: 100, hold: 0s, min_pairs: 0}\n"
	tests := []struct {
		name  string
		yaml  string
		line  int
		field string
	}{
		{"an empty file needs run and steps", "", 0, "$"},
		{"a missing run is named", "steps:\n" + ok, 1, "run"},
		{"missing steps are named", "run: r\n", 1, "steps"},
		{"percents must increase", "run: r\nsteps:\n  - {percent: 10, hold: 0s, min_pairs: 0}\n  - {percent: 5, hold: 0s, min_pairs: 0}\n" + ok, 4, "steps[1].percent"},
		{"the last step must be 100", "run: r\nsteps:\n  - {percent: 10, hold: 0s, min_pairs: 0}\n", 3, "steps[0].percent"},
		{"a percent over 100 is refused", "run: r\nsteps:\n  - {percent: 101, hold: 0s, min_pairs: 0}\n", 3, "steps[0].percent"},
		{"a zero percent is refused", "run: r\nsteps:\n  - {percent: 0, hold: 0s, min_pairs: 0}\n" + ok, 3, "steps[0].percent"},
		{"a fraction of a bucket is refused", "run: r\nsteps:\n  - {percent: 0.005, hold: 0s, min_pairs: 0}\n" + ok, 3, "steps[0].percent"},
		{"a percent must be a number", "run: r\nsteps:\n  - {percent: ten, hold: 0s, min_pairs: 0}\n" + ok, 3, "steps[0].percent"},
		{"a negative hold is refused", "run: r\nsteps:\n  - {percent: 100, hold: -1s, min_pairs: 0}\n", 3, "steps[0].hold"},
		{"a hold needs a unit", "run: r\nsteps:\n  - {percent: 100, hold: 30, min_pairs: 0}\n", 3, "steps[0].hold"},
		{"negative min_pairs are refused", "run: r\nsteps:\n  - {percent: 100, hold: 0s, min_pairs: -5}\n", 3, "steps[0].min_pairs"},
		{"every step sets min_pairs", "run: r\nsteps:\n  - {percent: 100, hold: 0s}\n", 3, "steps[0].min_pairs"},
		{"an unknown step field is named", "run: r\nsteps:\n  - {percent: 100, hold: 0s, min_pairs: 0, weight: 5}\n", 3, "steps[0].weight"},
		{"an unknown policy is named", "run: r\nsteps:\n" + ok + "on_divergence: ignore\n", 4, "on_divergence"},
		{"a zero margin is refused", "run: r\nsteps:\n" + ok + "margin: 0s\n", 4, "margin"},
		{"a negative lag is refused", "run: r\nsteps:\n" + ok + "max_comparator_lag: -1s\n", 4, "max_comparator_lag"},
		{"an unknown field is named", "run: r\nsteps:\n" + ok + "rollback: true\n", 4, "rollback"},
		{"a field given twice is refused", "run: r\nrun: s\nsteps:\n" + ok, 2, "run"},
		{"a run name with spaces around is refused", "run: ' r'\nsteps:\n" + ok, 1, "run"},
		{"two documents are refused", "run: r\nsteps:\n" + ok + "---\nrun: s\n", 4, "$"},
		{"steps must be a list", "run: r\nsteps: 100\n", 2, "steps"},
		{"an unknown required level is named", "run: r\nsteps:\n" + ok + "require: same\n", 4, "require"},
		{"an empty required level is refused", "run: r\nsteps:\n" + ok + "require: ''\n", 4, "require"},
		{"a step's unknown required level is named", "run: r\nsteps:\n  - {percent: 100, hold: 0s, min_pairs: 0, require: divergent}\n", 3, "steps[0].require"},
		{"a required level must be a string", "run: r\nsteps:\n" + ok + "require: [identical]\n", 4, "require"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := cutover.ParsePlan("plan.yaml", []byte(tc.yaml))
			var pe *cutover.PlanError
			if !errors.As(err, &pe) {
				t.Fatalf("ParsePlan(%q) = %v, want a *PlanError", tc.yaml, err)
			}
			if pe.Field != tc.field || pe.Line != tc.line {
				t.Errorf("ParsePlan(%q) = %v, want line %d field %q", tc.yaml, err, tc.line, tc.field)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %q does not name %q", err, tc.field)
			}
		})
	}
}

func TestParsePlanReadsRequiredLevels(t *testing.T) {
	t.Parallel()
	got, err := cutover.ParsePlan("p.yaml", []byte(`run: r
require: equivalent
steps:
  - {percent: 10, hold: 0s, min_pairs: 1}
  - {percent: 100, hold: 0s, min_pairs: 1, require: identical}
`))
	if err != nil {
		t.Fatalf("ParsePlan = %v", err)
	}
	if got.Require != cutover.LevelEquivalent || got.RequireAt(0) != cutover.LevelEquivalent || got.RequireAt(1) != cutover.LevelIdentical {
		t.Errorf("required levels = %q, %q, %q; want equivalent for the plan and step 0, identical for step 1",
			got.Require, got.RequireAt(0), got.RequireAt(1))
	}
	if def := (cutover.Plan{Steps: []cutover.Step{{Percent: 100}}}); def.RequireAt(0) != cutover.LevelAccepted {
		t.Errorf("RequireAt of a plan without require = %q, want accepted", def.RequireAt(0))
	}
	checkYAMLRoundTrip(t, got)
	js, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	var back cutover.Plan
	if err := json.Unmarshal(js, &back); err != nil || !cmp.Equal(got, back) {
		t.Errorf("plan after JSON = %+v, %v; want %+v", back, err, got)
	}
}

func TestParsePlanReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	_, err := cutover.ParsePlan("plan.yaml", []byte("steps:\n  - {percent: 50, hold: soon, min_pairs: x}\nmargin: 0s\n"))
	for _, field := range []string{"run", "steps[0].hold", "steps[0].min_pairs", "steps[0].percent", "margin"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("ParsePlan error %v does not name %s", err, field)
		}
	}
}

func TestPlanSurvivesJSONAndYAML(t *testing.T) {
	t.Parallel()
	p, err := cutover.LoadPlan("../testdata/plans/example.yaml")
	if err != nil {
		t.Fatalf("LoadPlan = %v", err)
	}
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatalf("json.Marshal = %v", err)
	}
	var back cutover.Plan
	if err := json.Unmarshal(js, &back); err != nil {
		t.Fatalf("json.Unmarshal(%s) = %v", js, err)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("plan after JSON (-want +got):\n%s", diff)
	}
	if !strings.Contains(string(js), `"maxComparatorLag":"30s"`) {
		t.Errorf("plan JSON %s: want lowerCamelCase names and duration strings", js)
	}
	checkYAMLRoundTrip(t, p)
}

// checkYAMLRoundTrip checks that p, written as YAML, parses back to p.
func checkYAMLRoundTrip(t *testing.T, p cutover.Plan) {
	t.Helper()
	out, err := yaml.Marshal(p)
	if err != nil {
		t.Fatalf("yaml.Marshal(%+v) = %v", p, err)
	}
	back, err := cutover.ParsePlan("roundtrip.yaml", out)
	if err != nil {
		t.Fatalf("ParsePlan(yaml.Marshal(plan)) = %v\n%s", err, out)
	}
	if diff := cmp.Diff(p, back); diff != "" {
		t.Errorf("plan after YAML (-want +got):\n%s\n%s", diff, out)
	}
}

// FuzzParsePlan checks that ParsePlan never panics and that every plan it
// accepts, written back as YAML, parses to the same plan.
func FuzzParsePlan(f *testing.F) {
	seeds, err := filepath.Glob("../testdata/plans/*.yaml")
	if err != nil || len(seeds) == 0 {
		f.Fatalf("no seeds in ../testdata/plans (%v)", err)
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("run: r\nsteps: [{percent: 0.01, hold: 1ns, min_pairs: 9223372036854775807}, {percent: 100, hold: 0s, min_pairs: 0}]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := cutover.ParsePlan("fuzz.yaml", data)
		if err != nil {
			return
		}
		if err := p.Validate(); err != nil {
			t.Fatalf("ParsePlan accepted a plan Validate refuses: %v", err)
		}
		checkYAMLRoundTrip(t, p)
	})
}
