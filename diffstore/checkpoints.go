package diffstore

import (
	"context"
	"fmt"
	"time"
)

// NoOffset is the offset of a checkpoint that has none yet: the partition was
// just claimed for the first time and nothing was committed. The comparator
// then starts where the run says to start (typically the earliest offset).
const NoOffset int64 = -1

// Side names one of the two topics of a run; the values are those stored in
// checkpoints.pending.
type Side string

// The two sides of a comparison.
const (
	SideControl   Side = "control"
	SideCandidate Side = "candidate"
)

// Position is a record still waiting for its partner when a checkpoint was
// written: its side and its offset. After a restart the comparator reads
// these records again, as well as everything from the checkpoint's offsets.
type Position struct {
	Side   Side  `json:"side"`
	Offset int64 `json:"offset"`
}

// Range is the offsets [From, To) of one side.
type Range struct {
	Side Side  `json:"side"`
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// Checkpoint is a comparator's progress on one partition of a run.
type Checkpoint struct {
	Run       string `db:"run" json:"run"`
	Partition int    `db:"partition" json:"partition"`
	// Epoch is the owner epoch: 1 at the first claim, one more at each
	// claim. Only a CommitBatch carrying the current epoch is accepted.
	Epoch int64  `db:"owner_epoch" json:"epoch"`
	Owner string `db:"owner" json:"owner"` // the instance that made the last claim
	// ControlOffset and CandidateOffset are the next offsets to read on each
	// topic, or NoOffset before the first commit.
	ControlOffset   int64 `db:"control_offset" json:"controlOffset"`
	CandidateOffset int64 `db:"candidate_offset" json:"candidateOffset"`
	// ControlRecentFrom and CandidateRecentFrom are the first offsets of
	// each side's dedupe window (NoOffset before the first commit): a
	// restarted comparator re-reads from there to rebuild its state.
	ControlRecentFrom   int64 `db:"control_recent_from" json:"controlRecentFrom"`
	CandidateRecentFrom int64 `db:"candidate_recent_from" json:"candidateRecentFrom"`
	// Pending are records below those offsets still waiting for a partner.
	Pending []Position `db:"pending" json:"pending"`
	// Future are the offset ranges of records below those offsets, inside
	// the range a restart replays, that were judged dated too far in the
	// future when first read (counted undecodable): the replay skips
	// exactly them, whatever the clock says then.
	Future []Range `db:"future" json:"future"`
	// WatermarkControl and WatermarkCandidate are each side's event-time
	// watermark at the checkpoint; nil before the first commit.
	WatermarkControl   *time.Time `db:"watermark_control" json:"watermarkControl"`
	WatermarkCandidate *time.Time `db:"watermark_candidate" json:"watermarkCandidate"`
	UpdatedAt          time.Time  `db:"updated_at" json:"updatedAt"`
}

const checkpointColumns = `run, partition, owner_epoch, owner, control_offset, candidate_offset,
    control_recent_from, candidate_recent_from, pending, future,
    watermark_control, watermark_candidate, updated_at`

// claimPartitionSQL is one statement, so the claim is atomic: a row lock
// serializes concurrent claims of the same partition and each gets its own
// epoch.
const claimPartitionSQL = `
INSERT INTO checkpoints AS c (run, partition, owner_epoch, owner, control_offset, candidate_offset, pending)
VALUES ($1, $2, 1, $3, -1, -1, '[]')
ON CONFLICT (run, partition) DO UPDATE
    SET owner_epoch = c.owner_epoch + 1, owner = excluded.owner, updated_at = now()
RETURNING ` + checkpointColumns

// ClaimPartition makes owner the owner of the run's partition and returns its
// checkpoint with a new epoch: 1 for a partition never claimed (its offsets
// are then NoOffset and Pending is empty), else the stored epoch plus one with
// the stored offsets, pending positions and watermarks. From then on, a
// CommitBatch with an older epoch (from the previous owner, or from this
// owner's own earlier claim) returns ErrFenced. The run must exist (see
// [Store.EnsureRun]).
//
// Call it when a rebalance assigns the partition, and again to restart work
// on the partition after any CommitBatch error: resume from the checkpoint it
// returns.
func (s *Store) ClaimPartition(ctx context.Context, run string, partition int, owner string) (Checkpoint, error) {
	if partition < 0 || owner == "" {
		return Checkpoint{}, fmt.Errorf("claim partition %d of run %q by %q: need a partition >= 0 and an owner", partition, run, owner)
	}
	return selectOne[Checkpoint](ctx, s.db, fmt.Sprintf("claim partition %d of run %q", partition, run), claimPartitionSQL, run, partition, owner)
}

const checkpointsSQL = `SELECT ` + checkpointColumns + ` FROM checkpoints WHERE run = $1 ORDER BY partition`

// Checkpoints returns the checkpoints of every claimed partition of the run,
// by partition.
func (s *Store) Checkpoints(ctx context.Context, run string) ([]Checkpoint, error) {
	return selectAll[Checkpoint](ctx, s.db, fmt.Sprintf("checkpoints of run %q", run), checkpointsSQL, run)
}
