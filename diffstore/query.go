package diffstore

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// queryer is what the select helpers need: a DBTX or a pgx.Tx.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// selectAll runs sql with args and returns every row as a T, columns
// matched to T's fields by name.
func selectAll[T any](ctx context.Context, db queryer, sql string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByName[T])
}

// selectOne runs sql with args and returns its one row as a T; no row is
// an error wrapping [ErrNotFound] (convertErr).
func selectOne[T any](ctx context.Context, db queryer, sql string, args ...any) (T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		var zero T
		return zero, err
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[T])
	return v, convertErr(err)
}
