package report_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/google/go-cmp/cmp"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/report"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// fixedNow stamps every test report.
func fixedNow() time.Time { return fixtureBase.Add(time.Hour) }

// gatherFixture returns the fixture's report data, dead letters included.
func gatherFixture(t *testing.T) *report.Data {
	t.Helper()
	d := gather(t, fixtureStore(t), fixtureRun)
	d.DeadLetters = fixtureDeadLetters(t)
	return d
}

// gather returns run's report data from st, stamped fixedNow.
func gather(t *testing.T, st *diffstore.Store, run string) *report.Data {
	t.Helper()
	d, err := report.Gather(t.Context(), st, run, report.Options{Now: fixedNow})
	must(t, err)
	return d
}

// newRun returns a store (rolled back after t) holding run with nothing
// counted yet.
func newRun(t *testing.T, run string) *diffstore.Store {
	t.Helper()
	st := diffstore.New(pgtest.Tx(t))
	must(t, st.EnsureRun(t.Context(), diffstore.Run{Name: run, ControlTopic: "a", CandidateTopic: "b"}))
	return st
}

// fixtureTotals is the sum of the fixture's counts over every bucket.
func fixtureTotals() diffstore.Counts {
	var sum diffstore.Counts
	for i := range fixtureBuckets {
		c, _ := bucketCounts(i)
		sum = sum.Add(c)
	}
	return sum
}

func TestMarkdownGolden(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	must(t, report.Markdown(&b, gatherFixture(t)))
	golden.RequireEqual(t, b.Bytes())
}

// TestInvariantAccountingInReport (invariant 2): the report's accounting
// is the store's, side by side, and says it holds.
func TestInvariantAccountingInReport(t *testing.T) {
	t.Parallel()
	d := gather(t, fixtureStore(t), fixtureRun)
	want := fixtureTotals()
	a := d.Accounting
	if a.Control.Read != want.ReadControl || a.Candidate.Read != want.ReadCandidate || a.Pairs != want.Pairs ||
		a.Control.MissingOther != want.MissingInCandidate || a.Candidate.MissingOther != want.MissingInControl ||
		a.Control.Duplicates != want.DuplicatesControl || a.Candidate.Undecodable != want.UndecodableCandidate {
		t.Errorf("Accounting = %+v, want the fixture's totals %+v", a, want)
	}
	if !a.Holds || !a.Control.Holds() || !a.Candidate.Holds() || !a.PairsSplit {
		t.Errorf("Accounting.Holds = false on the fixture, whose counts add up: %+v", a)
	}
}

// TestGatherFillsLevelsAndSwitch: the levels are the store's identical
// and equivalent counts, the switch section its synced provenance, v1's
// and v2's counts apart with the minutes each version went live.
func TestGatherFillsLevelsAndSwitch(t *testing.T) {
	t.Parallel()
	d := gather(t, fixtureStore(t), fixtureRun)
	want := fixtureTotals()
	wantLevels := report.Levels{Pairs: want.Pairs, Identical: want.Identical, Equivalent: want.Equivalent,
		Accepted: want.Accepted, Divergent: want.Divergent}
	if d.Levels == nil || *d.Levels != wantLevels {
		t.Errorf("Levels = %+v, want %+v", d.Levels, wantLevels)
	}
	wantSwitch := &report.SwitchForwards{Live: "rtcim", Partitions: 3, Parked: 1, Versions: []report.VersionForwards{
		{Version: "v1", Topic: "rtcim.v1", Forwarded: 3000, NotOwned: 5400, Duplicates: 3,
			First: fixtureBase, Last: fixtureBase.Add(9 * time.Minute)},
		{Version: "v2", Topic: "rtcim.v2", Forwarded: 5400, NotOwned: 3000,
			First: fixtureBase.Add(time.Minute), Last: fixtureBase.Add(9 * time.Minute)}}}
	if diff := cmp.Diff(wantSwitch, d.Switch); diff != "" {
		t.Errorf("Switch (-want +got):\n%s", diff)
	}
}

