package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oinkhq/oink/diffstore"
)

// EnvURL is the environment variable naming the test database.
const EnvURL = "OINK_TEST_DATABASE_URL"

// DefaultURL is the test database that scripts/postgres prepares.
const DefaultURL = "postgres:///oink_test?host=/var/run/postgresql"

// schemaPrefix starts the name of every schema this package creates, so that
// reap can find the ones a killed test binary left behind; sharedPrefix
// starts the names of shared schemas (see Tx).
const (
	schemaPrefix = "pgtest_"
	sharedPrefix = schemaPrefix + "shared_"
)

// staleAfter is the age after which reap drops a schema of Schema or
// EmptySchema that its test did not drop (the binary was killed): far longer
// than `go test`'s default -timeout of 10 minutes.
const staleAfter = 2 * time.Hour

// connectTimeout bounds each connection attempt and each setup statement.
const connectTimeout = 10 * time.Second

// URL returns the test database's URL: OINK_TEST_DATABASE_URL, or DefaultURL
// when it is unset. It fails the test (never skips it) when no server answers
// there.
func URL(tb testing.TB) string {
	tb.Helper()
	u := rawURL()
	conn := connect(tb, u)
	closeConn(tb, conn)
	return u
}

// rawURL reads the environment. pgtest is the one place besides cmd/oink's
// flag binding that may: tests have no flags to read it from.
func rawURL() string {
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	return DefaultURL
}

// connect opens a connection to u, failing tb with a message that names
// OINK_TEST_DATABASE_URL and scripts/postgres when it cannot.
func connect(tb testing.TB, u string) *pgx.Conn {
	tb.Helper()
	ctx, cancel := context.WithTimeout(tb.Context(), connectTimeout)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err == nil {
		err = conn.Ping(ctx)
	}
	if err != nil {
		tb.Fatalf("pgtest: no Postgres answers at %s=%s: %v\n"+
			"\tstart the local server with `scripts/postgres` (it prepares %s),\n"+
			"\tor set %s to a database where this user may create schemas",
			EnvURL, redact(u), err, DefaultURL, EnvURL)
	}
	return conn
}

// closeConn closes conn, also during cleanup. Best effort: a test does not
// fail because a connection it is done with failed to say goodbye.
func closeConn(tb testing.TB, conn *pgx.Conn) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.Context()), connectTimeout)
	defer cancel()
	_ = conn.Close(ctx)
}

// EmptySchema creates a schema with a random name, returns a pool whose
// connections use it (search_path), and at cleanup closes the pool and drops
// the schema. No migrations are applied: use it to test migrations, and
// [Schema] otherwise.
func EmptySchema(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	u := rawURL()
	admin := connect(tb, u)
	defer closeConn(tb, admin)
	name := schemaPrefix + randomHex(8)
	ctx, cancel := context.WithTimeout(tb.Context(), connectTimeout)
	defer cancel()
	if err := createSchema(ctx, admin, name); err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	pool, err := newPool(ctx, u, name, 0)
	tb.Cleanup(func() {
		if pool != nil {
			pool.Close()
		}
		dropSchema(tb, u, name)
	})
	if err != nil {
		tb.Fatalf("pgtest: %v", err)
	}
	return pool
}

// Schema returns a pool on a fresh schema (random name) with the diffstore
// migrations applied. The schema is dropped at cleanup. Use it when a test
// commits, or needs several connections; otherwise [Tx] is cheaper.
func Schema(tb testing.TB) *pgxpool.Pool {
	tb.Helper()
	pool := EmptySchema(tb)
	ctx, cancel := context.WithTimeout(tb.Context(), time.Minute)
	defer cancel()
	if err := diffstore.Migrate(ctx, pool); err != nil {
		tb.Fatalf("pgtest: migrate: %v", err)
	}
	return pool
}

// shared is the schema every Tx of this test binary uses, migrated once.
// It is package state on purpose (as river's riverdbtest keeps it): a test
// binary is one package's tests, and migrating once per binary is the point.
//
// Nothing runs when the binary exits, so the schema outlives it. To let later
// binaries drop it, holder keeps a session advisory lock keyed by the schema
// name for the binary's whole life; the server releases it when the process
// ends, however it ends, and reap drops shared schemas whose lock is free.
var shared struct {
	once   sync.Once
	pool   *pgxpool.Pool
	holder *pgx.Conn // never closed: process exit releases the lock
	err    error
}

// Tx begins a transaction on this test binary's shared schema (created and
// migrated at the first call) and rolls it back at cleanup. Tests using Tx
// may run in parallel: each has its own transaction and connection.
func Tx(tb testing.TB) pgx.Tx {
	tb.Helper()
	u := URL(tb) // fails with the helpful message if the server is down
	shared.once.Do(func() {
		// Not the test's own context: the pool outlives the test that
		// happens to create it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.Context()), time.Minute)
		defer cancel()
		shared.pool, shared.holder, shared.err = sharedPool(ctx, u)
	})
	if shared.err != nil {
		tb.Fatalf("pgtest: shared schema: %v", shared.err)
	}
	// No timeout of our own: waiting for a free connection is normal when
	// many parallel tests hold one each; the test binary's -timeout bounds it.
	tx, err := shared.pool.Begin(tb.Context())
	if err != nil {
		tb.Fatalf("pgtest: begin: %v", err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.Context()), connectTimeout)
		defer cancel()
		if err := tx.Rollback(ctx); err != nil {
			tb.Errorf("pgtest: roll back: %v", err)
		}
	})
	return tx
}

