package diffstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// CommitBatch is what a comparator commits for one partition at once: the new
// checkpoint and the results of the records between the previous checkpoint
// and this one. See [Store.CommitBatch].
type CommitBatch struct {
	Run       string
	Partition int
	// Epoch is the owner epoch returned by ClaimPartition.
	Epoch int64
	// ControlOffset and CandidateOffset are the next offsets to read on each
	// topic once this batch is committed.
	ControlOffset   int64
	CandidateOffset int64
	// ControlRecentFrom and CandidateRecentFrom are where each side's dedupe
	// window starts (see Checkpoint).
	ControlRecentFrom   int64
	CandidateRecentFrom int64
	// Pending are the records below those offsets still waiting for a
	// partner. nil is stored as an empty list.
	Pending []Position
	// Future are the ranges of records below those offsets, inside the
	// replay range, judged dated too far in the future (see
	// Checkpoint.Future). nil is stored as an empty list.
	Future []Range
	// WatermarkControl and WatermarkCandidate are the sides' event-time
	// watermarks; the zero time stores NULL.
	WatermarkControl   time.Time
	WatermarkCandidate time.Time
	// Counts are deltas to add, per minute of source event time. Several
	// entries for one minute are summed; all-zero entries are skipped.
	Counts []MinuteCounts
	// Divergences found in this batch. Their Run and Partition are taken
	// from the batch, AcceptedBy is computed from Diff, FirstSeen is set by
	// the database. Each Diff entry also becomes a field_diffs row.
	Divergences []Divergence
	// Accepted lists pairs whose differences were all accepted by rules:
	// they get field_diffs rows (for TopPaths' accepted counts) but no
	// divergence row and no payload. Optional.
	Accepted []AcceptedPair
}

// AcceptedPair is a compared pair whose every difference an accept rule
// explained.
type AcceptedPair struct {
	Identity string
	Diff     []FieldDiff // each with its Rule set
}

const updateCheckpointSQL = `
UPDATE checkpoints
SET control_offset = $4, candidate_offset = $5, pending = $6,
    watermark_control = $7, watermark_candidate = $8,
    control_recent_from = $9, candidate_recent_from = $10, future = $11, updated_at = now()
WHERE run = $1 AND partition = $2 AND owner_epoch = $3`

// insertDivergencesSQL inserts all divergences of a batch in one statement,
// from parallel arrays. accepted_by is derived from diff: the sorted,
// distinct rule names.
const insertDivergencesSQL = `
INSERT INTO divergences (run, identity, kind, partition, event_time, control, candidate, diff, accepted_by)
SELECT $1, u.identity, u.kind, $2, u.event_time, u.control, u.candidate, u.diff,
    ARRAY(SELECT DISTINCT e->>'rule' FROM jsonb_array_elements(u.diff) e
          WHERE coalesce(e->>'rule', '') <> '' ORDER BY 1)
FROM unnest($3::text[], $4::text[], $5::timestamptz[], $6::jsonb[], $7::jsonb[], $8::jsonb[])
    AS u(identity, kind, event_time, control, candidate, diff)
ON CONFLICT (run, identity, kind) DO NOTHING`

// insertFieldDiffsSQL inserts all field diffs of a batch in one statement.
const insertFieldDiffsSQL = `
INSERT INTO field_diffs (run, identity, path, control_value, candidate_value, rule)
SELECT $1, u.identity, u.path, u.control_value, u.candidate_value, nullif(u.rule, '')
FROM unnest($2::text[], $3::text[], $4::jsonb[], $5::jsonb[], $6::text[])
    AS u(identity, path, control_value, candidate_value, rule)
ON CONFLICT (run, identity, path) DO NOTHING`

// addCountsSQL adds a bucket's count deltas to the partition's row.
var addCountsSQL = `
INSERT INTO counts AS c (run, partition, bucket, ` + strings.Join(countColumns, ", ") + `)
VALUES ($1, $2, $3, ` + params(4, len(countColumns)) + `)
ON CONFLICT (run, bucket, partition) DO UPDATE SET
    ` + eachCount("%[1]s = c.%[1]s + excluded.%[1]s", ",\n    ")

