package pgtest

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// fakeTB records how a helper ends the test instead of ending it.
type fakeTB struct {
	testing.TB
	fatal   string
	skipped bool
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatalf(format string, args ...any) {
	f.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (f *fakeTB) Skip(args ...any)                 { f.skipped = true; runtime.Goexit() }
func (f *fakeTB) Skipf(format string, args ...any) { f.skipped = true; runtime.Goexit() }
func (f *fakeTB) SkipNow()                         { f.skipped = true; runtime.Goexit() }

// Not parallel: t.Setenv.
func TestURLFailsWithoutServer(t *testing.T) {
	t.Setenv(EnvURL, "postgres://nobody:secret@127.0.0.1:1/oink_test?connect_timeout=5")
	fake := &fakeTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		URL(fake)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("URL did not return within 30s")
	}
	if fake.skipped {
		t.Fatalf("URL skipped the test; it must fail it")
	}
	for _, want := range []string{EnvURL, "scripts/postgres"} {
		if !strings.Contains(fake.fatal, want) {
			t.Errorf("URL failure message = %q, want it to name %q", fake.fatal, want)
		}
	}
	if strings.Contains(fake.fatal, "secret") {
		t.Errorf("URL failure message = %q, shows the password", fake.fatal)
	}
}

func currentSchema(t *testing.T, db interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}) string {
	t.Helper()
	var name string
	if err := db.QueryRow(t.Context(), `SELECT current_schema()`).Scan(&name); err != nil {
		t.Fatalf("current_schema() = %v", err)
	}
	return name
}

func schemaExists(t *testing.T, name string) bool {
	t.Helper()
	conn := connect(t, URL(t))
	defer closeConn(t, conn)
	var exists bool
	err := conn.QueryRow(t.Context(), `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, name).Scan(&exists)
	if err != nil {
		t.Fatalf("look up schema %s: %v", name, err)
	}
	return exists
}

func TestSchema(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("a schema of its own, migrated", func(t *testing.T) {
		pool := Schema(t)
		name = currentSchema(t, pool)
		if !strings.HasPrefix(name, schemaPrefix) {
			t.Errorf("current_schema() = %q, want a %s… schema", name, schemaPrefix)
		}
		// Several connections see the same schema, and commits stick.
		if _, err := pool.Exec(t.Context(), `INSERT INTO runs (name, control_topic, candidate_topic) VALUES ('r', 'a', 'b')`); err != nil {
			t.Fatalf("insert run: %v", err)
		}
		other, err := pgxpool.NewWithConfig(t.Context(), pool.Config())
		if err != nil {
			t.Fatalf("second pool: %v", err)
		}
		defer other.Close()
		var n int
		if err := other.QueryRow(t.Context(), `SELECT count(*) FROM runs`).Scan(&n); err != nil || n != 1 {
			t.Errorf("runs seen from another connection = %d, %v; want 1", n, err)
		}
	})
	if name == "" {
		t.Fatal("subtest did not report its schema")
	}
	if schemaExists(t, name) {
		t.Errorf("schema %s still exists after its test's cleanup", name)
	}
}

func TestTx(t *testing.T) {
	t.Parallel()
	var name string
	t.Run("writes inside the transaction", func(t *testing.T) {
		tx := Tx(t)
		name = currentSchema(t, tx)
		if _, err := tx.Exec(t.Context(), `INSERT INTO runs (name, control_topic, candidate_topic) VALUES ('tx-run', 'a', 'b')`); err != nil {
			t.Fatalf("insert run: %v", err)
		}
	})
	tx := Tx(t)
	if got := currentSchema(t, tx); got != name || !strings.HasPrefix(got, sharedPrefix) {
		t.Errorf("second Tx schema = %q, want the shared %q", got, name)
	}
	var n int
	if err := tx.QueryRow(t.Context(), `SELECT count(*) FROM runs WHERE name = 'tx-run'`).Scan(&n); err != nil || n != 0 {
		t.Errorf("rows of a finished Tx = %d, %v; want 0 (rolled back)", n, err)
	}
}

func TestReap(t *testing.T) {
	t.Parallel()
	conn := connect(t, URL(t))
	t.Cleanup(func() { closeConn(t, conn) }) // after the drops below: cleanups run last-in first-out
	ctx := t.Context()

	deadShared := sharedPrefix + "reaptest_" + randomHex(4)
	oldLeak := schemaPrefix + "reaptest_" + randomHex(4)
	fresh := schemaPrefix + "reaptest_" + randomHex(4)
	liveShared := sharedPrefix + "reaptest_" + randomHex(4)
	for _, name := range []string{deadShared, oldLeak, fresh, liveShared} {
		if err := createSchema(ctx, conn, name); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if _, err := conn.Exec(context.WithoutCancel(ctx), "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()); err != nil {
				t.Errorf("drop %s: %v", name, err)
			}
		})
	}
	stamp := "pgtest " + time.Now().Add(-3*time.Hour).UTC().Format(time.RFC3339)
	if _, err := conn.Exec(ctx, "COMMENT ON SCHEMA "+pgx.Identifier{oldLeak}.Sanitize()+" IS '"+stamp+"'"); err != nil {
		t.Fatal(err)
	}
	// A live binary holds its shared schema's lock on another session.
	holder := connect(t, URL(t))
	defer closeConn(t, holder)
	if _, err := holder.Exec(ctx, lockSQL, liveShared); err != nil {
		t.Fatal(err)
	}

	reap(ctx, conn)

	for name, want := range map[string]bool{deadShared: false, oldLeak: false, fresh: true, liveShared: true} {
		if got := schemaExists(t, name); got != want {
			t.Errorf("after reap, schema %s exists = %v, want %v", name, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ in, want string }{
		{"postgres://u:pw@h/db", "postgres://u:xxxxx@h/db"},
		{"postgres:///oink_test?host=/var/run/postgresql", "postgres:///oink_test?host=/var/run/postgresql"},
		{"host=/tmp password=pw dbname=x", "host=/tmp password=xxxxx dbname=x"},
		{"host=/tmp password='p w' dbname=x", "host=/tmp password=xxxxx dbname=x"},
	} {
		if got := redact(tc.in); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
