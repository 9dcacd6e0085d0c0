package diffstore_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

func TestClaimPartition(t *testing.T) {
	t.Parallel()

	t.Run("the first claim starts at epoch 1 with no offsets and each claim raises the epoch", func(t *testing.T) {
		t.Parallel()
		st := txStore(t)
		first := claim(t, st, "r", 3, "a")
		if first.Epoch != 1 || first.Owner != "a" || first.ControlOffset != diffstore.NoOffset ||
			first.CandidateOffset != diffstore.NoOffset || len(first.Pending) != 0 || first.WatermarkControl != nil {
			t.Errorf("first ClaimPartition = %+v, want epoch 1, owner a, NoOffset, nothing pending", first)
		}
		second := claim(t, st, "r", 3, "b")
		if second.Epoch != 2 || second.Owner != "b" {
			t.Errorf("second ClaimPartition = epoch %d owner %q, want 2 and b", second.Epoch, second.Owner)
		}
		other := claim(t, st, "r", 4, "b")
		if other.Epoch != 1 {
			t.Errorf("ClaimPartition of another partition = epoch %d, want 1", other.Epoch)
		}
	})

	t.Run("a claim returns what the last commit stored", func(t *testing.T) {
		t.Parallel()
		st := txStore(t)
		cp := claim(t, st, "r", 0, "a")
		wm := baseTime().Add(90 * time.Second)
		pending := []diffstore.Position{{Side: diffstore.SideControl, Offset: 7}, {Side: diffstore.SideCandidate, Offset: 9}}
		future := []diffstore.Range{{Side: diffstore.SideCandidate, From: 10, To: 12}}
		commit(t, st, diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: cp.Epoch, ControlOffset: 10,
			CandidateOffset: 12, Pending: pending, Future: future, WatermarkControl: wm, WatermarkCandidate: wm.Add(time.Second)})

		got := claim(t, st, "r", 0, "b")
		if got.Epoch != 2 || got.ControlOffset != 10 || got.CandidateOffset != 12 ||
			got.WatermarkControl == nil || !got.WatermarkControl.Equal(wm) ||
			got.WatermarkCandidate == nil || !got.WatermarkCandidate.Equal(wm.Add(time.Second)) {
			t.Errorf("ClaimPartition after commit = %+v, want epoch 2, offsets 10/12, watermarks %v/%v", got, wm, wm.Add(time.Second))
		}
		if diff := cmp.Diff(pending, got.Pending); diff != "" {
			t.Errorf("Pending (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(future, got.Future); diff != "" {
			t.Errorf("Future (-want +got):\n%s", diff)
		}
	})
}

