package diffstore_test

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

func TestPairsSinceCountsWholeBucketsOnly(t *testing.T) {
	t.Parallel()
	st := txStore(t)
	commitCounts(t, st,
		diffstore.MinuteCounts{Minute: minute(0), Counts: diffstore.Counts{Pairs: 1}},
		diffstore.MinuteCounts{Minute: minute(1), Counts: diffstore.Counts{Pairs: 10}},
		diffstore.MinuteCounts{Minute: minute(2), Counts: diffstore.Counts{Pairs: 100}})
	tests := []struct {
		name        string
		from        time.Time
		want        int64
		wantCounted time.Time
	}{
		{"a window starting mid-bucket skips that bucket", minute(0).Add(5 * time.Second), 110, minute(0).Add(diffstore.CountGrain)},
		{"a window starting on a bucket counts it", minute(1), 110, minute(1)},
		{"a window past the last bucket counts nothing", minute(3).Add(time.Second), 0, minute(3).Add(diffstore.CountGrain)},
	}
	for _, tc := range tests {
		got, counted, err := st.PairsSince(t.Context(), "r", tc.from)
		if err != nil || got != tc.want || !counted.Equal(tc.wantCounted) {
			t.Errorf("%s: PairsSince(%s) = %d from %s (%v), want %d from %s", tc.name, tc.from, got, counted, err, tc.want, tc.wantCounted)
		}
	}
}

func TestDivergencesSinceCountsWhatV2GotWrong(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Schema(t))
	ensureRun(t, st, "r")
	cp := claim(t, st, "r", 0, "a")
	at := func(s int) time.Time { return baseTime().Add(time.Duration(s) * time.Second) }
	beforeCommit := dbNow(t, st)
	dup := func(id string, kind diffstore.Kind) diffstore.Divergence {
		return diffstore.Divergence{Identity: id, Kind: kind, EventTime: at(120), Diff: []diffstore.FieldDiff{fd("$", "1", "2", "")}}
	}
	commit(t, st, diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: cp.Epoch, Divergences: []diffstore.Divergence{
		divergent("early", at(10), fd("a", "1", "2", "")),
		divergent("in-window", at(70), fd("a", "1", "2", "")),
		missing("gone-from-v2", diffstore.KindMissingInCandidate, at(120)),
		missing("gone-from-v1", diffstore.KindMissingInControl, at(120)),
		dup("v2-twice", diffstore.KindDuplicateCandidate),
		dup("v1-twice", diffstore.KindDuplicateControl),
	}})
	tests := []struct {
		name                 string
		from, recorded       time.Time
		wantDiv, wantMissing int64
	}{
		{"by event time: divergent pairs and v2 duplicates, and records missing from v2", at(30), time.Time{}, 2, 1},
		{"a window after every event counts nothing", at(121), time.Time{}, 0, 0},
		{"divergences recorded since the window began count whatever their event time", at(121), beforeCommit, 3, 1},
		{"divergences recorded before the window began do not", at(121), beforeCommit.Add(time.Hour), 0, 0},
	}
	for _, tc := range tests {
		div, miss, err := st.DivergencesSince(t.Context(), "r", tc.from, tc.recorded)
		if err != nil || div != tc.wantDiv || miss != tc.wantMissing {
			t.Errorf("%s: DivergencesSince = %d divergent, %d missing (%v); want %d, %d", tc.name, div, miss, err, tc.wantDiv, tc.wantMissing)
		}
	}
}

func TestComparatorHealthFailsClosed(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Schema(t))
	ensureRun(t, st, "r")
	health := func() diffstore.ComparatorHealth {
		t.Helper()
		h, err := st.ComparatorHealth(t.Context(), "r", 5*time.Second)
		if err != nil {
			t.Fatalf("ComparatorHealth = %v", err)
		}
		return h
	}
	if h := health(); h.Instances != 0 || h.Alive != 0 || h.Partitions != 0 || h.LagSeconds != nil {
		t.Errorf("health without a comparator = %+v, want nothing alive, no partition and an unknown lag", h)
	}

	now := time.Now()
	for p, wm := range map[int]time.Time{0: now.Add(-40 * time.Second), 1: now.Add(-2 * time.Second), 2: {}} {
		cp := claim(t, st, "r", p, "a")
		commit(t, st, diffstore.CommitBatch{Run: "r", Partition: p, Epoch: cp.Epoch, WatermarkControl: wm, WatermarkCandidate: wm})
	}
	heartbeat := func(instance string, parts []int, caughtUp bool) {
		t.Helper()
		if err := st.Heartbeat(t.Context(), "r", instance, parts, 0, caughtUp); err != nil {
			t.Fatalf("Heartbeat = %v", err)
		}
	}
	heartbeat("a", []int{1}, false)
	h := health()
	if h.Alive != 1 || h.Partitions != 3 || !cmp.Equal(h.Uncovered, []int{0, 2}) {
		t.Errorf("one instance owning partition 1 of 3: %+v, want partitions 0 and 2 uncovered", h)
	}
	if lag, ok := h.Lag(); !ok || lag < time.Second || lag > 30*time.Second {
		t.Errorf("lag of partition 1 = %v (%v), want about 2s", lag, ok)
	}

	heartbeat("b", []int{0, 2}, false)
	h = health()
	if len(h.Uncovered) != 0 || !cmp.Equal(h.WithoutWatermark, []int{2}) {
		t.Errorf("every partition owned, partition 2 never watermarked: %+v, want it without a watermark", h)
	}
	if lag, _ := h.Lag(); lag < 39*time.Second {
		t.Errorf("lag = %v, want the slowest partition's, about 40s", lag)
	}

	heartbeat("b", []int{0, 2}, true)
	h = health()
	if lag, ok := h.Lag(); !ok || len(h.WithoutWatermark) != 0 || lag > 30*time.Second {
		t.Errorf("partitions 0 and 2 caught up: lag %v (%v), %+v; want partition 1's lag only", lag, ok, h)
	}

	stats, err := st.GateStats(t.Context(), "r", diffstore.GateWindow{EventFrom: now}, 5*time.Second)
	if err != nil || stats.Health.Alive != 2 || stats.Health.Partitions != 3 || stats.Pairs != 0 {
		t.Errorf("GateStats = %+v, %v; want the same health and no pairs", stats, err)
	}
}

