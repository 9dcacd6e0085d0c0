package diffstore

import (
	"context"
	"fmt"
	"time"
)

// Summary is everything the dashboard's header shows about a run: the run,
// its totals over all minutes, the records waiting for a partner, and its
// comparator instances as their heartbeats describe them.
type Summary struct {
	Run
	Totals
	// Partitions is the number of partitions with a checkpoint.
	Partitions int `db:"partitions" json:"partitions"`
	// PendingControl and PendingCandidate count, across checkpoints, the
	// records still waiting for a partner on each side.
	PendingControl   int64 `db:"pending_control" json:"pendingControl"`
	PendingCandidate int64 `db:"pending_candidate" json:"pendingCandidate"`
	// Instances, Lag and CaughtUp come from every heartbeat row of the run,
	// however old: Lag is their sum, CaughtUp is true when there is at least
	// one and all say caught up. Whether the instances are alive is for the
	// reader to judge from LastHeartbeat, or with [Store.Instances].
	Instances     int        `db:"instances" json:"instances"`
	Lag           int64      `db:"lag" json:"lag"`
	CaughtUp      bool       `db:"caught_up" json:"caughtUp"`
	LastHeartbeat *time.Time `db:"last_heartbeat" json:"lastHeartbeat"` // nil without heartbeats
}

var summarySQL = `
SELECT r.name, r.control_topic, r.candidate_topic, r.rules_name, r.rules, r.created_at, r.finished_at,
    t.*,
    coalesce((SELECT jsonb_object_agg(a.rule, a.n) FROM (
        SELECT rule, sum(n)::bigint AS n FROM accepted_counts WHERE run = r.name GROUP BY rule) a),
        '{}') AS accepted_by_rule,
    k.partitions, k.pending_control, k.pending_candidate,
    h.instances, h.lag, h.caught_up, h.last_heartbeat
FROM runs r
CROSS JOIN LATERAL (SELECT ` + sumCounts + ` FROM counts c WHERE c.run = r.name) t
CROSS JOIN LATERAL (
    SELECT count(*)::int AS partitions,
        coalesce(sum((SELECT count(*) FROM jsonb_array_elements(k.pending) e
            WHERE e->>'side' = 'control')), 0)::bigint AS pending_control,
        coalesce(sum((SELECT count(*) FROM jsonb_array_elements(k.pending) e
            WHERE e->>'side' = 'candidate')), 0)::bigint AS pending_candidate
    FROM checkpoints k WHERE k.run = r.name) k
CROSS JOIN LATERAL (
    SELECT count(*)::int AS instances, coalesce(sum(lag), 0)::bigint AS lag,
        coalesce(bool_and(caught_up), false) AS caught_up, max(last_seen) AS last_heartbeat
    FROM heartbeats WHERE run = r.name) h
WHERE r.name = $1`

// Summary returns the run's summary in one query, or an error wrapping
// [ErrNotFound] when there is no such run.
func (s *Store) Summary(ctx context.Context, run string) (Summary, error) {
	return selectOne[Summary](ctx, s.db, fmt.Sprintf("summary of run %q", run), summarySQL, run)
}

// AccountingHolds reports whether the run's accounting identity holds: on
// each side, read = paired + missing on the other side + pending +
// duplicates + undecodable; pairs = equal + accepted + divergent; and
// equal = identical + equivalent + pairs of no known level (Unleveled, never
// negative; 0 for a run compared since migration 0005).
func (s Summary) AccountingHolds() bool {
	c := s.Counts
	return c.ReadControl == c.Pairs+c.MissingInCandidate+s.PendingControl+c.DuplicatesControl+c.UndecodableControl &&
		c.ReadCandidate == c.Pairs+c.MissingInControl+s.PendingCandidate+c.DuplicatesCandidate+c.UndecodableCandidate &&
		c.Pairs == c.Equal+c.Accepted+c.Divergent && c.Unleveled() >= 0
}