// TestGatherOfARunWithoutPairsOrSwitchLeavesThemOut: no pairs, no levels;
// no switch state, no switch section.
func TestGatherOfARunWithoutPairsOrSwitchLeavesThemOut(t *testing.T) {
	t.Parallel()
	st := newRun(t, "empty")
	d := gather(t, st, "empty")
	if d.Levels != nil || d.Switch != nil {
		t.Errorf("Gather(run without pairs or switch): Levels %+v, Switch %+v; want both nil", d.Levels, d.Switch)
	}
}

// TestAccountingThatDoesNotHoldIsFlagged: a run whose counts do not add up
// is reported as such, in both formats.
func TestAccountingThatDoesNotHoldIsFlagged(t *testing.T) {
	t.Parallel()
	st := newRun(t, "r")
	cp, err := st.ClaimPartition(t.Context(), "r", 0, "x")
	must(t, err)
	// 10 read on the control side, 9 accounted for.
	must(t, st.CommitBatch(t.Context(), diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: cp.Epoch, Counts: []diffstore.MinuteCounts{{
		Minute: fixtureBase, Counts: diffstore.Counts{ReadControl: 10, ReadCandidate: 9, Pairs: 9, Equal: 9}}}}))
	d := gather(t, st, "r")
	if d.Accounting.Holds || d.Accounting.Control.Holds() || !d.Accounting.Candidate.Holds() {
		t.Errorf("Accounting = %+v, want the control side (10 read, 9 paired) not to hold", d.Accounting)
	}
	for name, out := range render(t, d) {
		if !strings.Contains(out, "DOES NOT HOLD") {
			t.Errorf("%s report of a run whose accounting does not hold never says DOES NOT HOLD", name)
		}
	}
}

// render returns d in both formats.
func render(t *testing.T, d *report.Data) map[string]string {
	t.Helper()
	var h, m bytes.Buffer
	must(t, report.HTML(&h, d))
	must(t, report.Markdown(&m, d))
	return map[string]string{"HTML": h.String(), "Markdown": m.String()}
}

// TestSeriesCountsEveryDivergence: the chart's buckets add up to the run's
// totals, and the route changes inside them are marked, the rollback as
// one, at their source event times.
func TestSeriesCountsEveryDivergence(t *testing.T) {
	t.Parallel()
	d := gather(t, fixtureStore(t), fixtureRun)
	s := d.Series
	if s.Grain != diffstore.CountGrain || len(s.Buckets) != fixtureBuckets || !s.Buckets[0].Start.Equal(fixtureBase) {
		t.Fatalf("Series has %d buckets of %s from %s, want %d of %s from %s",
			len(s.Buckets), s.Grain, s.Buckets[0].Start, fixtureBuckets, diffstore.CountGrain, fixtureBase)
	}
	var sum report.Bucket
	for i, b := range s.Buckets {
		c, _ := bucketCounts(i)
		if b.Divergent != c.Divergent || b.Pairs != c.Pairs || b.MissingInCandidate != c.MissingInCandidate {
			t.Errorf("bucket %d = %+v, want the fixture's %+v", i, b, c)
		}
		sum.Divergent += b.Divergent
		sum.MissingInControl += b.MissingInControl
	}
	tot := d.Summary.Counts
	if sum.Divergent != tot.Divergent || sum.MissingInControl != tot.MissingInControl {
		t.Errorf("buckets sum to %d divergent, %d missing in control; the run has %d, %d",
			sum.Divergent, sum.MissingInControl, tot.Divergent, tot.MissingInControl)
	}
	if len(s.Markers) != len(transitionOffsets) {
		t.Fatalf("%d markers, want one per route change: %d", len(s.Markers), len(transitionOffsets))
	}
	for i, m := range s.Markers {
		if want := fixtureBase.Add(transitionOffsets[i]); !m.At.Equal(want) || m.Rollback() != (i == 3) {
			t.Errorf("marker %d = %+v, want at %s, a rollback only for the 4th", i, m, want)
		}
	}
}

