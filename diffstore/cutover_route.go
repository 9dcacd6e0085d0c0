package diffstore

import (
	"context"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"
)

// Transition is one change of a run's route: from source event time
// EffectiveFrom on, v2 owns the key buckets below Percent×100.
type Transition struct {
	Seq           int64     `db:"seq" json:"seq"` // 1, 2, 3… per run
	Percent       float64   `db:"percent" json:"percent"`
	EffectiveFrom time.Time `db:"effective_from" json:"effectiveFrom"`
	Actor         string    `db:"actor" json:"actor"`
	Reason        string    `db:"reason" json:"reason"`
	CreatedAt     time.Time `db:"created_at" json:"createdAt"` // database time of the insert
}

// Route is the routing history of a run: the transitions ordered by
// EffectiveFrom (and Seq), and the horizon up to which it is complete: no
// transition that is not in Transitions can ever take effect at a source
// event time before Horizon. A switch must not forward a record whose
// source event time is at or after Horizon; it reads the route again.
type Route struct {
	Transitions []Transition `json:"transitions"`
	Horizon     time.Time    `json:"horizon"`
}

// PercentAt returns the v2 percent in force at source event time t: the
// percent of the last transition with EffectiveFrom <= t, 0 before any. It
// does not look at the horizon: check t.Before(r.Horizon) first.
func (r Route) PercentAt(t time.Time) float64 {
	// The first transition in force after t; the one before it is in force at t.
	i := sort.Search(len(r.Transitions), func(i int) bool { return r.Transitions[i].EffectiveFrom.After(t) })
	if i == 0 {
		return 0
	}
	return r.Transitions[i-1].Percent
}

// BucketsAt returns how many key buckets v2 owns at source event time t:
// v2 owns the buckets b with b < BucketsAt(t), bucket = murmur2(key) mod
// 10000. It rounds Percent×100 to the nearest integer, so that a percent
// such as 0.07 gives 7 buckets despite floating point.
func (r Route) BucketsAt(t time.Time) int {
	return int(math.Round(r.PercentAt(t) * 100))
}

// routeLockSQL's key orders transition writers (exclusive) against route
// readers (shared). It includes the schema, as migrations do, so that
// stores in different schemas of one database never wait on each other.
const (
	routeLockSharedSQL = `SELECT pg_advisory_xact_lock_shared(hashtextextended('oink-route:' || current_schema() || ':' || $1, 0))`
	routeLockSQL       = `SELECT pg_advisory_xact_lock(hashtextextended('oink-route:' || current_schema() || ':' || $1, 0))`
)

const transitionColumns = `seq, percent, effective_from, actor, reason, created_at`

// insertTransitionSQL is the one statement that writes transitions. It reads
// the clock once, after the caller took the route lock, and makes
// effective_from the latest of: that clock plus the larger of $3 and the
// largest margin any plan version of the run ever had, and the latest
// effective_from already stored.
const insertTransitionSQL = `
WITH c AS (SELECT clock_timestamp() AS now),
m AS (SELECT greatest($3::interval, coalesce(max(margin), $3::interval)) AS margin FROM plans WHERE run = $1),
last AS (SELECT coalesce(max(seq), 0) AS seq, max(effective_from) AS eff FROM transitions WHERE run = $1)
INSERT INTO transitions (run, seq, percent, effective_from, created_at, actor, reason)
SELECT $1, last.seq + 1, $2, greatest(c.now + m.margin, last.eff), c.now, $4, $5
FROM c, m, last
RETURNING ` + transitionColumns

const touchStateSQL = `UPDATE cutover_state SET version = version + 1, updated_at = clock_timestamp() WHERE run = $1`