// sharedPool creates, migrates and returns the pool of the shared schema,
// and the connection that holds its liveness lock, after dropping the
// schemas earlier test binaries left.
func sharedPool(ctx context.Context, u string) (*pgxpool.Pool, *pgx.Conn, error) {
	holder, err := pgx.Connect(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	reap(ctx, holder)
	name := sharedPrefix + randomHex(6)
	// Lock before the schema exists, so that no reaper ever sees it unlocked.
	if _, err := holder.Exec(ctx, lockSQL, name); err != nil {
		_ = holder.Close(ctx) // best effort, as closeConn
		return nil, nil, fmt.Errorf("lock schema %s: %w", name, err)
	}
	if err := createSchema(ctx, holder, name); err != nil {
		_ = holder.Close(ctx) // best effort, as closeConn
		return nil, nil, err
	}
	pool, err := newPool(ctx, u, name, sharedMaxConns)
	if err == nil {
		err = diffstore.Migrate(ctx, pool)
		if err != nil {
			pool.Close()
			err = fmt.Errorf("migrate schema %s: %w", name, err)
		}
	}
	if err != nil {
		_ = holder.Close(ctx) // best effort, as closeConn
		return nil, nil, err
	}
	return pool, holder, nil
}

// The liveness lock of a shared schema, keyed by its name.
const (
	lockSQL    = `SELECT pg_advisory_lock(hashtextextended('oink.pgtest.' || $1, 0))`
	tryLockSQL = `SELECT pg_try_advisory_lock(hashtextextended('oink.pgtest.' || $1, 0))`
	unlockSQL  = `SELECT pg_advisory_unlock(hashtextextended('oink.pgtest.' || $1, 0))`
)

// createSchema creates the schema and stamps its creation time in its
// comment, for reap.
func createSchema(ctx context.Context, conn *pgx.Conn, name string) error {
	ident := pgx.Identifier{name}.Sanitize()
	stamp := "pgtest " + time.Now().UTC().Format(time.RFC3339)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+ident); err != nil {
		return fmt.Errorf("create schema %s: %w", name, err)
	}
	if _, err := conn.Exec(ctx, "COMMENT ON SCHEMA "+ident+" IS '"+stamp+"'"); err != nil {
		return fmt.Errorf("comment on schema %s: %w", name, err)
	}
	return nil
}

// sharedMaxConns caps the connections of the shared schema's pool: one per
// test holding a Tx, so enough for a generous -parallel, and few enough that
// several test binaries stay under Postgres' default max_connections (100).
const sharedMaxConns = 16

// newPool returns a pool on u whose connections have search_path = schema,
// with at most maxConns connections (0: pgxpool's default).
func newPool(ctx context.Context, u, schema string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(u)
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", EnvURL, err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("pool on schema %s: %w", schema, err)
	}
	return pool, nil
}

// dropSchema drops the schema at cleanup, after the test's context is done.
func dropSchema(tb testing.TB, u, name string) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.Context()), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, u)
	if err != nil {
		tb.Errorf("pgtest: drop schema %s: %v", name, err)
		return
	}
	defer closeConn(tb, conn)
	if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
		tb.Errorf("pgtest: drop schema %s: %v", name, err)
	}
}

const staleSchemasSQL = `
SELECT nspname, coalesce(obj_description(oid, 'pg_namespace'), '')
FROM pg_namespace WHERE starts_with(nspname, $1)`

// reap drops the shared schemas of test binaries that have exited (their
// liveness lock is free), and the other schemas of this package older than
// staleAfter (their test binary was killed before its cleanup). Best effort:
// several binaries may reap at once, and a failure here harms no test.
func reap(ctx context.Context, conn *pgx.Conn) {
	rows, err := conn.Query(ctx, staleSchemasSQL, schemaPrefix)
	if err != nil {
		return
	}
	type schema struct{ name, comment string }
	all, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (schema, error) {
		var s schema
		err := r.Scan(&s.name, &s.comment)
		return s, err
	})
	if err != nil {
		return
	}
	drop := func(name string) {
		_, _ = conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE")
	}
	for _, s := range all {
		if strings.HasPrefix(s.name, sharedPrefix) {
			var free bool
			if conn.QueryRow(ctx, tryLockSQL, s.name).Scan(&free) == nil && free {
				drop(s.name)
				_, _ = conn.Exec(ctx, unlockSQL, s.name)
			}
			continue
		}
		created, err := time.Parse(time.RFC3339, strings.TrimPrefix(s.comment, "pgtest "))
		if err == nil && time.Since(created) >= staleAfter {
			drop(s.name)
		}
	}
}

// randomHex returns n random bytes in hex: a schema name suffix.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never returns an error
	return hex.EncodeToString(b)
}

// redact hides the password of a URL or key=value DSN, for messages.
func redact(u string) string {
	if parsed, err := url.Parse(u); err == nil && parsed.Scheme != "" {
		return parsed.Redacted()
	}
	return dsnPassword.ReplaceAllString(u, "${1}xxxxx")
}

var dsnPassword = regexp.MustCompile(`(password\s*=\s*)('[^']*'|\S+)`)

// SchemaURL returns a database URL whose connections use a fresh, migrated
// schema (search_path in the URL), for tests that run oink as a separate
// process. It also returns a pool on the same schema, for the test's own
// reads. The schema is dropped at cleanup.
func SchemaURL(tb testing.TB) (string, *pgxpool.Pool) {
	tb.Helper()
	pool := Schema(tb)
	name := pool.Config().ConnConfig.RuntimeParams["search_path"]
	u, err := url.Parse(rawURL())
	if err != nil {
		tb.Fatalf("pgtest: parse %s: %v", EnvURL, err)
	}
	q := u.Query()
	q.Set("search_path", name)
	u.RawQuery = q.Encode()
	return u.String(), pool
}