// TestSeriesOfALongRunIsCoarser: three hours of counts are charted in
// 2-minute buckets that still add up to the run's totals.
func TestSeriesOfALongRunIsCoarser(t *testing.T) {
	t.Parallel()
	st := newRun(t, "long")
	cp, err := st.ClaimPartition(t.Context(), "long", 0, "x")
	must(t, err)
	var mcs []diffstore.MinuteCounts
	for m := range 180 {
		mcs = append(mcs, diffstore.MinuteCounts{Minute: fixtureBase.Add(time.Duration(m) * time.Minute),
			Counts: diffstore.Counts{ReadControl: 10, ReadCandidate: 10, Pairs: 10, Equal: 9, Divergent: 1}})
	}
	must(t, st.CommitBatch(t.Context(), diffstore.CommitBatch{Run: "long", Partition: 0, Epoch: cp.Epoch, Counts: mcs}))
	d := gather(t, st, "long")
	var div int64
	for _, b := range d.Series.Buckets {
		div += b.Divergent
	}
	if d.Series.Grain != 2*time.Minute || len(d.Series.Buckets) != 90 || div != 180 {
		t.Errorf("Series = %d buckets of %s summing %d divergent, want 90 of 2m0s summing 180",
			len(d.Series.Buckets), d.Series.Grain, div)
	}
}

func TestGatherOfAnUnknownRunIsNotFound(t *testing.T) {
	t.Parallel()
	_, err := report.Gather(t.Context(), diffstore.New(pgtest.Tx(t)), "nope", report.Options{})
	if !errors.Is(err, diffstore.ErrNotFound) {
		t.Errorf("Gather(unknown run) = %v, want an error wrapping diffstore.ErrNotFound", err)
	}
}

// TestSectionsOnlyWithTheirData: a run without a cutover, divergence or
// dead letters says so in each section; the identical/equivalent and
// switch sections appear only once their data is set.
func TestSectionsOnlyWithTheirData(t *testing.T) {
	t.Parallel()
	st := newRun(t, "quiet")
	d := gather(t, st, "quiet")
	for name, out := range render(t, d) {
		for _, want := range []string{"No cutover plan was applied", "No records compared yet", "No path diverged",
			"no accept rule", "Dead letters were not read"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s report of an empty run lacks %q", name, want)
			}
		}
		for _, absent := range []string{"Identical and equivalent pairs", "Switch: forwards per version", "<svg"} {
			if strings.Contains(out, absent) {
				t.Errorf("%s report of an empty run shows %q", name, absent)
			}
		}
	}
	d.Levels = &report.Levels{Pairs: 1000, Identical: 990, Equivalent: 7, Accepted: 3}
	d.Switch = &report.SwitchForwards{Live: "rtcim", Partitions: 1,
		Versions: []report.VersionForwards{{Version: "v2", Topic: "rtcim.v2", Forwarded: 1234, Duplicates: 5}}}
	for name, out := range render(t, d) {
		for _, want := range []string{"Identical and equivalent pairs", "99.00%", "Switch: forwards per version", "1,234"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s report with levels and forwards lacks %q", name, want)
			}
		}
	}
}

// TestHTMLEscapesStoredText: names and values from the store and the DLQ
// reach the page as text, never as markup.
func TestHTMLEscapesStoredText(t *testing.T) {
	t.Parallel()
	evil := `<script>alert(1)</script>`
	d := &report.Data{GeneratedAt: fixedNow(),
		Summary: diffstore.Summary{Run: diffstore.Run{Name: evil, ControlTopic: evil, CandidateTopic: "b"}},
		Paths: []report.PathExample{{PathStat: diffstore.PathStat{Path: evil, Divergent: 1, Example: evil},
			Example: &diffstore.Divergence{Control: []byte(`{"x":"</pre>` + evil + `"}`), Candidate: []byte(`{}`)},
			Field:   &diffstore.FieldDiff{Path: evil, Control: []byte(`"` + evil + `"`)}}},
		DeadLetters: []report.DeadLetterTopic{{Topic: evil, Total: 1, Groups: []report.DeadLetterGroup{{Code: evil, Field: evil, Count: 1, Example: evil}}}},
	}
	out := render(t, d)["HTML"]
	if strings.Contains(out, "<script") || !strings.Contains(out, "&lt;/pre&gt;") {
		t.Errorf("HTML of stored text %q holds it as markup:\n%s", evil, out)
	}
	if !strings.Contains(out, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("HTML of stored text %q does not show it escaped", evil)
	}
}
