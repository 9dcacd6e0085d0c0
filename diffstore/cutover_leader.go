package diffstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrLeadershipLost is returned by [LeaderLock.Check] when the lock's
// connection no longer answers: the server has released, or will release,
// the lock, and another controller may lead. Stop acting as the leader.
var ErrLeadershipLost = errors.New("leader lock lost: its connection failed")

// leaderKey includes the schema for the reason routeLockSQL does.
const (
	tryLeadSQL = `SELECT pg_try_advisory_lock(hashtextextended('oink-controller:' || current_schema() || ':' || $1, 0))`
	unleadSQL  = `SELECT pg_advisory_unlock(hashtextextended('oink-controller:' || current_schema() || ':' || $1, 0))`
)

// leaderActiveSQL finds the leader lock in pg_locks, where a lock on a
// bigint key shows its high half as classid and its low half as objid.
const leaderActiveSQL = `
SELECT EXISTS (
    SELECT 1 FROM pg_locks l
    WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
      AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
      AND l.classid = ((key.k >> 32) & 4294967295)::oid AND l.objid = (key.k & 4294967295)::oid)
FROM (SELECT hashtextextended('oink-controller:' || current_schema() || ':' || $1, 0) AS k) key`

// LeaderActive reports whether some controller holds the run's leader lock
// now: for a status to say that no controller is running.
func (s *Store) LeaderActive(ctx context.Context, run string) (bool, error) {
	var active bool
	if err := s.db.QueryRow(ctx, leaderActiveSQL, run).Scan(&active); err != nil {
		return false, fmt.Errorf("leader of run %q: %w", run, err)
	}
	return active, nil
}

// LeaderLock elects one leader among the controllers of a run: a Postgres
// session advisory lock held on a connection of its own, opened with the
// Store's pool configuration but outside the pool, for as long as the leader
// leads. The server releases it when that connection ends, however the
// process ends. It is not safe for concurrent use; one controller owns it.
type LeaderLock struct {
	cfg  *pgx.ConnConfig
	run  string
	conn *pgx.Conn
	held bool
}

// LeaderLock returns the (not yet acquired) leader lock of run. The Store
// must run over a *pgxpool.Pool, whose configuration the lock's connection
// copies.
func (s *Store) LeaderLock(run string) (*LeaderLock, error) {
	pool, ok := s.db.(*pgxpool.Pool)
	if !ok {
		return nil, fmt.Errorf("leader lock of run %q: the store must run over a *pgxpool.Pool, not a %T", run, s.db)
	}
	return &LeaderLock{cfg: pool.Config().ConnConfig, run: run}, nil
}

// TryAcquire connects if needed and tries to take the lock without waiting.
// It returns true if this LeaderLock holds it (also when it already did).
// On an error the connection is closed, so the next call starts afresh.
func (l *LeaderLock) TryAcquire(ctx context.Context) (bool, error) {
	if l.held {
		return true, nil
	}
	if l.conn == nil {
		conn, err := pgx.ConnectConfig(ctx, l.cfg)
		if err != nil {
			return false, fmt.Errorf("leader lock of run %q: connect: %w", l.run, err)
		}
		l.conn = conn
	}
	if err := l.conn.QueryRow(ctx, tryLeadSQL, l.run).Scan(&l.held); err != nil {
		l.closeConn(ctx)
		return false, fmt.Errorf("leader lock of run %q: %w", l.run, err)
	}
	return l.held, nil
}

// Check returns nil while the lock is held: its connection answers (a
// session lock is only released by unlocking or by the session's end). It
// returns ErrLeadershipLost, and closes the connection, when it does not,
// and ErrLeadershipLost too when the lock was never acquired.
func (l *LeaderLock) Check(ctx context.Context) error {
	if !l.held {
		return ErrLeadershipLost
	}
	if err := l.conn.Ping(ctx); err != nil {
		l.closeConn(ctx)
		return fmt.Errorf("leader lock of run %q: %w: %w", l.run, ErrLeadershipLost, err)
	}
	return nil
}

// Held reports whether the lock was acquired and not known to be lost.
func (l *LeaderLock) Held() bool { return l.held }

// Close releases the lock if held and closes the connection. It runs even
// when ctx is done (the unlock gets a few seconds of its own); closing the
// connection releases the lock in any case.
func (l *LeaderLock) Close(ctx context.Context) error {
	if l.conn == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	var err error
	if l.held {
		_, err = l.conn.Exec(ctx, unleadSQL, l.run)
	}
	l.closeConn(ctx)
	if err != nil {
		return fmt.Errorf("leader lock of run %q: unlock: %w", l.run, err)
	}
	return nil
}

// closeConn forgets the connection and the lock. Best effort: a connection
// that fails to close is gone anyway, and so is its lock.
func (l *LeaderLock) closeConn(ctx context.Context) {
	_ = l.conn.Close(ctx)
	l.conn, l.held = nil, false
}
