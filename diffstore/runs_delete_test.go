package diffstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// fillEveryTable writes a row of run into every table that holds runs'
// rows: the comparator's (counts, divergences, field diffs, checkpoints,
// heartbeats), the cutover's (plans, state, transitions, gate evaluations,
// audit) and the switch's provenance.
func fillEveryTable(t *testing.T, st *diffstore.Store, run string) {
	t.Helper()
	ctx := t.Context()
	ensureRun(t, st, run)
	cp := claim(t, st, run, 0, "a")
	commit(t, st, diffstore.CommitBatch{Run: run, Partition: 0, Epoch: cp.Epoch,
		Counts: []diffstore.MinuteCounts{{Minute: baseTime(), Counts: diffstore.Counts{Pairs: 2, Divergent: 1, Accepted: 1},
			AcceptedByRule: map[string]int64{"rule": 1}}},
		Divergences: []diffstore.Divergence{divergent("o1", baseTime(), fd("a", "1", "2", ""))}})
	if err := st.Heartbeat(ctx, run, "a", []int{0}, 0, true); err != nil {
		t.Fatalf("Heartbeat = %v", err)
	}
	fillCutoverAndSwitch(t, st, run)
}

// fillCutoverAndSwitch writes run's cutover (plan, state, a transition
// with its audit entry, a gate evaluation) and a switch sync.
func fillCutoverAndSwitch(t *testing.T, st *diffstore.Store, run string) {
	t.Helper()
	ctx := t.Context()
	s0 := applyPlan(t, st, run, time.Second)
	pct := 10.0
	if _, _, err := st.ChangeCutover(ctx, diffstore.Change{Run: run, ExpectVersion: s0.Version, Stage: 0,
		Phase: diffstore.PhaseRunning, Percent: &pct, Action: "start", Actor: "alice", Reason: "go"}); err != nil {
		t.Fatalf("ChangeCutover = %v", err)
	}
	if _, err := st.RecordGate(ctx, diffstore.GateEvaluation{Run: run, Percent: 10, Pairs: 1}); err != nil {
		t.Fatalf("RecordGate = %v", err)
	}
	if err := st.SyncSwitch(ctx, diffstore.SwitchSync{Run: run, Live: "rtcim", Seq: 1, Instance: "s",
		Totals:  diffstore.SwitchCounts{Forwarded: [2]int64{1, 0}},
		Minutes: map[time.Time][2]int64{baseTime(): {1, 0}}}); err != nil {
		t.Fatalf("SyncSwitch = %v", err)
	}
}

// rowsOf counts, per table of the schema with a run column (name for
// runs), the rows of run.
func rowsOf(t *testing.T, tx pgx.Tx, run string) map[string]int64 {
	t.Helper()
	ctx := t.Context()
	rows, err := tx.Query(ctx, `SELECT table_name, column_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND (column_name = 'run' OR (table_name = 'runs' AND column_name = 'name'))`)
	if err != nil {
		t.Fatal(err)
	}
	type col struct{ Table, Column string }
	cols, err := pgx.CollectRows(rows, pgx.RowToStructByPos[col])
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, c := range cols {
		var n int64
		if err := tx.QueryRow(ctx, "SELECT count(*) FROM "+pgx.Identifier{c.Table}.Sanitize()+" WHERE "+
			pgx.Identifier{c.Column}.Sanitize()+" = $1", run).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[c.Table] = n
	}
	return out
}

// TestDeleteRunLeavesNoRow: after DeleteRun, no table with a run column
// holds a row of the run, whichever table a migration adds, and another
// run keeps all of its rows.
func TestDeleteRunLeavesNoRow(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	st := diffstore.New(tx)
	fillEveryTable(t, st, "r")
	fillEveryTable(t, st, "other")
	before := rowsOf(t, tx, "r")
	for table, n := range before {
		if n == 0 && table != "equivalent_counts" {
			t.Errorf("the fixture wrote no row of run r into %s: the test would not see it kept", table)
		}
	}
	otherBefore := rowsOf(t, tx, "other")
	if err := st.DeleteRun(t.Context(), "r"); err != nil {
		t.Fatalf("DeleteRun = %v", err)
	}
	for table, n := range rowsOf(t, tx, "r") {
		if n != 0 {
			t.Errorf("after DeleteRun(r), %s holds %d rows of it", table, n)
		}
	}
	for table, n := range rowsOf(t, tx, "other") {
		if n != otherBefore[table] {
			t.Errorf("DeleteRun(r) changed %s's rows of run other: %d, want %d", table, n, otherBefore[table])
		}
	}
	if err := st.DeleteRun(t.Context(), "r"); !errors.Is(err, diffstore.ErrNotFound) {
		t.Errorf("DeleteRun of a deleted run = %v, want ErrNotFound", err)
	}
}

// TestDeleteRunOfOnlyACutover: a run whose plan was applied but whose
// comparator never ran is deleted, plans and audit included.
func TestDeleteRunOfOnlyACutover(t *testing.T) {
	t.Parallel()
	tx := pgtest.Tx(t)
	st := diffstore.New(tx)
	fillCutoverAndSwitch(t, st, "plan-only")
	if err := st.DeleteRun(t.Context(), "plan-only"); err != nil {
		t.Fatalf("DeleteRun of a run with only a cutover = %v, want nil", err)
	}
	for table, n := range rowsOf(t, tx, "plan-only") {
		if n != 0 {
			t.Errorf("after DeleteRun, %s holds %d rows of the run", table, n)
		}
	}
}

// TestRunListingsShowRunsAndCutovers: a run with a cutover shows its
// phase, stage and percent; a cutover without a comparator run is listed
// too; a finished run carries its finish time.
func TestRunListingsShowRunsAndCutovers(t *testing.T) {
	t.Parallel()
	st := diffstore.New(pgtest.Tx(t))
	fillEveryTable(t, st, "both")
	ensureRun(t, st, "compare-only")
	if _, err := st.FinishRun(t.Context(), "compare-only"); err != nil {
		t.Fatal(err)
	}
	applyPlan(t, st, "plan-only", time.Second)
	ls, err := st.RunListings(t.Context())
	if err != nil {
		t.Fatalf("RunListings = %v", err)
	}
	got := map[string]diffstore.RunListing{}
	for _, l := range ls {
		got[l.Name] = l
	}
	if l := got["both"]; l.Run == nil || l.Cutover == nil || l.Cutover.Phase != diffstore.PhaseRunning ||
		l.Cutover.Stage != 0 || l.Cutover.Percent != 10 || l.LastHeartbeat == nil {
		t.Errorf("listing of a run with a running cutover = %+v (cutover %+v)", l, l.Cutover)
	}
	if l := got["compare-only"]; l.Run == nil || l.Run.FinishedAt == nil || l.Cutover != nil {
		t.Errorf("listing of a finished run without cutover = %+v", l)
	}
	if l := got["plan-only"]; l.Run != nil || l.Cutover == nil || l.Cutover.Phase != diffstore.PhasePending || l.Cutover.Stage != -1 {
		t.Errorf("listing of a cutover without a run = %+v (cutover %+v)", l, l.Cutover)
	}
	if len(ls) != 3 {
		t.Errorf("RunListings = %d listings, want 3", len(ls))
	}
}
