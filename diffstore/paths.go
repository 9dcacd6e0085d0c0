package diffstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// PathStat describes one field path that differed in a run.
type PathStat struct {
	Path string `db:"path" json:"path"`
	// Divergent counts identities where the path differed beyond the rules;
	// Accepted those where an accept rule explained the difference.
	Divergent int64 `db:"divergent" json:"divergent"`
	Accepted  int64 `db:"accepted" json:"accepted"`
	// Share is Divergent over the run's compared pairs (0 when none).
	Share float64 `db:"share" json:"share"`
	// Example is an identity where the path diverged (or, when it never
	// did, where it was accepted): one to look at with Store.Divergence.
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
)
SELECT f.path,
    count(*) FILTER (WHERE f.rule IS NULL) AS divergent,
    count(*) FILTER (WHERE f.rule IS NOT NULL) AS accepted,
    CASE WHEN p.pairs > 0 THEN (count(*) FILTER (WHERE f.rule IS NULL))::float8 / p.pairs ELSE 0 END AS share,
    coalesce(min(f.identity) FILTER (WHERE f.rule IS NULL), min(f.identity)) AS example,
    min(f.delta)::float8 AS min_delta,
    max(f.delta)::float8 AS max_delta
FROM f CROSS JOIN p
GROUP BY f.path, p.pairs
ORDER BY divergent DESC, accepted DESC, f.path
LIMIT $2`

// TopPaths returns the run's most often diverging field paths, most divergent
// first (then most accepted, then by path), at most limit of them (default
// DefaultLimit).
func (s *Store) TopPaths(ctx context.Context, run string, limit int) ([]PathStat, error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	rows, err := s.db.Query(ctx, topPathsSQL, run, limit)
	if err != nil {
		return nil, fmt.Errorf("top paths of run %q: %w", run, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[PathStat])
	if err != nil {
		return nil, fmt.Errorf("top paths of run %q: %w", run, err)
	}
	return out, nil
}
