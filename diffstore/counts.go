package diffstore

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Counts are the record totals of a run, or of one minute of it. Column and
// field meanings, from the comparator's point of view:
//
//   - ReadControl, ReadCandidate: records read from each topic.
//   - Pairs: records matched with their partner; each pair is exactly one of
//     Equal, Accepted (differences all accepted by rules) or Divergent.
//   - Identical, Equivalent: the Equal pairs by level. Identical pairs are
//     equal in key, value bytes, headers and timestamp; Equivalent pairs are
//     equal after the rules but differ in some byte or metadata. Equal =
//     Identical + Equivalent for every pair counted since migration 0005;
//     Unleveled returns the rest (pairs counted before it).
//   - MissingInControl, MissingInCandidate: records whose partner never came
//     within the match window.
//   - DuplicatesControl, DuplicatesCandidate: extra records of an identity
//     already seen on that side.
//   - UndecodableControl, UndecodableCandidate: records that were not JSON.
type Counts struct {
	ReadControl          int64 `db:"read_control" json:"readControl"`
	ReadCandidate        int64 `db:"read_candidate" json:"readCandidate"`
	Pairs                int64 `db:"pairs" json:"pairs"`
	Equal                int64 `db:"equal" json:"equal"`
	Accepted             int64 `db:"accepted" json:"accepted"`
	Divergent            int64 `db:"divergent" json:"divergent"`
	MissingInControl     int64 `db:"missing_in_control" json:"missingInControl"`
	MissingInCandidate   int64 `db:"missing_in_candidate" json:"missingInCandidate"`
	DuplicatesControl    int64 `db:"duplicates_control" json:"duplicatesControl"`
	DuplicatesCandidate  int64 `db:"duplicates_candidate" json:"duplicatesCandidate"`
	UndecodableControl   int64 `db:"undecodable_control" json:"undecodableControl"`
	UndecodableCandidate int64 `db:"undecodable_candidate" json:"undecodableCandidate"`
	Identical            int64 `db:"identical" json:"identical"`
	Equivalent           int64 `db:"equivalent" json:"equivalent"`
}

// Unleveled returns the Equal pairs of no known level: counted before
// migration 0005 split Equal into Identical and Equivalent. It is 0 for
// every run compared since.
func (c Counts) Unleveled() int64 { return c.Equal - c.Identical - c.Equivalent }

// Add returns the field-by-field sum of c and o.
func (c Counts) Add(o Counts) Counts {
	return Counts{
		ReadControl:          c.ReadControl + o.ReadControl,
		ReadCandidate:        c.ReadCandidate + o.ReadCandidate,
		Pairs:                c.Pairs + o.Pairs,
		Equal:                c.Equal + o.Equal,
		Accepted:             c.Accepted + o.Accepted,
		Divergent:            c.Divergent + o.Divergent,
		MissingInControl:     c.MissingInControl + o.MissingInControl,
		MissingInCandidate:   c.MissingInCandidate + o.MissingInCandidate,
		DuplicatesControl:    c.DuplicatesControl + o.DuplicatesControl,
		DuplicatesCandidate:  c.DuplicatesCandidate + o.DuplicatesCandidate,
		UndecodableControl:   c.UndecodableControl + o.UndecodableControl,
		UndecodableCandidate: c.UndecodableCandidate + o.UndecodableCandidate,
		Identical:            c.Identical + o.Identical,
		Equivalent:           c.Equivalent + o.Equivalent,
	}
}

// IsZero reports whether every count is zero.
func (c Counts) IsZero() bool { return c == Counts{} }

// args returns the counts in column order (countColumns).
func (c Counts) args() []any {
	return []any{
		c.ReadControl, c.ReadCandidate, c.Pairs, c.Equal, c.Accepted, c.Divergent,
		c.MissingInControl, c.MissingInCandidate, c.DuplicatesControl, c.DuplicatesCandidate,
		c.UndecodableControl, c.UndecodableCandidate, c.Identical, c.Equivalent,
	}
}

// countColumns are the count columns of the counts table, in the order of
// Counts' fields.
var countColumns = []string{
	"read_control", "read_candidate", "pairs", "equal", "accepted", "divergent",
	"missing_in_control", "missing_in_candidate", "duplicates_control", "duplicates_candidate",
	"undecodable_control", "undecodable_candidate", "identical", "equivalent",
}

