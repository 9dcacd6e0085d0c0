package diffstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oinkhq/oink/diffstore"
)

// seed writes a small run "r" over two minutes (m0, m1) and two partitions:
//
//	o1 divergent (m0)  totals.tax_minor 100→101, business_date accepted by utc-date
//	o2 divergent (m0)  totals.tax_minor 200→198
//	o3 missing in candidate (m0)
//	o4 divergent (m1)  lines[0].sku "A"→"B"
//	o5 missing in control (m1)
//	o6 accepted pair   business_date accepted by utc-date
//
// Of the 5 equal pairs (m0), 3 are identical and 2 equivalent: both at
// $value.order, one also at $headers.x; the accepted pair of m1 has its
// members in another order too.
func seed(t *testing.T) *diffstore.Store {
	t.Helper()
	st := txStore(t)
	m0, m1 := baseTime(), baseTime().Add(time.Minute)
	p0 := claim(t, st, "r", 0, "inst-a")
	commit(t, st, diffstore.CommitBatch{
		Run: "r", Partition: 0, Epoch: p0.Epoch, ControlOffset: 14, CandidateOffset: 14,
		Pending: []diffstore.Position{{Side: diffstore.SideControl, Offset: 11},
			{Side: diffstore.SideCandidate, Offset: 12}, {Side: diffstore.SideCandidate, Offset: 13}},
		Counts: []diffstore.MinuteCounts{
			{Minute: m0, Counts: diffstore.Counts{ReadControl: 10, ReadCandidate: 8, Pairs: 8, Equal: 5, Identical: 3, Equivalent: 2, Accepted: 1,
				Divergent: 2, MissingInCandidate: 1, DuplicatesControl: 1}, AcceptedByRule: map[string]int64{"utc-date": 1},
				EquivalentByPath: map[string]int64{"$value.order": 2, "$headers.x": 1}},
			{Minute: m1, Counts: diffstore.Counts{ReadControl: 2, ReadCandidate: 4, Pairs: 2, Equal: 0, Accepted: 1,
				Divergent: 1, MissingInControl: 1, UndecodableCandidate: 1}, AcceptedByRule: map[string]int64{"utc-date": 1},
				EquivalentByPath: map[string]int64{"$value.order": 1}},
		},
		Divergences: []diffstore.Divergence{
			divergent("o1", m0.Add(10*time.Second), fd("totals.tax_minor", "100", "101", ""),
				fd("business_date", `"2025-03-01"`, `"2025-02-28"`, "utc-date")),
			divergent("o2", m0.Add(20*time.Second), fd("totals.tax_minor", "200", "198", "")),
			missing("o3", diffstore.KindMissingInCandidate, m0.Add(30*time.Second)),
			divergent("o4", m1.Add(5*time.Second), fd("lines[0].sku", `"A"`, `"B"`, "")),
			missing("o5", diffstore.KindMissingInControl, m1.Add(6*time.Second)),
		},
		Accepted: []diffstore.AcceptedPair{{Identity: "o6",
			Diff: []diffstore.FieldDiff{fd("business_date", `"2025-03-01"`, `"2025-02-28"`, "utc-date")}}},
	})
	p1 := claim(t, st, "r", 1, "inst-b")
	commit(t, st, diffstore.CommitBatch{Run: "r", Partition: 1, Epoch: p1.Epoch, ControlOffset: 6, CandidateOffset: 5,
		Pending: []diffstore.Position{{Side: diffstore.SideControl, Offset: 5}}})
	for _, hb := range []struct {
		instance string
		lag      int64
		caughtUp bool
	}{{"inst-a", 7, true}, {"inst-b", 3, false}} {
		if err := st.Heartbeat(t.Context(), "r", hb.instance, []int{0}, hb.lag, hb.caughtUp); err != nil {
			t.Fatalf("Heartbeat = %v", err)
		}
	}
	return st
}

