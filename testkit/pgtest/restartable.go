package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/pglocal"
)

// Restartable starts a throwaway Postgres cluster of the test's own
// (pglocal.StartCluster, from the installed server binaries) with the
// diffstore migrations applied, and returns it with a pool on it. A
// fault-injection test stops and starts the cluster under running
// components; the shared server of OINK_TEST_DATABASE_URL, which other
// tests use at the same time, is never touched. Both are closed at cleanup.
// It fails the test (never skips it) when no server binaries are installed.
func Restartable(tb testing.TB) (*pglocal.Cluster, *pgxpool.Pool) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), time.Minute)
	defer cancel()
	c, err := pglocal.StartCluster(ctx)
	if err != nil {
		tb.Fatalf("pgtest: throwaway cluster: %v (install the Postgres server, e.g. scripts/postgres)", err)
	}
	tb.Cleanup(func() { c.Close(context.WithoutCancel(tb.Context())) })
	pool, err := diffstore.Open(ctx, c.URL())
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	tb.Cleanup(pool.Close)
	if err := diffstore.Migrate(ctx, pool); err != nil {
		tb.Fatalf("pgtest: migrate: %v", err)
	}
	return c, pool
}