// params returns n query parameters from $from on: "$4, $5, …".
func params(from, n int) string {
	ps := make([]string, n)
	for i := range ps {
		ps[i] = "$" + strconv.Itoa(from+i)
	}
	return strings.Join(ps, ", ")
}

const addAcceptedSQL = `
INSERT INTO accepted_counts AS a (run, partition, bucket, rule, n) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (run, bucket, rule, partition) DO UPDATE SET n = a.n + excluded.n`

const addEquivalentSQL = `
INSERT INTO equivalent_counts AS e (run, partition, bucket, path, n) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (run, bucket, path, partition) DO UPDATE SET n = e.n + excluded.n`

// CommitBatch writes b in one transaction:
//
//  1. it advances the checkpoint of (b.Run, b.Partition), but only if its
//     owner epoch is still b.Epoch; otherwise nothing at all is written and
//     the error is [ErrFenced];
//  2. it inserts the divergences and their field diffs, skipping any
//     (run, identity, kind) or (run, identity, path) already stored, so a
//     divergence found again after a replay is kept once, as first written;
//  3. it adds the count deltas to the partition's own rows of counts and
//     accepted_counts (one per 10-second bucket), so partitions never wait
//     on each other's row locks.
//
// Counts are therefore added exactly once per checkpoint advance: after a
// crash the comparator replays from the checkpoint, whose counts were never
// committed. For the same reason CommitBatch must never be retried blindly:
// if it returns any error (even one from COMMIT, after which the
// transaction may or may not have committed), call ClaimPartition and
// replay from the checkpoint it returns.
//
// All statements go to the server in one round trip (a pgx.Batch). The
// divergences, and the field diffs, each go in one INSERT … SELECT FROM
// unnest(arrays) statement: 1.45× faster than a statement per row in
// BenchmarkCommitBatch, and unlike CopyFrom it skips conflicting rows without
// a temporary table. Count rows are written last and in minute order, so
// concurrent commits of different partitions hold the shared minute rows
// briefly and never deadlock.
func (s *Store) CommitBatch(ctx context.Context, b CommitBatch) error {
	batch, err := b.queue()
	if err != nil {
		return fmt.Errorf("commit batch of run %q partition %d: %w", b.Run, b.Partition, err)
	}
	err = pgx.BeginFunc(ctx, s.db, func(tx pgx.Tx) error {
		br := tx.SendBatch(ctx, batch)
		tag, err := br.Exec()
		if err != nil {
			_ = br.Close() // best effort: the first error is the one to report
			return fmt.Errorf("update checkpoint: %w", err)
		}
		if tag.RowsAffected() == 0 {
			// The rest of the batch ran, but BeginFunc rolls it back.
			_ = br.Close() // best effort: fenced is the answer whatever follows
			return ErrFenced
		}
		if err := br.Close(); err != nil {
			return convertErr(err)
		}
		return nil
	})
	if err != nil {
		if errors.Is(err, ErrFenced) {
			return fmt.Errorf("commit batch of run %q partition %d epoch %d: %w", b.Run, b.Partition, b.Epoch, err)
		}
		return fmt.Errorf("commit batch of run %q partition %d: %w", b.Run, b.Partition, err)
	}
	return nil
}

// queue validates b and returns its statements, the checkpoint update first.
func (b *CommitBatch) queue() (*pgx.Batch, error) {
	if err := b.validate(); err != nil {
		return nil, err
	}
	batch := &pgx.Batch{}
	pending := b.Pending
	if pending == nil {
		pending = []Position{}
	}
	future := b.Future
	if future == nil {
		future = []Range{}
	}
	batch.Queue(updateCheckpointSQL, b.Run, b.Partition, b.Epoch, b.ControlOffset, b.CandidateOffset,
		pending, nullTime(b.WatermarkControl), nullTime(b.WatermarkCandidate), b.ControlRecentFrom, b.CandidateRecentFrom,
		future)

	if err := queueDivergences(batch, b); err != nil {
		return nil, err
	}
	queueFieldDiffs(batch, b)

	minutes, accepted, equivalent := mergeCounts(b.Counts)
	for _, m := range minutes {
		batch.Queue(addCountsSQL, append([]any{b.Run, b.Partition, m.Minute}, m.Counts.args()...)...)
	}
	for _, a := range accepted {
		batch.Queue(addAcceptedSQL, b.Run, b.Partition, a.minute, a.rule, a.n)
	}
	for _, e := range equivalent {
		batch.Queue(addEquivalentSQL, b.Run, b.Partition, e.minute, e.rule, e.n)
	}
	return batch, nil
}