func TestCommitBatch(t *testing.T) {
	t.Parallel()

	t.Run("a commit with a stale epoch is fenced and writes nothing", func(t *testing.T) {
		t.Parallel()
		st := txStore(t)
		old := claim(t, st, "r", 0, "a")
		commit(t, st, diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: old.Epoch, ControlOffset: 5, CandidateOffset: 5,
			Counts: []diffstore.MinuteCounts{{Minute: baseTime(), Counts: diffstore.Counts{Pairs: 5, Equal: 5}}}})
		before := summary(t, st, "r")
		claim(t, st, "r", 0, "b") // b takes the partition over

		err := st.CommitBatch(t.Context(), diffstore.CommitBatch{
			Run: "r", Partition: 0, Epoch: old.Epoch, ControlOffset: 9, CandidateOffset: 9,
			Pending: []diffstore.Position{{Side: diffstore.SideControl, Offset: 8}},
			Counts: []diffstore.MinuteCounts{{Minute: baseTime(), Counts: diffstore.Counts{Pairs: 4, Divergent: 4},
				AcceptedByRule: map[string]int64{"rule": 1}}},
			Divergences: []diffstore.Divergence{divergent("o1", baseTime(), fd("a", "1", "2", ""))},
			Accepted:    []diffstore.AcceptedPair{{Identity: "o2", Diff: []diffstore.FieldDiff{fd("b", "1", "2", "rule")}}},
		})
		if !errors.Is(err, diffstore.ErrFenced) {
			t.Fatalf("CommitBatch with stale epoch = %v, want ErrFenced", err)
		}
		after := summary(t, st, "r")
		if diff := cmp.Diff(before.Totals, after.Totals); diff != "" {
			t.Errorf("totals changed by a fenced commit (-before +after):\n%s", diff)
		}
		if after.PendingControl != 0 {
			t.Errorf("PendingControl = %d after a fenced commit, want 0", after.PendingControl)
		}
		if _, err := st.Divergence(t.Context(), "r", "o1"); !errors.Is(err, diffstore.ErrNotFound) {
			t.Errorf("Divergence(o1) after a fenced commit = %v, want ErrNotFound", err)
		}
		if paths, err := st.TopPaths(t.Context(), "r", 10); err != nil || len(paths) != 0 {
			t.Errorf("TopPaths after a fenced commit = %v, %v; want none", paths, err)
		}
		cp := claim(t, st, "r", 0, "c")
		if cp.ControlOffset != 5 || cp.CandidateOffset != 5 {
			t.Errorf("offsets after a fenced commit = %d/%d, want 5/5", cp.ControlOffset, cp.CandidateOffset)
		}
	})

	t.Run("a partition nobody claimed is fenced", func(t *testing.T) {
		t.Parallel()
		st := txStore(t)
		err := st.CommitBatch(t.Context(), diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: 1})
		if !errors.Is(err, diffstore.ErrFenced) {
			t.Errorf("CommitBatch on an unclaimed partition = %v, want ErrFenced", err)
		}
	})

	t.Run("a replay stores each divergence once and adds exactly the deltas", func(t *testing.T) {
		t.Parallel()
		st := txStore(t)
		at := baseTime()
		first := claim(t, st, "r", 0, "a")
		commit(t, st, diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: first.Epoch, ControlOffset: 3, CandidateOffset: 3,
			Counts: []diffstore.MinuteCounts{{Minute: at, Counts: diffstore.Counts{ReadControl: 3, ReadCandidate: 3, Pairs: 3, Equal: 1, Divergent: 2}}},
			Divergences: []diffstore.Divergence{
				divergent("o1", at, fd("totals.tax_minor", "1", "2", "")),
				divergent("o2", at.Add(time.Second), fd("totals.tax_minor", "1", "3", "")),
			}})

		// The comparator restarts from the checkpoint and meets o2 again,
		// this time with another payload: the first one stays.
		second := claim(t, st, "r", 0, "a")
		again := divergent("o2", at.Add(time.Second), fd("totals.tax_minor", "1", "4", ""))
		again.Candidate = raw(`{"id": "o2", "v": 3}`)
		commit(t, st, diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: second.Epoch, ControlOffset: 6, CandidateOffset: 6,
			Counts: []diffstore.MinuteCounts{
				{Minute: at.Add(10 * time.Second), Counts: diffstore.Counts{ReadControl: 2, Pairs: 1, Divergent: 1}},
				{Minute: at.Add(20 * time.Second), Counts: diffstore.Counts{ReadControl: 1, ReadCandidate: 3, Pairs: 2, Divergent: 1, Equal: 1}},
			},
			Divergences: []diffstore.Divergence{again, divergent("o3", at.Add(2*time.Second), fd("totals.tax_minor", "1", "5", ""))},
		})

		got := summary(t, st, "r")
		want := diffstore.Counts{ReadControl: 6, ReadCandidate: 6, Pairs: 6, Equal: 2, Divergent: 4}
		if diff := cmp.Diff(want, got.Counts); diff != "" {
			t.Errorf("counts after replay (-want +got):\n%s", diff)
		}
		divs, err := st.Divergences(t.Context(), diffstore.Filter{Run: "r"})
		if err != nil {
			t.Fatalf("Divergences = %v", err)
		}
		var ids []string
		for _, d := range divs {
			ids = append(ids, d.Identity)
		}
		if diff := cmp.Diff([]string{"o3", "o2", "o1"}, ids); diff != "" {
			t.Errorf("divergences after replay (-want +got):\n%s", diff)
		}
		o2, err := st.Divergence(t.Context(), "r", "o2")
		if err != nil {
			t.Fatalf("Divergence(o2) = %v", err)
		}
		if diff := cmp.Diff(raw(`{"id": "o2", "v": 2}`), o2[0].Candidate, equateJSON()); diff != "" {
			t.Errorf("o2 candidate after replay (-first +got):\n%s", diff)
		}
		paths, err := st.TopPaths(t.Context(), "r", 10)
		if err != nil {
			t.Fatalf("TopPaths = %v", err)
		}
		if len(paths) != 1 || paths[0].Divergent != 3 {
			t.Errorf("TopPaths after replay = %+v, want totals.tax_minor divergent in 3 identities", paths)
		}
	})

	t.Run("deltas are summed by UTC minute", func(t *testing.T) {
		t.Parallel()
		st := txStore(t)
		berlin := time.FixedZone("CET", 3600)
		commitCounts(t, st,
			diffstore.MinuteCounts{Minute: baseTime().Add(5 * time.Second), Counts: diffstore.Counts{Pairs: 1}, AcceptedByRule: map[string]int64{"x": 1}},
			diffstore.MinuteCounts{Minute: baseTime().Add(59 * time.Second).In(berlin), Counts: diffstore.Counts{Pairs: 2}, AcceptedByRule: map[string]int64{"x": 2, "y": 1}},
			diffstore.MinuteCounts{Minute: minute(1), Counts: diffstore.Counts{Pairs: 4}},
			diffstore.MinuteCounts{Minute: minute(2)}) // all zero: no row
		got, err := st.CountsPerMinute(t.Context(), "r", time.Time{})
		if err != nil {
			t.Fatalf("CountsPerMinute = %v", err)
		}
		want := []diffstore.MinuteCounts{
			{Minute: baseTime(), Counts: diffstore.Counts{Pairs: 3}, AcceptedByRule: map[string]int64{"x": 3, "y": 1}},
			{Minute: baseTime().Add(time.Minute), Counts: diffstore.Counts{Pairs: 4}, AcceptedByRule: map[string]int64{}},
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("CountsPerMinute (-want +got):\n%s", diff)
		}
	})

	t.Run("an invalid batch is refused with the identity named and writes nothing", func(t *testing.T) {
		t.Parallel()
		st := txStore(t)
		cp := claim(t, st, "r", 0, "a")
		bad := divergent("o-bad", baseTime())
		bad.Control = raw(`{not json`)
		err := st.CommitBatch(t.Context(), diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: cp.Epoch, ControlOffset: 4,
			Counts:      []diffstore.MinuteCounts{{Minute: baseTime(), Counts: diffstore.Counts{Pairs: 1}}},
			Divergences: []diffstore.Divergence{bad, {Identity: "o-kind", Kind: "weird", EventTime: baseTime()}},
		})
		if err == nil || !strings.Contains(err.Error(), "o-bad") || !strings.Contains(err.Error(), "o-kind") {
			t.Fatalf("CommitBatch(invalid) = %v, want an error naming o-bad and o-kind", err)
		}
		if got := summary(t, st, "r"); !got.IsZero() {
			t.Errorf("counts after a refused batch = %+v, want zero", got.Counts)
		}
	})
}

