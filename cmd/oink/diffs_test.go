package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oinkhq/oink/diffstore"
)

// levelsSummary is a finished run of 4,000 pairs at every level.
func levelsSummary() diffstore.Summary {
	return diffstore.Summary{Run: diffstore.Run{Name: "r", ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2"},
		Totals: diffstore.Totals{Counts: diffstore.Counts{ReadControl: 4000, ReadCandidate: 4000, Pairs: 4000,
			Equal: 3990, Identical: 3950, Equivalent: 40, Accepted: 8, Divergent: 2}, AcceptedByRule: map[string]int64{"r": 8}}}
}

// TestDiffsSummaryShowsTheShareOfEachLevel: text and JSON carry each level's
// count and share, and the accounting identity with the levels.
func TestDiffsSummaryShowsTheShareOfEachLevel(t *testing.T) {
	t.Parallel()
	d, stdout, stderr := testDeps(false, nil)
	if err := printSummary(d, levelsSummary(), false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"4000: 3990 equal (3950 identical, 40 equivalent), 8 accepted, 2 divergent",
		"identical 98.75% · equivalent 1.00% · accepted 0.20% · divergent 0.05%", "accounting           holds"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("diffs summary output lacks %q:\n%s", want, stdout)
		}
	}
	if stderr.Len() != 0 {
		t.Errorf("stderr = %q, want nothing", stderr)
	}

	d, stdout, _ = testDeps(false, nil)
	if err := printSummary(d, levelsSummary(), true); err != nil {
		t.Fatal(err)
	}
	var got summaryJSON
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	want := levelShares{Identical: 0.9875, Equivalent: 0.01, Accepted: 0.002, Divergent: 0.0005}
	if got.Shares != want || got.Identical != 3950 || got.Equivalent != 40 || got.Equal != 3990 || !got.AccountingHolds {
		t.Errorf("diffs summary --json = %+v; want shares %+v and the identity holding", got, want)
	}
}

// TestDiffsSummaryNamesPairsOfNoKnownLevel: a run compared before levels
// were recorded keeps its equal pairs, shown as of no known level.
func TestDiffsSummaryNamesPairsOfNoKnownLevel(t *testing.T) {
	t.Parallel()
	s := levelsSummary()
	s.Identical, s.Equivalent = 0, 0
	d, stdout, _ := testDeps(false, nil)
	if err := printSummary(d, s, false); err != nil {
		t.Fatal(err)
	}
	if out := stdout.String(); !strings.Contains(out, "3990 equal pairs of no known level") || !strings.Contains(out, "accounting           holds") {
		t.Errorf("diffs summary of an old run:\n%s", out)
	}
}

// TestDiffsPathsShowsLevelsPerPath: each path's divergent, accepted and
// equivalent pairs with their shares, in text and JSON.
func TestDiffsPathsShowsLevelsPerPath(t *testing.T) {
	t.Parallel()
	paths := []diffstore.PathStat{
		{Path: "business_date", Accepted: 8, Pairs: 4000, Example: "o1"},
		{Path: "$headers.trace-id", Equivalent: 40, Pairs: 4000},
	}
	d, stdout, _ := testDeps(false, nil)
	if err := printPaths(d, paths, false); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	for _, want := range []string{"EQUIVALENT", "$headers.trace-id  0 (0.00%)", "40 (1.00%)", "8 (0.20%)"} {
		if !strings.Contains(out, want) {
			t.Errorf("diffs paths output lacks %q:\n%s", want, out)
		}
	}
	d, stdout, _ = testDeps(false, nil)
	if err := printPaths(d, paths, true); err != nil {
		t.Fatal(err)
	}
	var got []pathJSON
	if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Equivalent != 40 || got[1].Shares.Equivalent != 0.01 || got[0].Shares.Accepted != 0.002 {
		t.Errorf("diffs paths --json = %+v", got)
	}
}