// AddTransition adds a transition of the run's route to percent, effective
// from a source event time chosen by the database, and returns it. The run
// must have a cutover state (a plan applied), else the error wraps
// [ErrNotFound]. It raises the state's Version.
//
// The invariant it keeps, on which the switch relies (invariant 4 of
// docs/design.md): a [Route] read at database time T is complete for every
// source event time before T plus the plan's margin. To keep it,
//
//   - effective_from is computed inside the INSERT, from the database clock
//     (clock_timestamp(), not the transaction's start) plus the larger of
//     margin and every margin the run's plans ever had; so lowering a
//     plan's margin never lets a transition come sooner than an earlier
//     route read promised;
//   - effective_from is never earlier than the latest one stored, so
//     EffectiveFrom is non-decreasing in Seq;
//   - writers are serialized per run by the state row's lock, and hold the
//     route's advisory lock exclusively from before reading the clock to
//     their commit, while [Store.Route] reads the clock and the transitions
//     under the same lock shared: a route read either sees the transition or
//     finished reading the clock before the transition read its own.
//
// It is the only way transitions are written; [Store.ChangeCutover] uses the
// same insert.
func (s *Store) AddTransition(ctx context.Context, run string, percent float64, margin time.Duration, actor, reason string) (Transition, error) {
	var tr Transition
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, touchStateSQL, run)
		if err != nil {
			return fmt.Errorf("lock cutover state: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return fmt.Errorf("%w: no plan was applied to run %q", ErrNotFound, run)
		}
		tr, err = insertTransition(ctx, tx, run, percent, margin, actor, reason)
		return err
	})
	if err != nil {
		return Transition{}, fmt.Errorf("add transition of run %q to %v%%: %w", run, percent, err)
	}
	return tr, nil
}

// insertTransition takes the route lock and inserts the transition. The
// caller holds the run's state row lock.
func insertTransition(ctx context.Context, tx pgx.Tx, run string, percent float64, margin time.Duration, actor, reason string) (Transition, error) {
	if percent < 0 || percent > 100 || math.IsNaN(percent) || actor == "" || margin < 0 {
		return Transition{}, fmt.Errorf("transition to %v%% by %q with margin %v: want a percent in [0, 100], an actor and a margin >= 0", percent, actor, margin)
	}
	if _, err := tx.Exec(ctx, routeLockSQL, run); err != nil {
		return Transition{}, fmt.Errorf("lock route: %w", err)
	}
	return selectOne[Transition](ctx, tx, "insert transition", insertTransitionSQL, run, percent, margin, actor, reason)
}

// routeHorizonSQL reads the clock plus the margin of the plan in force (none:
// 0).
const routeHorizonSQL = `
SELECT clock_timestamp() + coalesce((
    SELECT p.margin FROM cutover_state s JOIN plans p ON p.run = s.run AND p.version = s.plan_version
    WHERE s.run = $1), interval '0')`

const transitionsSQL = `SELECT ` + transitionColumns + ` FROM transitions WHERE run = $1 ORDER BY seq`

// Route returns the run's routing history and its horizon: the database
// clock at the read plus the margin of the plan in force (no plan: the clock
// itself). A run without transitions gives 0% everywhere up to the horizon.
//
// It runs in one READ COMMITTED transaction: it takes the route's advisory
// lock shared, then reads the clock, then the transitions (each statement
// sees every transition committed before it). See [Store.AddTransition] for
// why this makes the horizon safe. Over a pgx.Tx the guarantee holds only if
// that transaction is READ COMMITTED.
func (s *Store) Route(ctx context.Context, run string) (Route, error) {
	var r Route
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, routeLockSharedSQL, run); err != nil {
			return fmt.Errorf("lock route: %w", err)
		}
		if err := tx.QueryRow(ctx, routeHorizonSQL, run).Scan(&r.Horizon); err != nil {
			return fmt.Errorf("read horizon: %w", err)
		}
		var err error
		r.Transitions, err = selectAll[Transition](ctx, tx, "read transitions", transitionsSQL, run)
		return err
	})
	if err != nil {
		return Route{}, fmt.Errorf("route of run %q: %w", run, err)
	}
	return r, nil
}