func TestSummary(t *testing.T) {
	t.Parallel()
	st := seed(t)
	got := summary(t, st, "r")
	if got.Name != "r" || got.ControlTopic != "rtcim.v1" || got.LastHeartbeat == nil {
		t.Errorf("Summary run = %q %q, LastHeartbeat %v; want r, rtcim.v1, set", got.Name, got.ControlTopic, got.LastHeartbeat)
	}
	got.Run, got.LastHeartbeat = diffstore.Run{}, nil
	want := diffstore.Summary{
		Totals: diffstore.Totals{
			Counts: diffstore.Counts{ReadControl: 12, ReadCandidate: 12, Pairs: 10, Equal: 5, Identical: 3, Equivalent: 2, Accepted: 2, Divergent: 3,
				MissingInControl: 1, MissingInCandidate: 1, DuplicatesControl: 1, UndecodableCandidate: 1},
			AcceptedByRule: map[string]int64{"utc-date": 2},
		},
		Partitions: 2, PendingControl: 2, PendingCandidate: 2,
		Instances: 2, Lag: 10, CaughtUp: false,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Summary (-want +got):\n%s", diff)
	}
}

func TestSummaryAccountingHolds(t *testing.T) {
	t.Parallel()
	good := diffstore.Summary{Totals: diffstore.Totals{Counts: diffstore.Counts{ReadControl: 12, ReadCandidate: 11,
		Pairs: 10, Equal: 8, Identical: 6, Equivalent: 2, Accepted: 1, Divergent: 1, MissingInCandidate: 1, DuplicatesControl: 1}},
		PendingCandidate: 1}
	tests := []struct {
		name   string
		change func(*diffstore.Counts)
		want   bool
	}{
		{"every record and pair accounted for holds", func(*diffstore.Counts) {}, true},
		{"equal pairs of no known level (compared before levels) hold", func(c *diffstore.Counts) { c.Identical, c.Equivalent = 0, 0 }, true},
		{"more levelled pairs than equal ones do not hold", func(c *diffstore.Counts) { c.Identical = 7 }, false},
		{"a pair of no outcome does not hold", func(c *diffstore.Counts) { c.Equal, c.Identical = 7, 5 }, false},
		{"a record read and not accounted for does not hold", func(c *diffstore.Counts) { c.ReadControl++ }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := good
			tc.change(&s.Counts)
			if got := s.AccountingHolds(); got != tc.want {
				t.Errorf("AccountingHolds(%+v) = %v, want %v", s.Counts, got, tc.want)
			}
		})
	}
}

func TestCountsSince(t *testing.T) {
	t.Parallel()
	st := seed(t)
	// Subtests share the seed's transaction, which is not safe for
	// concurrent use: they run one after the other.
	for _, tc := range []struct {
		name  string
		since time.Time
		pairs int64
	}{
		{"a window from before the run counts everything", time.Time{}, 10},
		{"a window from the second minute counts only it", baseTime().Add(time.Minute), 2},
		{"a window starting inside a bucket counts that bucket whole", baseTime().Add(time.Minute + diffstore.CountGrain/2), 2},
		{"a window after the last minute counts nothing", baseTime().Add(2 * time.Minute), 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := st.CountsSince(t.Context(), "r", tc.since)
			if err != nil {
				t.Fatalf("CountsSince(%v) = %v", tc.since, err)
			}
			if got.Pairs != tc.pairs {
				t.Errorf("CountsSince(%v).Pairs = %d, want %d", tc.since, got.Pairs, tc.pairs)
			}
		})
	}
	got, err := st.CountsSince(t.Context(), "r", baseTime().Add(time.Minute))
	if err != nil {
		t.Fatalf("CountsSince = %v", err)
	}
	want := diffstore.Totals{
		Counts:         diffstore.Counts{ReadControl: 2, ReadCandidate: 4, Pairs: 2, Accepted: 1, Divergent: 1, MissingInControl: 1, UndecodableCandidate: 1},
		AcceptedByRule: map[string]int64{"utc-date": 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("CountsSince(m1) (-want +got):\n%s", diff)
	}
}