// eachCount returns format applied to each count column (its %[1]s),
// joined by sep.
func eachCount(format, sep string) string {
	parts := make([]string, len(countColumns))
	for i, col := range countColumns {
		parts[i] = fmt.Sprintf(format, col)
	}
	return strings.Join(parts, sep)
}

// sumCounts is the select list that sums every count column of table alias c.
var sumCounts = "\n    " + eachCount("coalesce(sum(c.%[1]s), 0)::bigint AS %[1]s", ",\n    ")

// MinuteCounts are the counts of one minute of source event time, with the
// accepted pairs by rule name. In a [CommitBatch] they are deltas to add; read
// back from [Store.CountsPerMinute] they are the minute's totals.
type MinuteCounts struct {
	// Minute is, in a CommitBatch, any source event time of the records:
	// the store truncates it to its 10-second bucket (CountGrain). Read back
	// from CountsPerMinute it is the start of the minute, in UTC.
	Minute time.Time `db:"minute" json:"minute"`
	Counts
	// AcceptedByRule counts accepted pairs by the name of the accept rule
	// (a pair accepted by two rules counts once under each).
	AcceptedByRule map[string]int64 `db:"accepted_by_rule" json:"acceptedByRule"`
	// EquivalentByPath counts, in a CommitBatch, the pairs with a difference
	// that does not count at each path (see PathStat.Equivalent), whatever
	// the pair's level. CountsPerMinute leaves it nil: read it with
	// TopPaths, or GateStats for a window.
	EquivalentByPath map[string]int64 `db:"-" json:"equivalentByPath,omitempty"`
}

// Totals are counts summed over a span of minutes, with the accepted pairs by
// rule name.
type Totals struct {
	Counts
	AcceptedByRule map[string]int64 `db:"accepted_by_rule" json:"acceptedByRule"`
}

var countsSinceSQL = `
SELECT ` + sumCounts + `,
    coalesce((SELECT jsonb_object_agg(a.rule, a.n) FROM (
        SELECT rule, sum(n)::bigint AS n FROM accepted_counts
        WHERE run = $1 AND bucket >= $2 GROUP BY rule) a), '{}') AS accepted_by_rule
FROM counts c
WHERE c.run = $1 AND c.bucket >= $2`

// CountsSince sums the run's counts over the buckets of source event time at
// or after since: the window a cutover gate judges. The bucket containing
// since counts whole, so a divergence inside the window is never left out
// (the price: up to CountGrain of records before since may count too). A run
// without counts, or an unknown run, gives zero Totals: the caller must treat
// too few Pairs as "not enough evidence", never as "no divergence".
func (s *Store) CountsSince(ctx context.Context, run string, since time.Time) (Totals, error) {
	return selectOne[Totals](ctx, s.db, fmt.Sprintf("counts of run %q since %s", run, since), countsSinceSQL, run, truncBucket(since))
}

var countsPerMinuteSQL = `
WITH m AS (
    SELECT date_trunc('minute', c.bucket) AS minute, ` + sumCounts + `
    FROM counts c WHERE c.run = $1 AND c.bucket >= $2 GROUP BY 1
), a AS (
    SELECT minute, jsonb_object_agg(rule, n) AS accepted_by_rule FROM (
        SELECT date_trunc('minute', bucket) AS minute, rule, sum(n)::bigint AS n
        FROM accepted_counts WHERE run = $1 AND bucket >= $2 GROUP BY 1, 2) x
    GROUP BY minute
)
SELECT m.*, coalesce(a.accepted_by_rule, '{}') AS accepted_by_rule
FROM m LEFT JOIN a USING (minute)
ORDER BY m.minute`

// CountsPerMinute returns the run's counts for each minute of source event
// time at or after since (truncated to its minute), oldest first. Minutes
// without records have no entry.
func (s *Store) CountsPerMinute(ctx context.Context, run string, since time.Time) ([]MinuteCounts, error) {
	return selectAll[MinuteCounts](ctx, s.db, fmt.Sprintf("counts per minute of run %q", run), countsPerMinuteSQL, run, truncMinute(since))
}

// truncMinute returns t's minute in UTC.
func truncMinute(t time.Time) time.Time {
	return t.UTC().Truncate(time.Minute)
}

// CountGrain is the width of the buckets of source event time that counts
// are kept in.
const CountGrain = 10 * time.Second

// truncBucket returns the start of t's count bucket, in UTC.
func truncBucket(t time.Time) time.Time {
	return t.UTC().Truncate(CountGrain)
}