// TestComparatorHealthSidesFromAliveInstances: a side is behind when any
// alive instance says so, its lags are the largest reported, its input lag
// is unknown until one instance knows it, and a dead instance's report no
// longer counts.
func TestComparatorHealthSidesFromAliveInstances(t *testing.T) {
	t.Parallel()
	pool := pgtest.Schema(t)
	st := diffstore.New(pool)
	ensureRun(t, st, "r")
	beat := func(instance string, b diffstore.Beat) {
		t.Helper()
		if err := st.Beat(t.Context(), "r", instance, b); err != nil {
			t.Fatalf("Beat = %v", err)
		}
	}
	health := func(alive time.Duration) diffstore.ComparatorHealth {
		t.Helper()
		h, err := st.ComparatorHealth(t.Context(), "r", alive)
		if err != nil {
			t.Fatalf("ComparatorHealth = %v", err)
		}
		return h
	}
	n := func(v int64) *int64 { return &v }
	beat("a", diffstore.Beat{Partitions: []int{0}, Candidate: diffstore.SideProgress{LagSeconds: 0.2, InputLag: n(3)}})
	beat("b", diffstore.Beat{Partitions: []int{1}, Candidate: diffstore.SideProgress{Behind: true, LagSeconds: 45, InputLag: n(1204)}})
	h := health(time.Minute)
	want := diffstore.SideProgress{Behind: true, LagSeconds: 45, InputLag: n(1204)}
	if diff := cmp.Diff(want, h.Side(diffstore.SideCandidate)); diff != "" {
		t.Errorf("candidate (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(diffstore.SideProgress{}, h.Side(diffstore.SideControl)); diff != "" {
		t.Errorf("control, never reported (-want +got):\n%s", diff)
	}
	insts, err := st.Instances(t.Context(), "r", 0)
	if err != nil || len(insts) != 2 || !insts[1].CandidateBehind || insts[1].CandidateInputLag == nil || *insts[1].CandidateInputLag != 1204 {
		t.Errorf("Instances = %+v, %v; want b's report of the candidate kept", insts, err)
	}
	if _, err := pool.Exec(t.Context(), `UPDATE heartbeats SET last_seen = now() - interval '1 hour' WHERE instance = 'b'`); err != nil {
		t.Fatal(err)
	}
	if got := health(time.Minute).Side(diffstore.SideCandidate); got.Behind || got.LagSeconds != 0.2 {
		t.Errorf("after b died: candidate %+v, want a's report only (not behind, lag 0.2s)", got)
	}
}

// TestGateStatsCountsLevelsOverThePairsBuckets: the levels and equivalent
// paths a gate reads cover exactly the buckets its pairs do.
func TestGateStatsCountsLevelsOverThePairsBuckets(t *testing.T) {
	t.Parallel()
	st := txStore(t)
	commitCounts(t, st,
		diffstore.MinuteCounts{Minute: minute(0), Counts: diffstore.Counts{Pairs: 5, Equal: 5, Equivalent: 5}, EquivalentByPath: map[string]int64{"$timestamp": 5}},
		diffstore.MinuteCounts{Minute: minute(1), Counts: diffstore.Counts{Pairs: 10, Equal: 8, Identical: 6, Equivalent: 2, Accepted: 2},
			EquivalentByPath: map[string]int64{"$headers.trace-id": 2, "$value.order": 1, "a": 1, "b": 1}})
	got, err := st.GateStats(t.Context(), "r", diffstore.GateWindow{EventFrom: minute(1)}, time.Second)
	if err != nil {
		t.Fatalf("GateStats = %v", err)
	}
	want := []diffstore.PathCount{{Path: "$headers.trace-id", N: 2}, {Path: "$value.order", N: 1}, {Path: "a", N: 1}}
	if got.Pairs != 10 || got.Identical != 6 || got.Equivalent != 2 || got.Accepted != 2 || !cmp.Equal(got.EquivalentPaths, want) {
		t.Errorf("GateStats from the second minute = %+v; want 10 pairs: 6 identical, 2 equivalent, 2 accepted, paths %v", got, want)
	}
}
