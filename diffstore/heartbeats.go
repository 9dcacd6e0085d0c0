package diffstore

import (
	"context"
	"fmt"
	"time"
)

// Instance is the latest heartbeat of one comparator instance of a run.
type Instance struct {
	Run        string    `db:"run" json:"run"`
	Instance   string    `db:"instance" json:"instance"`
	Partitions []int     `db:"partitions" json:"partitions"` // partitions it owns
	Lag        int64     `db:"lag" json:"lag"`               // records behind the topics' ends, both sides summed
	CaughtUp   bool      `db:"caught_up" json:"caughtUp"`    // it has read up to the ends of its partitions
	LastSeen   time.Time `db:"last_seen" json:"lastSeen"`    // database time of the heartbeat
	// The sides' progress as this instance sees it.
	SidesProgress
}

// SidesProgress is the progress of both sides of a run (see SideProgress),
// in the columns a heartbeat stores it in.
type SidesProgress struct {
	ControlBehind       bool    `db:"control_behind" json:"controlBehind"`
	ControlLagSeconds   float64 `db:"control_lag_seconds" json:"controlLagSeconds"`
	ControlInputLag     *int64  `db:"control_input_lag" json:"controlInputLag"`
	CandidateBehind     bool    `db:"candidate_behind" json:"candidateBehind"`
	CandidateLagSeconds float64 `db:"candidate_lag_seconds" json:"candidateLagSeconds"`
	CandidateInputLag   *int64  `db:"candidate_input_lag" json:"candidateInputLag"`
}

// Side returns the progress of side s (SideControl or SideCandidate).
func (p SidesProgress) Side(s Side) SideProgress {
	if s == SideControl {
		return SideProgress{Behind: p.ControlBehind, LagSeconds: p.ControlLagSeconds, InputLag: p.ControlInputLag}
	}
	return SideProgress{Behind: p.CandidateBehind, LagSeconds: p.CandidateLagSeconds, InputLag: p.CandidateInputLag}
}

// SideProgress is how one side of a run keeps pace with the other, as the
// comparator sees it (docs/comparator-evidence.md).
type SideProgress struct {
	// Behind: records of the other side have waited for this side's
	// partners longer than the match window, in event time, with no
	// evidence yet that this side has passed them. Nothing is counted
	// missing meanwhile; a cutover gate waits.
	Behind bool `json:"behind"`
	// LagSeconds is how far, in event time, this side trails the other
	// where the other's records wait for it; 0 when none waits.
	LagSeconds float64 `json:"lagSeconds"`
	// InputLag is how many input events this side's producer group has
	// not committed yet (events not yet converted); nil when unknown (no
	// group given, or the group has no committed offsets on the input).
	InputLag *int64 `json:"inputLag"`
}

// Beat is one heartbeat of a comparator instance.
type Beat struct {
	Partitions []int // partitions it owns
	Lag        int64 // records behind the topics' ends, both sides summed
	CaughtUp   bool  // it has read up to the ends of its partitions
	// Control and Candidate are the sides' progress as it sees them.
	Control, Candidate SideProgress
}

const heartbeatSQL = `
INSERT INTO heartbeats AS h (run, instance, partitions, lag, caught_up, last_seen,
    control_behind, control_lag_seconds, control_input_lag,
    candidate_behind, candidate_lag_seconds, candidate_input_lag)
VALUES ($1, $2, $3, $4, $5, now(), $6, $7, $8, $9, $10, $11)
ON CONFLICT (run, instance) DO UPDATE SET
    partitions = excluded.partitions, lag = excluded.lag,
    caught_up = excluded.caught_up, last_seen = excluded.last_seen,
    control_behind = excluded.control_behind, control_lag_seconds = excluded.control_lag_seconds,
    control_input_lag = excluded.control_input_lag,
    candidate_behind = excluded.candidate_behind, candidate_lag_seconds = excluded.candidate_lag_seconds,
    candidate_input_lag = excluded.candidate_input_lag`

// Heartbeat records that instance is alive on run, owning partitions, lag
// records behind and caught up or not; it is Beat with no side progress.
func (s *Store) Heartbeat(ctx context.Context, run, instance string, partitions []int, lag int64, caughtUp bool) error {
	return s.Beat(ctx, run, instance, Beat{Partitions: partitions, Lag: lag, CaughtUp: caughtUp})
}

// Beat records that instance is alive on run, with what b says. last_seen
// is the database's clock, so instances on machines with skewed clocks
// still compare fairly. The run must exist (else the error wraps
// [ErrNotFound]).
func (s *Store) Beat(ctx context.Context, run, instance string, b Beat) error {
	if b.Partitions == nil {
		b.Partitions = []int{}
	}
	c, d := b.Control, b.Candidate
	if _, err := s.db.Exec(ctx, heartbeatSQL, run, instance, b.Partitions, b.Lag, b.CaughtUp,
		c.Behind, c.LagSeconds, c.InputLag, d.Behind, d.LagSeconds, d.InputLag); err != nil {
		return fmt.Errorf("heartbeat of instance %q on run %q: %w", instance, run, convertErr(err))
	}
	return nil
}

const instancesSQL = `
SELECT run, instance, partitions, lag, caught_up, last_seen,
    control_behind, control_lag_seconds, control_input_lag,
    candidate_behind, candidate_lag_seconds, candidate_input_lag
FROM heartbeats
WHERE run = $1 AND ($2::interval IS NULL OR last_seen >= now() - $2::interval)
ORDER BY instance`

// Instances returns the instances of run whose last heartbeat is at most
// aliveWithin old (by the database's clock), by name. aliveWithin <= 0
// returns every instance that ever sent one.
func (s *Store) Instances(ctx context.Context, run string, aliveWithin time.Duration) ([]Instance, error) {
	var within *time.Duration
	if aliveWithin > 0 {
		within = &aliveWithin
	}
	return selectAll[Instance](ctx, s.db, fmt.Sprintf("instances of run %q", run), instancesSQL, run, within)
}