func TestTopPaths(t *testing.T) {
	t.Parallel()
	st := seed(t)
	got, err := st.TopPaths(t.Context(), "r", 10)
	if err != nil {
		t.Fatalf("TopPaths = %v", err)
	}
	ptr := func(f float64) *float64 { return &f }
	want := []diffstore.PathStat{
		{Path: "totals.tax_minor", Divergent: 2, Pairs: 10, Share: 0.2, Example: "o1", MinDelta: ptr(-2), MaxDelta: ptr(1)},
		{Path: "lines[0].sku", Divergent: 1, Pairs: 10, Share: 0.1, Example: "o4"},
		{Path: "business_date", Accepted: 2, Pairs: 10, Example: "o1"},
		{Path: "$value.order", Equivalent: 3, Pairs: 10},
		{Path: "$headers.x", Equivalent: 1, Pairs: 10},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApprox(0, 1e-9)); diff != "" {
		t.Errorf("TopPaths (-want +got):\n%s", diff)
	}
	top, err := st.TopPaths(t.Context(), "r", 1)
	if err != nil || len(top) != 1 || top[0].Path != "totals.tax_minor" {
		t.Errorf("TopPaths(limit 1) = %+v, %v; want totals.tax_minor only", top, err)
	}
}

func TestDivergences(t *testing.T) {
	t.Parallel()
	st := seed(t)
	// Subtests share the seed's transaction: no t.Parallel.
	for _, tc := range []struct {
		name   string
		filter diffstore.Filter
		want   []string
	}{
		{"no filter lists every divergence, newest event first", diffstore.Filter{Run: "r"}, []string{"o5", "o4", "o3", "o2", "o1"}},
		{"a kind keeps that kind", diffstore.Filter{Run: "r", Kind: diffstore.KindDivergent}, []string{"o4", "o2", "o1"}},
		{"a path keeps identities that differ there", diffstore.Filter{Run: "r", Path: "totals.tax_minor"}, []string{"o2", "o1"}},
		{"a path of accepted differences keeps them too", diffstore.Filter{Run: "r", Path: "business_date"}, []string{"o1"}},
		{"a part of a path keeps identities that differ at a path containing it", diffstore.Filter{Run: "r", PathContains: "tax"}, []string{"o2", "o1"}},
		{"a part of a path matches its end too", diffstore.Filter{Run: "r", PathContains: "sku"}, []string{"o4"}},
		{"a part of no path keeps none", diffstore.Filter{Run: "r", PathContains: "shipping"}, nil},
		{"a limit keeps the newest", diffstore.Filter{Run: "r", Limit: 2}, []string{"o5", "o4"}},
		{"a since after the commit keeps none", diffstore.Filter{Run: "r", Since: time.Now().Add(time.Hour)}, nil},
		{"a since before the commit keeps all", diffstore.Filter{Run: "r", Kind: diffstore.KindMissingInControl, Since: baseTime()}, []string{"o5"}},
		{"another run has none", diffstore.Filter{Run: "other"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			divs, err := st.Divergences(t.Context(), tc.filter)
			if err != nil {
				t.Fatalf("Divergences(%+v) = %v", tc.filter, err)
			}
			var got []string
			for _, d := range divs {
				got = append(got, d.Identity)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Divergences(%+v) (-want +got):\n%s", tc.filter, diff)
			}
		})
	}
	if _, err := st.Divergences(t.Context(), diffstore.Filter{Run: "r", Kind: "weird"}); err == nil {
		t.Errorf("Divergences(kind weird) = nil error, want one")
	}
}

