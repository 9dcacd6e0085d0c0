package diffstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ceilBucket returns the first count bucket boundary at or after t, in UTC.
func ceilBucket(t time.Time) time.Time {
	m := truncBucket(t)
	if m.Before(t) {
		m = m.Add(CountGrain)
	}
	return m
}

const pairsSinceSQL = `SELECT coalesce(sum(pairs), 0)::bigint FROM counts WHERE run = $1 AND bucket >= $2`

// PairsSince returns the pairs the run compared over the count buckets of
// source event time that lie wholly at or after from, and the first such
// bucket. Counts are kept per bucket (CountGrain), so from is rounded up to
// the next bucket: a bucket that began before from may hold pairs from
// before the window, and counting them could let a gate pass on evidence
// older than its stage (it fails closed instead: the window's first partial
// bucket never counts).
func (s *Store) PairsSince(ctx context.Context, run string, from time.Time) (pairs int64, counted time.Time, err error) {
	counted = ceilBucket(from)
	if err := s.db.QueryRow(ctx, pairsSinceSQL, run, counted).Scan(&pairs); err != nil {
		return 0, counted, fmt.Errorf("pairs of run %q since %s: %w", run, counted.Format(time.RFC3339), err)
	}
	return pairs, counted, nil
}

// divergencesSinceSQL counts what a gate may not pass: divergent pairs,
// records missing from the candidate, and candidate duplicates whose bytes
// differ from the first copy (the comparator stores a duplicate only then):
// v2 said two different things about one identity. Control duplicates and
// records missing from the control are v1's doing and do not count.
const divergencesSinceSQL = `
SELECT count(*) FILTER (WHERE kind <> 'missing_in_candidate'),
       count(*) FILTER (WHERE kind = 'missing_in_candidate')
FROM divergences
WHERE run = $1 AND kind IN ('divergent', 'missing_in_candidate', 'duplicate_candidate')
  AND (event_time >= $2 OR ($3::timestamptz IS NOT NULL AND first_seen >= $3))`

// DivergencesSince counts the run's divergences that a cutover gate must not
// pass (kinds divergent and duplicate_candidate in divergent,
// missing_in_candidate in missingInCandidate) whose source event time is at
// or after eventTimeFrom, or, when recordedFrom is not zero, that the
// comparator first recorded at or after recordedFrom (database time). The
// second condition catches a divergence of an earlier stage's records that
// was found only after the stage ended. Accepted differences are never
// divergences.
func (s *Store) DivergencesSince(ctx context.Context, run string, eventTimeFrom, recordedFrom time.Time) (divergent, missingInCandidate int64, err error) {
	err = s.db.QueryRow(ctx, divergencesSinceSQL, run, eventTimeFrom, nullTime(recordedFrom)).Scan(&divergent, &missingInCandidate)
	if err != nil {
		return 0, 0, fmt.Errorf("divergences of run %q since %s: %w", run, eventTimeFrom.Format(time.RFC3339), err)
	}
	return divergent, missingInCandidate, nil
}

// ComparatorHealth is what a cutover gate reads about the comparator of a
// run: whether every partition is in the hands of a live instance, and how
// far behind the comparison is.
type ComparatorHealth struct {
	// Now is the database clock when it was read.
	Now time.Time `db:"db_now" json:"now"`
	// Instances sent a heartbeat at least once; Alive of them within the
	// aliveWithin given.
	Instances int `db:"instances" json:"instances"`
	Alive     int `db:"alive" json:"alive"`
	// Partitions have a checkpoint. Uncovered lists those that no alive
	// instance owns; WithoutWatermark those owned by an instance that is not
	// caught up and with no watermark yet.
	Partitions       int   `db:"partitions" json:"partitions"`
	Uncovered        []int `db:"uncovered" json:"uncovered"`
	WithoutWatermark []int `db:"without_watermark" json:"withoutWatermark"`
	// LagSeconds is the comparator's lag: over the covered partitions, the
	// largest of Now minus the partition's watermark (the later of its
	// control and candidate watermarks), counting 0 for a partition whose
	// owner reports it is caught up. nil when no covered partition has a
	// known lag.
	LagSeconds *float64 `db:"lag_seconds" json:"lagSeconds"`
	// The sides' progress over the alive instances (see SideProgress): a
	// side is behind when any instance says so; the lags are the largest
	// any reports (input lags nil when none knows).
	SidesProgress
}

// Lag returns LagSeconds as a duration, and false when it is unknown.
func (h ComparatorHealth) Lag() (time.Duration, bool) {
	if h.LagSeconds == nil {
		return 0, false
	}
	return time.Duration(*h.LagSeconds * float64(time.Second)), true
}

