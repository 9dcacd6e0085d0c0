package diffstore_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

func TestEnsureRun(t *testing.T) {
	t.Parallel()

	t.Run("a new run is stored with its rules", func(t *testing.T) {
		t.Parallel()
		st := diffstore.New(pgtest.Tx(t))
		want := diffstore.Run{Name: "r", ControlTopic: "a", CandidateTopic: "b", RulesName: "rules.yaml",
			Rules: raw(`{"ignore": ["rtcim_id"]}`)}
		if err := st.EnsureRun(t.Context(), want); err != nil {
			t.Fatalf("EnsureRun = %v", err)
		}
		got, err := st.GetRun(t.Context(), "r")
		if err != nil {
			t.Fatalf("GetRun = %v", err)
		}
		if got.CreatedAt.IsZero() || got.FinishedAt != nil {
			t.Errorf("GetRun: CreatedAt = %v, FinishedAt = %v; want set and nil", got.CreatedAt, got.FinishedAt)
		}
		want.CreatedAt = got.CreatedAt
		if diff := cmp.Diff(want, got, equateJSON()); diff != "" {
			t.Errorf("GetRun (-want +got):\n%s", diff)
		}
	})

	t.Run("ensuring an existing run with the same topics keeps its first rules", func(t *testing.T) {
		t.Parallel()
		st := diffstore.New(pgtest.Tx(t))
		first := diffstore.Run{Name: "r", ControlTopic: "a", CandidateTopic: "b", RulesName: "one"}
		again := diffstore.Run{Name: "r", ControlTopic: "a", CandidateTopic: "b", RulesName: "two"}
		for _, r := range []diffstore.Run{first, again} {
			if err := st.EnsureRun(t.Context(), r); err != nil {
				t.Fatalf("EnsureRun(%+v) = %v", r, err)
			}
		}
		got, err := st.GetRun(t.Context(), "r")
		if err != nil {
			t.Fatalf("GetRun = %v", err)
		}
		if got.RulesName != "one" {
			t.Errorf("RulesName = %q, want %q (the first)", got.RulesName, "one")
		}
	})

	for _, tc := range []struct {
		name  string
		run   diffstore.Run
		field string
	}{
		{"another control topic is a conflict naming control_topic",
			diffstore.Run{Name: "r", ControlTopic: "x", CandidateTopic: "b"}, "control_topic"},
		{"another candidate topic is a conflict naming candidate_topic",
			diffstore.Run{Name: "r", ControlTopic: "a", CandidateTopic: "x"}, "candidate_topic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			st := diffstore.New(pgtest.Tx(t))
			if err := st.EnsureRun(t.Context(), diffstore.Run{Name: "r", ControlTopic: "a", CandidateTopic: "b"}); err != nil {
				t.Fatalf("EnsureRun = %v", err)
			}
			err := st.EnsureRun(t.Context(), tc.run)
			var mismatch *diffstore.RunMismatchError
			if !errors.As(err, &mismatch) || !errors.Is(err, diffstore.ErrConflict) {
				t.Fatalf("EnsureRun(%+v) = %v, want a *RunMismatchError wrapping ErrConflict", tc.run, err)
			}
			if mismatch.Field != tc.field {
				t.Errorf("RunMismatchError.Field = %q, want %q", mismatch.Field, tc.field)
			}
		})
	}

	t.Run("a run without topics is refused", func(t *testing.T) {
		t.Parallel()
		st := diffstore.New(pgtest.Tx(t))
		if err := st.EnsureRun(t.Context(), diffstore.Run{Name: "r"}); err == nil {
			t.Errorf("EnsureRun without topics = nil, want an error")
		}
	})
}

