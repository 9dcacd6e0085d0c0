package diffstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"
)

// Kind is what went wrong with an identity; the values are those of the
// divergences.kind column.
type Kind string

// The kinds of divergence.
const (
	KindDivergent          Kind = "divergent"            // both sides present, some field differs beyond the rules
	KindMissingInControl   Kind = "missing_in_control"   // only the candidate has the record
	KindMissingInCandidate Kind = "missing_in_candidate" // only the control has the record
	KindDuplicateControl   Kind = "duplicate_control"    // the control has the identity more than once
	KindDuplicateCandidate Kind = "duplicate_candidate"  // the candidate has the identity more than once
)

// Valid reports whether k is one of the Kind constants.
func (k Kind) Valid() bool {
	switch k {
	case KindDivergent, KindMissingInControl, KindMissingInCandidate, KindDuplicateControl, KindDuplicateCandidate:
		return true
	}
	return false
}

// FieldDiff is one differing field of a pair. Control and Candidate hold the
// field's JSON values (nil when the side lacks the field). Rule is the name
// of the accept rule that explains the difference, or "" for a real
// divergence. It is stored both inside divergences.diff and as a row of
// field_diffs.
type FieldDiff struct {
	Path      string          `json:"path"` // JSON path, e.g. "lines[2].tax_minor"
	Control   json.RawMessage `json:"control"`
	Candidate json.RawMessage `json:"candidate"`
	Rule      string          `json:"rule,omitempty"`
}

// Divergence is one identity that did not compare clean: a divergent pair, a
// record missing on one side, or a duplicate.
type Divergence struct {
	Run       string    `db:"run" json:"run"`              // set by the store on write (CommitBatch.Run)
	Identity  string    `db:"identity" json:"identity"`    // the join key of the pair
	Kind      Kind      `db:"kind" json:"kind"`            // what went wrong
	Partition int       `db:"partition" json:"partition"`  // Kafka partition of both topics
	EventTime time.Time `db:"event_time" json:"eventTime"` // source event time of the record(s)
	// Control and Candidate are the records as read; nil for a missing side.
	Control   json.RawMessage `db:"control" json:"control"`
	Candidate json.RawMessage `db:"candidate" json:"candidate"`
	// Diff lists every differing field, accepted or not.
	Diff []FieldDiff `db:"diff" json:"diff"`
	// AcceptedBy lists, sorted, the accept rules that matched some of Diff.
	// The store computes it from Diff on write.
	AcceptedBy []string  `db:"accepted_by" json:"acceptedBy"`
	FirstSeen  time.Time `db:"first_seen" json:"firstSeen"` // set by the store: when first written
}

// Filter selects divergences for [Store.Divergences]. Zero fields do not
// filter.
type Filter struct {
	Run   string    // required
	Kind  Kind      // only this kind
	Path  string    // only identities with a field diff at exactly this path
	Since time.Time // only divergences first seen at or after Since
	Limit int       // at most this many; default 100
	// PathContains keeps only identities with a field diff at a path that
	// contains it (any part of the path: "shipping" matches
	// totals.shipping_minor), as the dashboard's / filter asks.
	PathContains string
}

const divergenceColumns = `d.run, d.identity, d.kind, d.partition, d.event_time, d.control, d.candidate,
    d.diff, d.accepted_by, d.first_seen`

const divergencesSQL = `
SELECT ` + divergenceColumns + `
FROM divergences d
WHERE d.run = $1
  AND ($2 = '' OR d.kind = $2)
  AND ($3 = '' OR EXISTS (SELECT 1 FROM field_diffs f
        WHERE f.run = d.run AND f.identity = d.identity AND f.path = $3))
  AND ($4::timestamptz IS NULL OR d.first_seen >= $4)
  AND ($6 = '' OR EXISTS (SELECT 1 FROM field_diffs f
        WHERE f.run = d.run AND f.identity = d.identity AND strpos(f.path, $6) > 0))
ORDER BY d.first_seen DESC, d.event_time DESC, d.identity, d.kind
LIMIT $5`

// DefaultLimit is the number of rows a list query returns when its limit is
// zero or negative.
const DefaultLimit = 100

// orDefault returns limit, or DefaultLimit when limit is zero or negative.
func orDefault(limit int) int {
	if limit <= 0 {
		return DefaultLimit
	}
	return limit
}

// Divergences returns the run's divergences that match f, newest first (by
// first_seen, then source event time).
func (s *Store) Divergences(ctx context.Context, f Filter) ([]Divergence, error) {
	if f.Kind != "" && !f.Kind.Valid() {
		return nil, fmt.Errorf("divergences of run %q: unknown kind %q", f.Run, f.Kind)
	}
	limit := orDefault(f.Limit)
	var since *time.Time
	if !f.Since.IsZero() {
		since = &f.Since
	}
	return selectAll[Divergence](ctx, s.db, fmt.Sprintf("divergences of run %q", f.Run), divergencesSQL, f.Run, string(f.Kind), f.Path, since, limit, f.PathContains)
}

const divergenceSQL = `
SELECT ` + divergenceColumns + `
FROM divergences d
WHERE d.run = $1 AND d.identity = $2
ORDER BY d.kind`

// Divergence returns every divergence recorded for identity in run (one per
// kind, ordered by kind), each with its field diffs in Diff. It returns an
// error wrapping [ErrNotFound] when there is none.
func (s *Store) Divergence(ctx context.Context, run, identity string) ([]Divergence, error) {
	what := fmt.Sprintf("divergence %q of run %q", identity, run)
	out, err := selectAll[Divergence](ctx, s.db, what, divergenceSQL, run, identity)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w", what, ErrNotFound)
	}
	return out, nil
}
