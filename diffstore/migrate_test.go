package diffstore_test

import (
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// wantTables are the tables of the latest migration, with tern's version table.
// latestVersion is the number of the newest migration.
const latestVersion = 6

func wantTables() []string {
	return []string{"accepted_counts", "audit", "checkpoints", "counts", "cutover_state", "divergences", "equivalent_counts",
		"field_diffs", "gate_evaluations", "heartbeats", "oink_schema_version", "plans", "runs", "switch_forwards",
		"switch_partitions", "transitions"}
}

// wantEveryTable fails t unless pool's schema has every table (wantTables)
// after what was done to it.
func wantEveryTable(t *testing.T, pool *pgxpool.Pool, after string) {
	t.Helper()
	if diff := cmp.Diff(wantTables(), tables(t, pool)); diff != "" {
		t.Errorf("tables after %s (-want +got):\n%s", after, diff)
	}
}

func tables(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(t.Context(), `SELECT table_name::text FROM information_schema.tables
		WHERE table_schema = current_schema() ORDER BY 1`)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	return names
}

func schemaVersion(t *testing.T, pool *pgxpool.Pool) int32 {
	t.Helper()
	var v int32
	if err := pool.QueryRow(t.Context(), `SELECT version FROM oink_schema_version`).Scan(&v); err != nil {
		t.Fatalf("read schema version: %v", err)
	}
	return v
}

func TestMigrate(t *testing.T) {
	t.Parallel()

	t.Run("migrating a migrated schema again changes nothing", func(t *testing.T) {
		t.Parallel()
		pool := pgtest.Schema(t)
		if err := diffstore.Migrate(t.Context(), pool); err != nil {
			t.Fatalf("second Migrate = %v", err)
		}
		wantEveryTable(t, pool, "two migrations")
		if got := schemaVersion(t, pool); got != latestVersion {
			t.Errorf("schema version = %d, want %d", got, latestVersion)
		}
	})

	t.Run("two processes migrating one fresh schema at once both succeed", func(t *testing.T) {
		t.Parallel()
		pool := pgtest.EmptySchema(t)
		// A second pool on the same schema stands for a second process.
		other, err := pgxpool.NewWithConfig(t.Context(), pool.Config())
		if err != nil {
			t.Fatalf("second pool: %v", err)
		}
		t.Cleanup(other.Close)

		errs := make(chan error, 2)
		start := make(chan struct{})
		for _, p := range []*pgxpool.Pool{pool, other} {
			go func() {
				<-start
				errs <- diffstore.Migrate(t.Context(), p)
			}()
		}
		close(start)
		for range 2 {
			if err := <-errs; err != nil {
				t.Errorf("concurrent Migrate = %v", err)
			}
		}
		wantEveryTable(t, pool, "concurrent migrations")
	})

	t.Run("migrating down to version 0 drops every table and up restores them", func(t *testing.T) {
		t.Parallel()
		pool := pgtest.Schema(t)
		if err := diffstore.MigrateTo(t.Context(), pool, 0); err != nil {
			t.Fatalf("MigrateTo(0) = %v", err)
		}
		if got := tables(t, pool); !slices.Equal(got, []string{"oink_schema_version"}) {
			t.Errorf("tables at version 0 = %q, want only the version table", got)
		}
		if err := diffstore.Migrate(t.Context(), pool); err != nil {
			t.Fatalf("Migrate after down = %v", err)
		}
		wantEveryTable(t, pool, "down and up")
	})

	t.Run("a version past the latest is refused", func(t *testing.T) {
		t.Parallel()
		pool := pgtest.Schema(t)
		if err := diffstore.MigrateTo(t.Context(), pool, 99); err == nil {
			t.Errorf("MigrateTo(99) = nil, want an error")
		}
		if got := schemaVersion(t, pool); got != latestVersion {
			t.Errorf("schema version after refused MigrateTo = %d, want %d", got, latestVersion)
		}
	})
}

// TestMigrationPartitionCountsFoldsBack: version 3 keeps a counts row per
// partition; migrating down to 2 folds them into one row per bucket with the
// same sums, and up again keeps those sums.
func TestMigrationPartitionCountsFoldsBack(t *testing.T) {
	t.Parallel()
	pool := pgtest.Schema(t)
	ctx := t.Context()
	if _, err := pool.Exec(ctx, `INSERT INTO runs (name, control_topic, candidate_topic) VALUES ('r', 'c', 'k')`); err != nil {
		t.Fatal(err)
	}
	for p, pairs := range []int{3, 4, 5} {
		if _, err := pool.Exec(ctx, `INSERT INTO counts (run, partition, bucket, pairs) VALUES ('r', $1, '2026-03-01T00:00:00Z', $2)`, p, pairs); err != nil {
			t.Fatalf("partition %d's own row: %v", p, err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO accepted_counts (run, partition, bucket, rule, n) VALUES ('r', $1, '2026-03-01T00:00:00Z', 'x', 1)`, p); err != nil {
			t.Fatal(err)
		}
	}
	sums := func() (rows, pairs, accepted int) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT count(*), sum(pairs), (SELECT sum(n) FROM accepted_counts) FROM counts`).Scan(&rows, &pairs, &accepted); err != nil {
			t.Fatal(err)
		}
		return
	}
	if rows, pairs, acc := sums(); rows != 3 || pairs != 12 || acc != 3 {
		t.Fatalf("before: %d rows, %d pairs, %d accepted; want 3, 12, 3", rows, pairs, acc)
	}
	if err := diffstore.MigrateTo(ctx, pool, 2); err != nil {
		t.Fatalf("MigrateTo(2) = %v", err)
	}
	if rows, pairs, acc := sums(); rows != 1 || pairs != 12 || acc != 3 {
		t.Errorf("at version 2: %d rows, %d pairs, %d accepted; want 1, 12, 3", rows, pairs, acc)
	}
	if err := diffstore.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	if rows, pairs, acc := sums(); rows != 1 || pairs != 12 || acc != 3 {
		t.Errorf("up again: %d rows, %d pairs, %d accepted; want 1, 12, 3", rows, pairs, acc)
	}
}

// TestMigrationLevelsKeepsEqual: version 5 splits equal into identical and
// equivalent; a run counted before keeps its equal pairs, of no known
// level (Unleveled), and migrating down keeps equal.
func TestMigrationLevelsKeepsEqual(t *testing.T) {
	t.Parallel()
	pool := pgtest.Schema(t)
	ctx := t.Context()
	if err := diffstore.MigrateTo(ctx, pool, 4); err != nil {
		t.Fatalf("MigrateTo(4) = %v", err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO runs (name, control_topic, candidate_topic) VALUES ('r', 'c', 'k')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO counts (run, partition, bucket, pairs, equal) VALUES ('r', 0, '2026-03-01T00:00:00Z', 5, 5)`); err != nil {
		t.Fatal(err)
	}
	if err := diffstore.Migrate(ctx, pool); err != nil {
		t.Fatalf("Migrate = %v", err)
	}
	sum, err := diffstore.New(pool).Summary(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Equal != 5 || sum.Identical != 0 || sum.Equivalent != 0 || sum.Unleveled() != 5 {
		t.Errorf("after 0005: %+v; want 5 equal pairs of no known level", sum.Counts)
	}
	if err := diffstore.MigrateTo(ctx, pool, 4); err != nil {
		t.Fatalf("MigrateTo(4) = %v", err)
	}
	var equal int
	if err := pool.QueryRow(ctx, `SELECT sum(equal) FROM counts`).Scan(&equal); err != nil || equal != 5 {
		t.Errorf("at version 4: equal %d, %v; want 5", equal, err)
	}
	if slices.Contains(tables(t, pool), "equivalent_counts") {
		t.Errorf("at version 4 equivalent_counts still exists")
	}
}