func TestRunLifecycle(t *testing.T) {
	t.Parallel()

	t.Run("unknown runs are not found", func(t *testing.T) {
		t.Parallel()
		st := diffstore.New(pgtest.Tx(t))
		if _, err := st.GetRun(t.Context(), "nope"); !errors.Is(err, diffstore.ErrNotFound) {
			t.Errorf("GetRun(nope) = %v, want ErrNotFound", err)
		}
		if err := st.DeleteRun(t.Context(), "nope"); !errors.Is(err, diffstore.ErrNotFound) {
			t.Errorf("DeleteRun(nope) = %v, want ErrNotFound", err)
		}
		if _, err := st.FinishRun(t.Context(), "nope"); !errors.Is(err, diffstore.ErrNotFound) {
			t.Errorf("FinishRun(nope) = %v, want ErrNotFound", err)
		}
		if _, err := st.Summary(t.Context(), "nope"); !errors.Is(err, diffstore.ErrNotFound) {
			t.Errorf("Summary(nope) = %v, want ErrNotFound", err)
		}
		if _, err := st.ClaimPartition(t.Context(), "nope", 0, "a"); !errors.Is(err, diffstore.ErrNotFound) {
			t.Errorf("ClaimPartition(nope) = %v, want ErrNotFound", err)
		}
	})

	t.Run("finishing a run twice keeps the first time", func(t *testing.T) {
		t.Parallel()
		st := txStore(t)
		first, err := st.FinishRun(t.Context(), "r")
		if err != nil {
			t.Fatalf("FinishRun = %v", err)
		}
		second, err := st.FinishRun(t.Context(), "r")
		if err != nil {
			t.Fatalf("second FinishRun = %v", err)
		}
		got, err := st.GetRun(t.Context(), "r")
		if err != nil {
			t.Fatalf("GetRun = %v", err)
		}
		if !second.Equal(first) || got.FinishedAt == nil || !got.FinishedAt.Equal(first) {
			t.Errorf("FinishRun twice = %v then %v, stored %v; want all equal", first, second, got.FinishedAt)
		}
	})

	t.Run("runs are listed and deleting one deletes all its rows", func(t *testing.T) {
		t.Parallel()
		st := txStore(t)
		ensureRun(t, st, "other")
		cp := claim(t, st, "r", 0, "a")
		commit(t, st, diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: cp.Epoch,
			Counts:      []diffstore.MinuteCounts{{Minute: baseTime(), Counts: diffstore.Counts{Pairs: 1, Divergent: 1}}},
			Divergences: []diffstore.Divergence{divergent("o1", baseTime(), fd("a", "1", "2", ""))}})
		if err := st.Heartbeat(t.Context(), "r", "a", []int{0}, 0, true); err != nil {
			t.Fatalf("Heartbeat = %v", err)
		}

		runs, err := st.ListRuns(t.Context())
		if err != nil {
			t.Fatalf("ListRuns = %v", err)
		}
		var names []string
		for _, r := range runs {
			names = append(names, r.Name)
		}
		// Both were created in one transaction, hence at the same time: by name.
		if diff := cmp.Diff([]string{"other", "r"}, names); diff != "" {
			t.Errorf("ListRuns names (-want +got):\n%s", diff)
		}

		if err := st.DeleteRun(t.Context(), "r"); err != nil {
			t.Fatalf("DeleteRun = %v", err)
		}
		if _, err := st.Divergence(t.Context(), "r", "o1"); !errors.Is(err, diffstore.ErrNotFound) {
			t.Errorf("Divergence after DeleteRun = %v, want ErrNotFound", err)
		}
		totals, err := st.CountsSince(t.Context(), "r", baseTime())
		if err != nil {
			t.Fatalf("CountsSince = %v", err)
		}
		cps, err := st.Checkpoints(t.Context(), "r")
		if err != nil {
			t.Fatalf("Checkpoints = %v", err)
		}
		inst, err := st.Instances(t.Context(), "r", 0)
		if err != nil {
			t.Fatalf("Instances = %v", err)
		}
		if !totals.IsZero() || len(cps) != 0 || len(inst) != 0 {
			t.Errorf("after DeleteRun: totals %+v, %d checkpoints, %d instances; want none", totals.Counts, len(cps), len(inst))
		}
		err = st.CommitBatch(t.Context(), diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: cp.Epoch})
		if !errors.Is(err, diffstore.ErrFenced) {
			t.Errorf("CommitBatch after DeleteRun = %v, want ErrFenced", err)
		}
	})
}
