package diffstore

import (
	"context"
	"fmt"
)

// PathStat describes one field path that differed in a run.
type PathStat struct {
	Path string `db:"path" json:"path"`
	// Divergent counts identities where the path differed beyond the rules;
	// Accepted those where an accept rule explained the difference;
	// Equivalent the pairs where it differed in a way that does not count
	// (a $value format path, or a difference a rule ignores, tolerates or
	// normalises), whatever the pair's level.
	Divergent  int64 `db:"divergent" json:"divergent"`
	Accepted   int64 `db:"accepted" json:"accepted"`
	Equivalent int64 `db:"equivalent" json:"equivalent"`
	// Pairs is the run's compared pairs, which the counts are shares of.
	Pairs int64 `db:"pairs" json:"pairs"`
	// Share is Divergent over the run's compared pairs (0 when none).
	Share float64 `db:"share" json:"share"`
	// Example is an identity where the path diverged (or, when it never
	// did, where it was accepted): one to look at with Store.Divergence.
	// "" for a path that was only ever equivalent: those are counted, not
	// stored per identity.
	Example string `db:"example" json:"example"`
	// MinDelta and MaxDelta bound candidate − control over the divergent
	// differences whose two values are both JSON numbers; nil when there is
	// none. A narrow range suggests a numeric tolerance rule.
	MinDelta *float64 `db:"min_delta" json:"minDelta"`
	MaxDelta *float64 `db:"max_delta" json:"maxDelta"`
}

const topPathsSQL = `
WITH p AS (SELECT coalesce(sum(pairs), 0)::bigint AS pairs FROM counts WHERE run = $1),
f AS (
    SELECT path, identity, rule,
        CASE WHEN rule IS NULL AND jsonb_typeof(control_value) = 'number'
                  AND jsonb_typeof(candidate_value) = 'number'
             THEN candidate_value::numeric - control_value::numeric END AS delta
    FROM field_diffs WHERE run = $1
),
d AS (
    SELECT path,
        count(*) FILTER (WHERE rule IS NULL) AS divergent,
        count(*) FILTER (WHERE rule IS NOT NULL) AS accepted,
        coalesce(min(identity) FILTER (WHERE rule IS NULL), min(identity)) AS example,
        min(delta)::float8 AS min_delta,
        max(delta)::float8 AS max_delta
    FROM f GROUP BY path
),
e AS (SELECT path, sum(n)::bigint AS equivalent FROM equivalent_counts WHERE run = $1 GROUP BY path)
SELECT path,
    coalesce(d.divergent, 0) AS divergent,
    coalesce(d.accepted, 0) AS accepted,
    coalesce(e.equivalent, 0) AS equivalent,
    p.pairs,
    CASE WHEN p.pairs > 0 THEN coalesce(d.divergent, 0)::float8 / p.pairs ELSE 0 END AS share,
    coalesce(d.example, '') AS example,
    d.min_delta, d.max_delta
FROM d FULL JOIN e USING (path) CROSS JOIN p
ORDER BY divergent DESC, accepted DESC, equivalent DESC, path
LIMIT $2`

// TopPaths returns the run's most often differing field paths, most
// divergent first (then most accepted, then most equivalent, then by path),
// at most limit of them (default DefaultLimit).
func (s *Store) TopPaths(ctx context.Context, run string, limit int) ([]PathStat, error) {
	return selectAll[PathStat](ctx, s.db, fmt.Sprintf("top paths of run %q", run), topPathsSQL, run, orDefault(limit))
}