// comparatorHealthSQL judges each checkpointed partition by the alive
// instances that list it in their heartbeat (during a rebalance two may).
const comparatorHealthSQL = `
WITH alive AS (
    SELECT partitions, caught_up, control_behind, control_lag_seconds, control_input_lag,
        candidate_behind, candidate_lag_seconds, candidate_input_lag
    FROM heartbeats
    WHERE run = $1 AND last_seen >= clock_timestamp() - $2::interval
), parts AS (
    SELECT c.partition, greatest(c.watermark_control, c.watermark_candidate) AS wm,
        (SELECT bool_or(a.caught_up) FROM alive a WHERE c.partition = ANY (a.partitions)) AS owner_caught_up
    FROM checkpoints c WHERE c.run = $1
)
SELECT clock_timestamp() AS db_now,
    (SELECT count(*) FROM heartbeats WHERE run = $1)::int AS instances,
    (SELECT count(*) FROM alive)::int AS alive,
    (SELECT count(*) FROM parts)::int AS partitions,
    coalesce((SELECT array_agg(partition ORDER BY partition) FROM parts
        WHERE owner_caught_up IS NULL), '{}')::int[] AS uncovered,
    coalesce((SELECT array_agg(partition ORDER BY partition) FROM parts
        WHERE owner_caught_up = false AND wm IS NULL), '{}')::int[] AS without_watermark,
    (SELECT max(CASE WHEN owner_caught_up THEN 0
                     ELSE greatest(0, extract(epoch FROM clock_timestamp() - wm)) END)
     FROM parts WHERE owner_caught_up OR (owner_caught_up = false AND wm IS NOT NULL))::float8 AS lag_seconds,
    coalesce((SELECT bool_or(control_behind) FROM alive), false) AS control_behind,
    coalesce((SELECT max(control_lag_seconds) FROM alive), 0)::float8 AS control_lag_seconds,
    (SELECT max(control_input_lag) FROM alive) AS control_input_lag,
    coalesce((SELECT bool_or(candidate_behind) FROM alive), false) AS candidate_behind,
    coalesce((SELECT max(candidate_lag_seconds) FROM alive), 0)::float8 AS candidate_lag_seconds,
    (SELECT max(candidate_input_lag) FROM alive) AS candidate_input_lag`

// ComparatorHealth reads the health of the run's comparator: heartbeats at
// most aliveWithin old (database clock) count as alive. Zero Partitions, or
// any Uncovered, or any WithoutWatermark, or an unknown lag all mean the
// comparator cannot vouch for the run: a gate must not pass. Nor may it
// while a side is behind: what that side has not written yet is neither
// compared nor missing.
func (s *Store) ComparatorHealth(ctx context.Context, run string, aliveWithin time.Duration) (ComparatorHealth, error) {
	return selectOne[ComparatorHealth](ctx, s.db, fmt.Sprintf("comparator health of run %q", run), comparatorHealthSQL, run, aliveWithin)
}

// GateWindow is the span a cutover gate judges: records with a source event
// time at or after EventFrom, and divergences recorded at or after
// RecordedFrom (database time; zero: only by event time).
type GateWindow struct {
	EventFrom    time.Time
	RecordedFrom time.Time
}

// GateStats is everything a gate reads, from [Store.GateStats].
type GateStats struct {
	Pairs     int64     `json:"pairs"`
	PairsFrom time.Time `json:"pairsFrom"` // first minute counted (see PairsSince)
	// Identical, Equivalent and Accepted are the pairs of each level over
	// the same buckets as Pairs; EquivalentPaths the paths most often
	// differing in a way that does not count there (at most
	// gateEquivalentPaths, most first). A gate that requires a level reads
	// them.
	Identical          int64            `json:"identical"`
	Equivalent         int64            `json:"equivalent"`
	Accepted           int64            `json:"accepted"`
	EquivalentPaths    []PathCount      `json:"equivalentPaths"`
	Divergent          int64            `json:"divergent"`
	MissingInCandidate int64            `json:"missingInCandidate"`
	Health             ComparatorHealth `json:"health"`
}

// PathCount is how many pairs differed at a path.
type PathCount struct {
	Path string `json:"path"`
	N    int64  `json:"n"`
}

// gateEquivalentPaths bounds GateStats.EquivalentPaths: enough to say why
// a gate holds.
const gateEquivalentPaths = 3

// levelsSinceSQL counts the pairs, and those of each level, over the same
// buckets as pairsSinceSQL.
const levelsSinceSQL = `
SELECT coalesce(sum(pairs), 0)::bigint, coalesce(sum(identical), 0)::bigint,
    coalesce(sum(equivalent), 0)::bigint, coalesce(sum(accepted), 0)::bigint
FROM counts WHERE run = $1 AND bucket >= $2`

const equivalentPathsSinceSQL = `
SELECT path, sum(n)::bigint FROM equivalent_counts WHERE run = $1 AND bucket >= $2
GROUP BY path ORDER BY 2 DESC, 1 LIMIT $3`