// queueDivergences queues one insert of all of b's divergences.
func queueDivergences(batch *pgx.Batch, b *CommitBatch) error {
	n := len(b.Divergences)
	if n == 0 {
		return nil
	}
	identities, kinds := make([]string, n), make([]string, n)
	times := make([]time.Time, n)
	controls, candidates, diffs := make([]json.RawMessage, n), make([]json.RawMessage, n), make([]json.RawMessage, n)
	for i, d := range b.Divergences {
		identities[i], kinds[i], times[i] = d.Identity, string(d.Kind), d.EventTime
		controls[i], candidates[i] = d.Control, d.Candidate
		diff := d.Diff
		if diff == nil {
			diff = []FieldDiff{}
		}
		js, err := json.Marshal(diff)
		if err != nil {
			return fmt.Errorf("divergence %q: encode diff: %w", d.Identity, err)
		}
		diffs[i] = js
	}
	batch.Queue(insertDivergencesSQL, b.Run, b.Partition, identities, kinds, times, controls, candidates, diffs)
	return nil
}

// queueFieldDiffs queues one insert of the field diffs of all of b's
// divergences and accepted pairs.
func queueFieldDiffs(batch *pgx.Batch, b *CommitBatch) {
	var identities, paths, rules []string
	var controls, candidates []json.RawMessage
	add := func(identity string, diff []FieldDiff) {
		for _, f := range diff {
			identities, paths, rules = append(identities, identity), append(paths, f.Path), append(rules, f.Rule)
			controls, candidates = append(controls, f.Control), append(candidates, f.Candidate)
		}
	}
	for _, d := range b.Divergences {
		add(d.Identity, d.Diff)
	}
	for _, p := range b.Accepted {
		add(p.Identity, p.Diff)
	}
	if len(identities) == 0 {
		return
	}
	batch.Queue(insertFieldDiffsSQL, b.Run, identities, paths, controls, candidates, rules)
}

// validate checks what the database would otherwise reject half-way, with a
// message that names the record.
func (b *CommitBatch) validate() error {
	var errs []error
	if b.Run == "" {
		errs = append(errs, errors.New("run is required"))
	}
	if b.Partition < 0 {
		errs = append(errs, fmt.Errorf("partition %d must be >= 0", b.Partition))
	}
	if b.Epoch < 1 {
		errs = append(errs, fmt.Errorf("epoch %d must be >= 1 (use the epoch ClaimPartition returned)", b.Epoch))
	}
	if b.ControlOffset < NoOffset || b.CandidateOffset < NoOffset {
		errs = append(errs, fmt.Errorf("offsets (%d, %d) must be >= %d", b.ControlOffset, b.CandidateOffset, NoOffset))
	}
	for _, p := range b.Pending {
		if p.Side != SideControl && p.Side != SideCandidate {
			errs = append(errs, fmt.Errorf("pending position %d: side %q must be %q or %q", p.Offset, p.Side, SideControl, SideCandidate))
		}
	}
	for _, r := range b.Future {
		if (r.Side != SideControl && r.Side != SideCandidate) || r.From < 0 || r.To <= r.From {
			errs = append(errs, fmt.Errorf("future range [%d, %d) of side %q: want a side %q or %q and 0 <= from < to",
				r.From, r.To, r.Side, SideControl, SideCandidate))
		}
	}
	for _, d := range b.Divergences {
		if err := d.validate(); err != nil {
			errs = append(errs, err)
		}
	}
	for _, p := range b.Accepted {
		if p.Identity == "" {
			errs = append(errs, errors.New("accepted pair: identity is required"))
		}
		errs = append(errs, validateDiff(p.Identity, p.Diff))
	}
	return errors.Join(errs...)
}

