package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

func TestCompareFlagsAndEnvironmentTwins(t *testing.T) {
	t.Parallel()
	checkOptionCases(t, newCompareCmd, []string{"compare", "--run", "r"}, []optionCase[compareOptions]{
		{"the evidence defaults are the topic and groups of oink legacy and oink produce", nil, nil,
			func(o *compareOptions) bool {
				return o.input == "orders" && o.controlGroup == "oink-v1" && o.candidateGroup == "oink-v2" &&
					o.maxFutureSkew == oink.DefaultMaxFutureSkew
			}},
		{"flags set the evidence and the skew", []string{"--input", "in", "--control-group", "a",
			"--candidate-group", "b", "--max-future-skew", "1m"}, nil,
			func(o *compareOptions) bool {
				return o.input == "in" && o.controlGroup == "a" && o.candidateGroup == "b" && o.maxFutureSkew == time.Minute
			}},
		{"OINK_MAX_FUTURE_SKEW sets the skew", nil, map[string]string{"OINK_MAX_FUTURE_SKEW": "30s"},
			func(o *compareOptions) bool { return o.maxFutureSkew == 30*time.Second }},
		{"OINK_COMPARE_CANDIDATE_GROUP sets the candidate's group", nil, map[string]string{"OINK_COMPARE_CANDIDATE_GROUP": "v2-prod"},
			func(o *compareOptions) bool { return o.candidateGroup == "v2-prod" }},
		{"an empty group turns that side's evidence off", []string{"--control-group", ""}, nil,
			func(o *compareOptions) bool { return o.controlGroup == "" && o.candidateGroup == "oink-v2" }},
	})
}

func TestCompareUsageErrorsNameTheFlag(t *testing.T) {
	t.Parallel()
	checkUsageCases(t, []string{"compare", "--run", "r"}, []usageCase{
		{"a zero future skew names the flag", []string{"--max-future-skew", "0"}, "--max-future-skew"},
		{"the control topic as input names the flag", []string{"--input", "rtcim.v1"}, "--input"},
	})
}

// TestCutoverStatusShowsASideBehind: with the comparator reporting v2
// behind, `oink cutover status` says so with its lag and input lag, in
// text and JSON, and its gate waits on it.
func TestCutoverStatusShowsASideBehind(t *testing.T) {
	t.Parallel()
	dbURL, pool := pgtest.SchemaURL(t)
	cli := cutoverCLI{t: t, dbURL: dbURL}
	cli.ok("cutover", "apply", "-f", "../../shipped/plans/demo.yaml")
	cli.ok("cutover", "start", "--run", "demo", "--reason", "go")
	store := diffstore.New(pool)
	if err := store.EnsureRun(t.Context(), diffstore.Run{Name: "demo", ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2",
		RulesName: "rtcim", Rules: []byte("{}")}); err != nil {
		t.Fatal(err)
	}
	n := int64(1204)
	if err := store.Beat(t.Context(), "demo", "cmp-a", diffstore.Beat{Partitions: []int{0},
		Candidate: diffstore.SideProgress{Behind: true, LagSeconds: 45, InputLag: &n}}); err != nil {
		t.Fatal(err)
	}
	out := cli.ok("cutover", "status", "--run", "demo")
	for _, want := range []string{"v1:          not behind (input progress unknown", "v2:          behind by 45s (1,204 events not yet converted)",
		"sides       waiting  v2 behind by 45s (1,204 events not yet converted)"} {
		if !strings.Contains(out, want) {
			t.Errorf("status =\n%s\nwant it to contain %q", out, want)
		}
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(cli.ok("cutover", "status", "--run", "demo", "--json")), &st); err != nil {
		t.Fatal(err)
	}
	if st.Candidate == nil || !st.Candidate.Behind || st.Candidate.LagSeconds != 45 || st.Candidate.InputLag == nil ||
		*st.Candidate.InputLag != 1204 || st.Control == nil || st.Control.Behind {
		t.Errorf("status --json control %+v, candidate %+v; want v2 behind by 45s with 1204 events, v1 not", st.Control, st.Candidate)
	}
}
