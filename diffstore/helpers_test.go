package diffstore_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// baseTime is the first minute of every test's source event times.
func baseTime() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) }

// txStore returns a Store over a transaction rolled back at cleanup, with
// the run "r" (rtcim.v1 → rtcim.v2) in it.
func txStore(t *testing.T) *diffstore.Store {
	t.Helper()
	st := diffstore.New(pgtest.Tx(t))
	ensureRun(t, st, "r")
	return st
}

func ensureRun(t testing.TB, st *diffstore.Store, name string) {
	t.Helper()
	err := st.EnsureRun(t.Context(), diffstore.Run{Name: name, ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2"})
	if err != nil {
		t.Fatalf("EnsureRun(%q) = %v", name, err)
	}
}

func claim(t testing.TB, st *diffstore.Store, run string, partition int, owner string) diffstore.Checkpoint {
	t.Helper()
	cp, err := st.ClaimPartition(t.Context(), run, partition, owner)
	if err != nil {
		t.Fatalf("ClaimPartition(%q, %d, %q) = %v", run, partition, owner, err)
	}
	return cp
}

func commit(t testing.TB, st *diffstore.Store, b diffstore.CommitBatch) {
	t.Helper()
	if err := st.CommitBatch(t.Context(), b); err != nil {
		t.Fatalf("CommitBatch(run %q, partition %d, epoch %d) = %v", b.Run, b.Partition, b.Epoch, err)
	}
}

// commitCounts claims partition 0 of run "r" for "a" and commits counts
// on it.
func commitCounts(t testing.TB, st *diffstore.Store, counts ...diffstore.MinuteCounts) {
	t.Helper()
	cp := claim(t, st, "r", 0, "a")
	commit(t, st, diffstore.CommitBatch{Run: "r", Partition: 0, Epoch: cp.Epoch, Counts: counts})
}

// minute is n minutes after baseTime.
func minute(n int) time.Time { return baseTime().Add(time.Duration(n) * time.Minute) }

func summary(t testing.TB, st *diffstore.Store, run string) diffstore.Summary {
	t.Helper()
	s, err := st.Summary(t.Context(), run)
	if err != nil {
		t.Fatalf("Summary(%q) = %v", run, err)
	}
	return s
}

func raw(s string) json.RawMessage { return json.RawMessage(s) }

// fd builds a field diff from JSON texts.
func fd(path, control, candidate, rule string) diffstore.FieldDiff {
	return diffstore.FieldDiff{Path: path, Control: raw(control), Candidate: raw(candidate), Rule: rule}
}

// divergent builds a divergent pair's divergence.
func divergent(identity string, at time.Time, diff ...diffstore.FieldDiff) diffstore.Divergence {
	return diffstore.Divergence{
		Identity: identity, Kind: diffstore.KindDivergent, EventTime: at,
		Control: raw(`{"id": "` + identity + `", "v": 1}`), Candidate: raw(`{"id": "` + identity + `", "v": 2}`),
		Diff: diff,
	}
}

// missing builds the divergence of a record present on one side only.
func missing(identity string, kind diffstore.Kind, at time.Time) diffstore.Divergence {
	d := diffstore.Divergence{Identity: identity, Kind: kind, EventTime: at}
	if kind == diffstore.KindMissingInCandidate {
		d.Control = raw(`{"id": "` + identity + `"}`)
	} else {
		d.Candidate = raw(`{"id": "` + identity + `"}`)
	}
	return d
}

// equateJSON compares JSON by decoded value: Postgres' jsonb reformats it.
func equateJSON() cmp.Option {
	return cmp.Comparer(func(a, b json.RawMessage) bool {
		if a == nil || b == nil {
			return a == nil && b == nil
		}
		var va, vb any
		if json.Unmarshal(a, &va) != nil || json.Unmarshal(b, &vb) != nil {
			return string(a) == string(b)
		}
		return reflect.DeepEqual(va, vb)
	})
}
