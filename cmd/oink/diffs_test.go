package main

import (
	"encoding/json"
	"fmt"

	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

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
	for _, want := range []string{"4,000: 3,990 equal (3,950 identical, 40 equivalent), 8 accepted, 2 divergent",
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
	if out := stdout.String(); !strings.Contains(out, "3,990 equal pairs of no known level") || !strings.Contains(out, "accounting           holds") {
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
	for _, want := range []string{"EQUIVALENT", "$headers.trace-id", "40 (1.00%)", "8 (0.20%)"} {
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

// TestDiffsPathsFitsAHundredColumns: long paths, identities and suggested
// rules keep every line within 100 columns; the suggestion is printed in
// full below the table, and the counts carry separators.
func TestDiffsPathsFitsAHundredColumns(t *testing.T) {
	t.Parallel()
	lo, hi := -1.0, 1.0
	paths := []diffstore.PathStat{
		{Path: "lines[line_no=1].tax_minor", Divergent: 1980, Pairs: 98000, Example: "O1-000000042|E1-000000042", MinDelta: &lo, MaxDelta: &hi},
		{Path: "returned_lines[line_no=12].refund_breakdown.discount_share_minor", Accepted: 31250, Equivalent: 12345,
			Pairs: 98000, Example: "O1-000012345|E2-000012345"},
	}
	d, stdout, _ := testDeps(false, nil)
	if err := printPaths(d, paths, false); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if w := ansi.StringWidth(l); w > 100 {
			t.Errorf("line takes %d columns, want at most 100: %q", w, l)
		}
	}
	for _, want := range []string{"1,980 (2.02%)", "31,250 (31.89%)", "O1-000000042|E1-000000042", "suggested rules:",
		`tolerance {"lines[line_no=1].tax_minor": 1}`} {
		if !strings.Contains(strings.ReplaceAll(out, "\n    ", " "), want) {
			t.Errorf("diffs paths lacks %q:\n%s", want, out)
		}
	}
}

// TestDiffsPathsShowsAFewSuggestions: past maxSuggestions, the rest are
// counted and pointed at --json.
func TestDiffsPathsShowsAFewSuggestions(t *testing.T) {
	t.Parallel()
	lo, hi := -1.0, 1.0
	var paths []diffstore.PathStat
	for i := range maxSuggestions + 3 {
		paths = append(paths, diffstore.PathStat{Path: fmt.Sprintf("lines[line_no=%d].tax_minor", i+1), Divergent: 10, Pairs: 1000,
			MinDelta: &lo, MaxDelta: &hi})
	}
	d, stdout, _ := testDeps(false, nil)
	if err := printPaths(d, paths, false); err != nil {
		t.Fatal(err)
	}
	out := stdout.String()
	if n := strings.Count(out, "\n  - "); n != maxSuggestions || !strings.Contains(out, "(3 more: oink diffs paths --json") {
		t.Errorf("diffs paths with %d suggestions shows %d:\n%s", len(paths), n, out)
	}
}
