package diffstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// ErrNotFound is returned (wrapped) when the run or divergence asked for does
// not exist, or a write refers to a run that does not. It replaces pgx.ErrNoRows at this package's
// boundary, so callers never import pgx to test for it.
var ErrNotFound = errors.New("not found")

// ErrConflict is returned (wrapped) when a write contradicts what is stored:
// EnsureRun with other topics than the stored run (see [RunMismatchError]),
// or a unique violation (SQLSTATE 23505).
var ErrConflict = errors.New("conflict")

// ErrFenced is returned by [Store.CommitBatch] when the batch's epoch is no
// longer the partition's owner epoch: another instance claimed the partition
// (with [Store.ClaimPartition]) after this one did, or the checkpoint row is
// gone (the run was deleted). Nothing of the batch was written. The instance
// must stop working on the partition; it must not retry the batch.
var ErrFenced = errors.New("partition fenced: claimed by a newer owner epoch")

// DBTX is what a Store needs from the database: *pgxpool.Pool, *pgx.Conn
// and pgx.Tx all satisfy it. Over a pgx.Tx, the Store's own transactions
// (CommitBatch, ClaimPartition) become savepoints of that transaction.
type DBTX interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults
	Begin(ctx context.Context) (pgx.Tx, error)
}

// Store reads and writes the diffstore tables through a DBTX. It holds no
// state besides the DBTX, so it is safe for concurrent use whenever the DBTX
// is (a *pgxpool.Pool is; a pgx.Tx or *pgx.Conn is not). The schema must
// have been created with [Migrate].
type Store struct {
	db DBTX
}

// New returns a Store over db. The caller keeps ownership of db and closes
// it after the last use of the Store.
func New(db DBTX) *Store {
	return &Store{db: db}
}

// Open parses url (a postgres:// URL or a key=value DSN, as pgx accepts),
// creates a connection pool and checks that the server answers. It does not
// run migrations: call [Migrate] for that. The caller closes the pool.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		// pgconn redacts the password in its parse errors.
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to %s/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Database, err)
	}
	return pool, nil
}

// convertErr turns pgx errors into this package's sentinels where they mean
// one: pgx.ErrNoRows and a foreign key violation (every foreign key points at
// runs, so: no such run) become ErrNotFound, a unique violation ErrConflict.
// The original error stays in the chain.
func convertErr(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("%w: %w", ErrNotFound, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code {
		case "23503": // foreign_key_violation
			return fmt.Errorf("%w: no such run: %w", ErrNotFound, err)
		case "23505": // unique_violation
			return fmt.Errorf("%w: %w", ErrConflict, err)
		}
	}
	return err
}