func TestDivergence(t *testing.T) {
	t.Parallel()
	st := seed(t)
	got, err := st.Divergence(t.Context(), "r", "o1")
	if err != nil {
		t.Fatalf("Divergence(o1) = %v", err)
	}
	if len(got) != 1 || got[0].FirstSeen.IsZero() {
		t.Fatalf("Divergence(o1) = %+v, want one row with FirstSeen set", got)
	}
	want := divergent("o1", baseTime().Add(10*time.Second), fd("totals.tax_minor", "100", "101", ""),
		fd("business_date", `"2025-03-01"`, `"2025-02-28"`, "utc-date"))
	want.Run, want.Partition, want.AcceptedBy, want.FirstSeen = "r", 0, []string{"utc-date"}, got[0].FirstSeen
	if diff := cmp.Diff(want, got[0], equateJSON()); diff != "" {
		t.Errorf("Divergence(o1) (-want +got):\n%s", diff)
	}

	missingOne, err := st.Divergence(t.Context(), "r", "o3")
	if err != nil || len(missingOne) != 1 || missingOne[0].Candidate != nil || len(missingOne[0].Diff) != 0 {
		t.Errorf("Divergence(o3) = %+v, %v; want one row without candidate or diff", missingOne, err)
	}
	if _, err := st.Divergence(t.Context(), "r", "o6"); !errors.Is(err, diffstore.ErrNotFound) {
		t.Errorf("Divergence(o6, accepted) = %v, want ErrNotFound", err)
	}
}

// TestCountsPer sums the store's 10-second buckets into coarser ones, and
// CountsSpan bounds them.
func TestCountsPer(t *testing.T) {
	t.Parallel()
	st := txStore(t)
	m0 := baseTime()
	p0 := claim(t, st, "r", 0, "inst-a")
	at := func(d time.Duration, pairs, divergent int64) diffstore.MinuteCounts {
		return diffstore.MinuteCounts{Minute: m0.Add(d), Counts: diffstore.Counts{ReadControl: pairs, ReadCandidate: pairs, Pairs: pairs,
			Equal: pairs - divergent, Identical: pairs - divergent, Divergent: divergent}}
	}
	if _, _, ok, err := st.CountsSpan(t.Context(), "r"); ok || err != nil {
		t.Fatalf("CountsSpan of a run without counts = ok %v, %v; want false, nil", ok, err)
	}
	commit(t, st, diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: p0.Epoch, ControlOffset: 1, CandidateOffset: 1,
		Counts: []diffstore.MinuteCounts{at(5*time.Second, 10, 0), at(15*time.Second, 20, 1), at(35*time.Second, 30, 3), at(75*time.Second, 5, 0)}})

	first, last, ok, err := st.CountsSpan(t.Context(), "r")
	if err != nil || !ok || !first.Equal(m0) || !last.Equal(m0.Add(70*time.Second)) {
		t.Errorf("CountsSpan = %v, %v, %v, %v; want the buckets at +0s and +70s", first, last, ok, err)
	}
	got, err := st.CountsPer(t.Context(), "r", m0.Add(12*time.Second), 30*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var pairs, div []int64
	var starts []time.Duration
	for _, c := range got {
		starts = append(starts, c.Minute.Sub(m0))
		pairs, div = append(pairs, c.Pairs), append(div, c.Divergent)
	}
	// From +12s: its 30s bucket (+0s) counts whole; +60s holds the +70s
	// bucket.
	if diff := cmp.Diff([]time.Duration{0, 30 * time.Second, 60 * time.Second}, starts); diff != "" {
		t.Errorf("CountsPer(30s) bucket starts (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{30, 30, 5}, pairs); diff != "" {
		t.Errorf("CountsPer(30s) pairs (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]int64{1, 3, 0}, div); diff != "" {
		t.Errorf("CountsPer(30s) divergent (-want +got):\n%s", diff)
	}
	if _, err := st.CountsPer(t.Context(), "r", m0, 15*time.Second); err == nil {
		t.Error("CountsPer(15s) = nil error; want one: the store keeps 10s buckets")
	}
}