func (d *Divergence) validate() error {
	var errs []error
	if d.Identity == "" {
		errs = append(errs, errors.New("divergence: identity is required"))
	}
	if !d.Kind.Valid() {
		errs = append(errs, fmt.Errorf("divergence %q: unknown kind %q", d.Identity, d.Kind))
	}
	if d.EventTime.IsZero() {
		errs = append(errs, fmt.Errorf("divergence %q: event time is required", d.Identity))
	}
	if d.Control != nil && !json.Valid(d.Control) {
		errs = append(errs, fmt.Errorf("divergence %q: control payload is not valid JSON", d.Identity))
	}
	if d.Candidate != nil && !json.Valid(d.Candidate) {
		errs = append(errs, fmt.Errorf("divergence %q: candidate payload is not valid JSON", d.Identity))
	}
	errs = append(errs, validateDiff(d.Identity, d.Diff))
	return errors.Join(errs...)
}

func validateDiff(identity string, diff []FieldDiff) error {
	var errs []error
	for _, f := range diff {
		if f.Path == "" {
			errs = append(errs, fmt.Errorf("identity %q: field diff without a path", identity))
		}
		if (f.Control != nil && !json.Valid(f.Control)) || (f.Candidate != nil && !json.Valid(f.Candidate)) {
			errs = append(errs, fmt.Errorf("identity %q path %q: value is not valid JSON", identity, f.Path))
		}
	}
	return errors.Join(errs...)
}

// namedDelta is a count to add under a name (an accept rule, a path) in
// one bucket.
type namedDelta struct {
	minute time.Time
	rule   string // the rule's or the path's name
	n      int64
}

// mergeCounts sums the deltas by bucket and drops zero ones: the counts,
// the accepted pairs by rule and the equivalent differences by path. Each
// result is sorted (by bucket, then name) so that every transaction locks
// count rows in the same order.
func mergeCounts(deltas []MinuteCounts) ([]MinuteCounts, []namedDelta, []namedDelta) {
	byMinute := map[time.Time]*MinuteCounts{}
	for _, d := range deltas {
		m := truncBucket(d.Minute)
		acc := byMinute[m]
		if acc == nil {
			acc = &MinuteCounts{Minute: m, AcceptedByRule: map[string]int64{}, EquivalentByPath: map[string]int64{}}
			byMinute[m] = acc
		}
		acc.Counts = acc.Counts.Add(d.Counts)
		for rule, n := range d.AcceptedByRule {
			acc.AcceptedByRule[rule] += n
		}
		for path, n := range d.EquivalentByPath {
			acc.EquivalentByPath[path] += n
		}
	}
	var minutes []MinuteCounts
	var accepted, equivalent []namedDelta
	for m, acc := range byMinute {
		if !acc.Counts.IsZero() {
			minutes = append(minutes, *acc)
		}
		accepted = appendNamed(accepted, m, acc.AcceptedByRule)
		equivalent = appendNamed(equivalent, m, acc.EquivalentByPath)
	}
	sort.Slice(minutes, func(i, j int) bool { return minutes[i].Minute.Before(minutes[j].Minute) })
	sortNamed(accepted)
	sortNamed(equivalent)
	return minutes, accepted, equivalent
}

// appendNamed appends the non-zero counts of by, in bucket m.
func appendNamed(out []namedDelta, m time.Time, by map[string]int64) []namedDelta {
	for name, n := range by {
		if n != 0 {
			out = append(out, namedDelta{minute: m, rule: name, n: n})
		}
	}
	return out
}

// sortNamed sorts ds by bucket, then name.
func sortNamed(ds []namedDelta) {
	sort.Slice(ds, func(i, j int) bool {
		if !ds[i].minute.Equal(ds[j].minute) {
			return ds[i].minute.Before(ds[j].minute)
		}
		return ds[i].rule < ds[j].rule
	})
}

// nullTime returns nil for the zero time, so that it is stored as NULL.
func nullTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
