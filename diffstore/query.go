package diffstore

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// queryer is what the select helpers need: a DBTX or a pgx.Tx.
type queryer interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

// selectAll runs sql with args and returns every row as a T, columns
// matched to T's fields by name. An error is wrapped with what was asked:
// "what: …".
func selectAll[T any](ctx context.Context, db queryer, what, sql string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[T])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	return out, nil
}

// selectOne runs sql with args and returns its one row as a T; no row is
// an error wrapping [ErrNotFound] (convertErr). An error is wrapped with
// what was asked: "what: …".
func selectOne[T any](ctx context.Context, db queryer, what, sql string, args ...any) (T, error) {
	var zero T
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return zero, fmt.Errorf("%s: %w", what, err)
	}
	v, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[T])
	if err != nil {
		return zero, fmt.Errorf("%s: %w", what, convertErr(err))
	}
	return v, nil
}