// TestCommitBatchConcurrent commits from several partitions at once into the
// same minutes, each on its own connection, as comparator instances do.
func TestCommitBatchConcurrent(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Schema(t))
	ensureRun(t, st, "r")
	const partitions, batches = 4, 10

	epochs := make([]int64, partitions)
	for p := range partitions {
		epochs[p] = claim(t, st, "r", p, fmt.Sprintf("inst-%d", p)).Epoch
	}
	errs := make(chan error, partitions)
	for p := range partitions {
		go func() {
			for i := range batches {
				err := st.CommitBatch(t.Context(), diffstore.CommitBatch{
					Run: "r", Partition: p, Epoch: epochs[p], ControlOffset: int64(i + 1), CandidateOffset: int64(i + 1),
					Counts: []diffstore.MinuteCounts{
						// Opposite minute orders per partition: sorting must prevent deadlocks.
						{Minute: baseTime().Add(time.Duration((p+i)%2) * time.Minute), Counts: diffstore.Counts{Pairs: 1, Equal: 1}},
						{Minute: baseTime().Add(time.Duration((p+i+1)%2) * time.Minute), Counts: diffstore.Counts{Pairs: 2, Divergent: 2}},
					},
					Divergences: []diffstore.Divergence{divergent(fmt.Sprintf("p%d-%d", p, i), baseTime(), fd("a", "1", "2", ""))},
				})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range partitions {
		if err := <-errs; err != nil {
			t.Errorf("concurrent CommitBatch = %v", err)
		}
	}
	got := summary(t, st, "r")
	want := diffstore.Counts{Pairs: 3 * partitions * batches, Equal: partitions * batches, Divergent: 2 * partitions * batches}
	if diff := cmp.Diff(want, got.Counts); diff != "" {
		t.Errorf("counts after concurrent commits (-want +got):\n%s", diff)
	}
	paths, err := st.TopPaths(t.Context(), "r", 1)
	if err != nil {
		t.Fatalf("TopPaths = %v", err)
	}
	if len(paths) != 1 || paths[0].Divergent != partitions*batches {
		t.Errorf("TopPaths = %+v, want path a in %d identities", paths, partitions*batches)
	}
}

func TestHeartbeat(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	st := diffstore.New(tx)
	ensureRun(t, st, "r")
	for _, hb := range []struct {
		instance   string
		partitions []int
		lag        int64
		caughtUp   bool
	}{
		{"a", []int{0, 1}, 50, false},
		{"a", []int{0, 1, 2}, 0, true}, // replaces a's first heartbeat
		{"b", nil, 7, false},
		{"c", []int{3}, 1, true},
	} {
		if err := st.Heartbeat(t.Context(), "r", hb.instance, hb.partitions, hb.lag, hb.caughtUp); err != nil {
			t.Fatalf("Heartbeat(%q) = %v", hb.instance, err)
		}
	}
	// c went quiet an hour ago.
	if _, err := tx.Exec(t.Context(), `UPDATE heartbeats SET last_seen = now() - interval '1 hour' WHERE instance = 'c'`); err != nil {
		t.Fatalf("age heartbeat: %v", err)
	}

	alive, err := st.Instances(t.Context(), "r", time.Minute)
	if err != nil {
		t.Fatalf("Instances = %v", err)
	}
	type inst struct {
		Name       string
		Partitions []int
		Lag        int64
		CaughtUp   bool
	}
	var got []inst
	for _, i := range alive {
		got = append(got, inst{i.Instance, i.Partitions, i.Lag, i.CaughtUp})
	}
	want := []inst{{"a", []int{0, 1, 2}, 0, true}, {"b", []int{}, 7, false}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Instances(alive within 1m) (-want +got):\n%s", diff)
	}
	all, err := st.Instances(t.Context(), "r", 0)
	if err != nil || len(all) != 3 {
		t.Errorf("Instances(all) = %d instances, %v; want 3", len(all), err)
	}
	if err := st.Heartbeat(t.Context(), "nope", "a", nil, 0, true); !errors.Is(err, diffstore.ErrNotFound) {
		t.Errorf("Heartbeat on an unknown run = %v, want ErrNotFound", err)
	}
}
