package diffstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Instance is the latest heartbeat of one comparator instance of a run.
type Instance struct {
	Run        string    `db:"run" json:"run"`
	Instance   string    `db:"instance" json:"instance"`
	Partitions []int     `db:"partitions" json:"partitions"` // partitions it owns
	Lag        int64     `db:"lag" json:"lag"`               // records behind the topics' ends, both sides summed
	CaughtUp   bool      `db:"caught_up" json:"caughtUp"`    // it has read up to the ends of its partitions
	LastSeen   time.Time `db:"last_seen" json:"lastSeen"`    // database time of the heartbeat
}

const heartbeatSQL = `
INSERT INTO heartbeats AS h (run, instance, partitions, lag, caught_up, last_seen)
VALUES ($1, $2, $3, $4, $5, now())
ON CONFLICT (run, instance) DO UPDATE SET
    partitions = excluded.partitions, lag = excluded.lag,
    caught_up = excluded.caught_up, last_seen = excluded.last_seen`

// Heartbeat records that instance is alive on run, owning partitions, lag
// records behind and caught up or not. last_seen is the database's clock, so
// instances on machines with skewed clocks still compare fairly. The run must
// exist (else the error wraps [ErrNotFound]).
func (s *Store) Heartbeat(ctx context.Context, run, instance string, partitions []int, lag int64, caughtUp bool) error {
	if partitions == nil {
		partitions = []int{}
	}
	if _, err := s.db.Exec(ctx, heartbeatSQL, run, instance, partitions, lag, caughtUp); err != nil {
		return fmt.Errorf("heartbeat of instance %q on run %q: %w", instance, run, convertErr(err))
	}
	return nil
}

const instancesSQL = `
SELECT run, instance, partitions, lag, caught_up, last_seen
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
	rows, err := s.db.Query(ctx, instancesSQL, run, within)
	if err != nil {
		return nil, fmt.Errorf("instances of run %q: %w", run, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[Instance])
	if err != nil {
		return nil, fmt.Errorf("instances of run %q: %w", run, err)
	}
	return out, nil
}
