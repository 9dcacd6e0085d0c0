package diffstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

const countsSpanSQL = `SELECT min(bucket), max(bucket) FROM counts WHERE run = $1`

// CountsSpan returns the first and the last count bucket of the run (their
// starts, in source event time, UTC); ok is false when the run has no
// counts. A chart reads it to choose its grain before [Store.CountsPer].
func (s *Store) CountsSpan(ctx context.Context, run string) (first, last time.Time, ok bool, err error) {
	var lo, hi *time.Time
	if err := s.db.QueryRow(ctx, countsSpanSQL, run).Scan(&lo, &hi); err != nil {
		return time.Time{}, time.Time{}, false, fmt.Errorf("span of the counts of run %q: %w", run, err)
	}
	if lo == nil || hi == nil {
		return time.Time{}, time.Time{}, false, nil
	}
	return lo.UTC(), hi.UTC(), true, nil
}

var countsPerSQL = `
SELECT date_bin(make_interval(secs => $3), c.bucket, timestamptz 'epoch') AS minute, ` + sumCounts + `,
    '{}'::jsonb AS accepted_by_rule
FROM counts c WHERE c.run = $1 AND c.bucket >= $2
GROUP BY 1 ORDER BY 1`

// CountsPer returns the run's counts summed over buckets of grain of source
// event time, from the one holding from on, oldest first: each entry's
// Minute is its bucket's start (buckets are aligned on the Unix epoch, in
// UTC), its AcceptedByRule empty. Buckets without records have no entry.
// grain must be a positive multiple of CountGrain, the store's own bucket:
// a finer one cannot be told apart.
func (s *Store) CountsPer(ctx context.Context, run string, from time.Time, grain time.Duration) ([]MinuteCounts, error) {
	if grain <= 0 || grain%CountGrain != 0 {
		return nil, fmt.Errorf("counts of run %q per %v: the grain must be a positive multiple of %v", run, grain, CountGrain)
	}
	from = from.UTC().Truncate(grain)
	rows, err := s.db.Query(ctx, countsPerSQL, run, from, grain.Seconds())
	if err != nil {
		return nil, fmt.Errorf("counts of run %q per %v: %w", run, grain, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[MinuteCounts])
	if err != nil {
		return nil, fmt.Errorf("counts of run %q per %v: %w", run, grain, err)
	}
	for i := range out {
		out[i].Minute = out[i].Minute.UTC()
	}
	return out, nil
}
