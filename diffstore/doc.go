// Package diffstore is the Postgres store of a shadow run: the comparator
// writes its results and checkpoints here, and the dashboard, the `oink diffs`
// commands and the cutover gate read them back, each with one query.
//
// The schema (migrations/, applied by [Migrate] with jackc/tern) has one row
// per run in runs; per-minute totals in counts (pairs by level: identical,
// equivalent, accepted, divergent), accepted_counts and equivalent_counts
// (by rule and by path); one row
// per identity and kind in divergences, with both payloads; one row per
// differing field path in field_diffs; one checkpoint per partition in
// checkpoints; and the comparator instances' last heartbeats in heartbeats.
// Deleting a run deletes all of its rows.
//
// [Store] runs every query over a [DBTX]: a *pgxpool.Pool in production, a
// pgx.Tx in tests.
//
//	pool, err := diffstore.Open(ctx, os.Getenv("DATABASE_URL"))
//	if err != nil { … }
//	defer pool.Close()
//	if err := diffstore.Migrate(ctx, pool); err != nil { … }
//	st := diffstore.New(pool)
//	err = st.EnsureRun(ctx, diffstore.Run{Name: "r1", ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2"})
//	cp, err := st.ClaimPartition(ctx, "r1", 0, "comparator-a")
//	// … read from cp.ControlOffset / cp.CandidateOffset, compare …
//	err = st.CommitBatch(ctx, diffstore.CommitBatch{Run: "r1", Partition: 0, Epoch: cp.Epoch, …})
//	if errors.Is(err, diffstore.ErrFenced) { /* another instance owns partition 0: stop */ }
//
// # Exactly-once accounting
//
// A comparator owns a partition by calling [Store.ClaimPartition], which
// raises the partition's owner epoch and returns its checkpoint. Each
// [Store.CommitBatch] advances the checkpoint and adds its counts, divergences
// and field diffs in one transaction, and only while the epoch it carries is
// still the partition's: an instance that lost the partition in a rebalance
// gets [ErrFenced] and writes nothing. Since counts are committed with the
// offsets they cover, a comparator restarted from its checkpoint replays
// exactly the records whose counts were never added. Divergences and field
// diffs are keyed ((run, identity, kind) and (run, identity, path)) and
// inserted with ON CONFLICT DO NOTHING, so finding one again never duplicates
// it. On any CommitBatch error, claim the partition again and replay from the
// returned checkpoint; never retry the batch as is.
//
// Errors wrap [ErrNotFound], [ErrConflict] or [ErrFenced] where those apply;
// test them with errors.Is.
package diffstore