// GateStats reads in one round trip what a gate judges over w: the pairs
// (PairsSince) with their levels, the comparator's health (ComparatorHealth) and, last, the
// divergences (DivergencesSince). Divergences are read last on purpose:
// under READ COMMITTED each statement sees the latest commits, so a
// comparator batch committed between the statements can add divergences to
// pairs already counted, never pairs without their divergences.
func (s *Store) GateStats(ctx context.Context, run string, w GateWindow, aliveWithin time.Duration) (GateStats, error) {
	g := GateStats{PairsFrom: ceilBucket(w.EventFrom), EquivalentPaths: []PathCount{}}
	b := &pgx.Batch{}
	b.Queue(levelsSinceSQL, run, g.PairsFrom).QueryRow(func(r pgx.Row) error {
		return r.Scan(&g.Pairs, &g.Identical, &g.Equivalent, &g.Accepted)
	})
	b.Queue(equivalentPathsSinceSQL, run, g.PairsFrom, gateEquivalentPaths).Query(func(rows pgx.Rows) error {
		var p PathCount
		_, err := pgx.ForEachRow(rows, []any{&p.Path, &p.N}, func() error {
			g.EquivalentPaths = append(g.EquivalentPaths, p)
			return nil
		})
		return err
	})
	b.Queue(comparatorHealthSQL, run, aliveWithin).Query(func(rows pgx.Rows) error {
		var err error
		g.Health, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[ComparatorHealth])
		return err
	})
	b.Queue(divergencesSinceSQL, run, w.EventFrom, nullTime(w.RecordedFrom)).QueryRow(func(r pgx.Row) error {
		return r.Scan(&g.Divergent, &g.MissingInCandidate)
	})
	if err := s.db.SendBatch(ctx, b).Close(); err != nil {
		return GateStats{}, fmt.Errorf("gate stats of run %q: %w", run, err)
	}
	return g, nil
}

// GateEvaluation is one evaluation of a gate, as the controller recorded it.
type GateEvaluation struct {
	Run                string    `db:"run" json:"run"`
	ID                 int64     `db:"id" json:"id"`
	At                 time.Time `db:"at" json:"at"` // set by the store
	Stage              int       `db:"stage" json:"stage"`
	Percent            float64   `db:"percent" json:"percent"`
	Pairs              int64     `db:"pairs" json:"pairs"`
	MinPairs           int64     `db:"min_pairs" json:"minPairs"`
	Divergent          int64     `db:"divergent" json:"divergent"`
	MissingInCandidate int64     `db:"missing_in_candidate" json:"missingInCandidate"`
	InstancesAlive     int       `db:"instances_alive" json:"instancesAlive"`
	LagSeconds         *float64  `db:"lag_seconds" json:"lagSeconds"` // nil: unknown
	HoldLeftSeconds    float64   `db:"hold_left_seconds" json:"holdLeftSeconds"`
	Passed             bool      `db:"passed" json:"passed"`
	Reasons            []string  `db:"reasons" json:"reasons"` // why it did not pass
}

// GateEvaluationsKept is how many evaluations [Store.RecordGate] keeps per
// run: at a 500ms tick, a little over eight minutes of them. Decisions keep
// the evaluation they were made on in the audit log, for ever.
const GateEvaluationsKept = 1000

// recordGateSQL inserts the evaluation and, in the same statement, deletes
// the run's evaluations older than the GateEvaluationsKept-1 newest stored
// before it (the DELETE's snapshot does not include the new row), so exactly
// GateEvaluationsKept remain.
const recordGateSQL = `
WITH ins AS (
    INSERT INTO gate_evaluations (run, stage, percent, pairs, min_pairs, divergent, missing_in_candidate,
        instances_alive, lag_seconds, hold_left_seconds, passed, reasons)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
    RETURNING id
), pruned AS (
    DELETE FROM gate_evaluations
    WHERE run = $1 AND id <= (SELECT id FROM gate_evaluations WHERE run = $1 ORDER BY id DESC OFFSET $13 LIMIT 1)
)
SELECT id FROM ins`

// RecordGate stores e (its ID and At are set by the store), keeping only the
// run's GateEvaluationsKept newest evaluations, and returns the new ID.
func (s *Store) RecordGate(ctx context.Context, e GateEvaluation) (int64, error) {
	reasons := e.Reasons
	if reasons == nil {
		reasons = []string{}
	}
	var id int64
	err := s.db.QueryRow(ctx, recordGateSQL, e.Run, e.Stage, e.Percent, e.Pairs, e.MinPairs, e.Divergent,
		e.MissingInCandidate, e.InstancesAlive, e.LagSeconds, e.HoldLeftSeconds, e.Passed, reasons,
		GateEvaluationsKept-1).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("record gate of run %q: %w", e.Run, err)
	}
	return id, nil
}

const gateEvaluationsSQL = `
SELECT run, id, at, stage, percent, pairs, min_pairs, divergent, missing_in_candidate,
    instances_alive, lag_seconds, hold_left_seconds, passed, reasons
FROM gate_evaluations WHERE run = $1 ORDER BY id DESC LIMIT $2`

// GateEvaluations returns the run's newest gate evaluations, newest first:
// at most limit (DefaultLimit when limit <= 0).
func (s *Store) GateEvaluations(ctx context.Context, run string, limit int) ([]GateEvaluation, error) {
	return selectAll[GateEvaluation](ctx, s.db, fmt.Sprintf("gate evaluations of run %q", run), gateEvaluationsSQL, run, orDefault(limit))
}
