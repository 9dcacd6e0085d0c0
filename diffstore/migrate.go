package diffstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/tern/v2/migrate"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// versionTable is the table, in the target schema, where tern records the
// schema's version.
const versionTable = "oink_schema_version"

// migrateLockSQL takes a session advisory lock keyed by the target schema, so
// that two processes migrating the same schema run one after the other while
// migrations of different schemas (parallel tests) do not wait on each other
// here. (tern also takes a lock of its own, global to the database, around
// each step; we always take ours first, so the two cannot deadlock.)
const migrateLockSQL = `SELECT pg_advisory_lock(hashtextextended('oink.diffstore.migrate.' || current_schema(), 0))`

const migrateUnlockSQL = `SELECT pg_advisory_unlock(hashtextextended('oink.diffstore.migrate.' || current_schema(), 0))`

// Migrate brings the schema up to the latest migration. The schema is the
// first existing one of the connection's search_path (set
// ConnConfig.RuntimeParams["search_path"] on the pool's config to choose
// another than "public"); tern records the version in its
// oink_schema_version table.
//
// Migrate is idempotent, and safe when several processes run it at once: it
// holds an advisory lock for the whole run, and each migration is applied in
// its own transaction.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	return MigrateTo(ctx, pool, -1)
}

// MigrateTo migrates the schema up or down to version (0 drops everything;
// -1 means the latest). Like [Migrate], it is safe to run concurrently.
func MigrateTo(ctx context.Context, pool *pgxpool.Pool, version int32) (err error) {
	migrations, err := loadMigrations(migrationFS)
	if err != nil {
		return err
	}
	if version < 0 {
		version = int32(len(migrations))
	}
	if int(version) > len(migrations) {
		return fmt.Errorf("migrate to version %d: the latest version is %d", version, len(migrations))
	}

	c, err := pool.Acquire(ctx)
	if err != nil {
		return fmt.Errorf("migrate: acquire connection: %w", err)
	}
	defer c.Release()
	conn := c.Conn()

	var schema *string
	if err := conn.QueryRow(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("migrate: read current schema: %w", err)
	}
	if schema == nil {
		return fmt.Errorf("migrate: search_path names no existing schema; create it first")
	}
	if _, err := conn.Exec(ctx, migrateLockSQL); err != nil {
		return fmt.Errorf("migrate: lock schema %q: %w", *schema, err)
	}
	defer func() {
		// Unlock even when ctx is done. If that fails, close the connection,
		// which releases the lock, rather than return a locked connection
		// to the pool.
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		defer cancel()
		if _, uerr := conn.Exec(uctx, migrateUnlockSQL); uerr != nil {
			_ = conn.Close(uctx) // best effort: the pool destroys a closed conn
			if err == nil {
				err = fmt.Errorf("migrate: unlock schema %q: %w", *schema, uerr)
			}
		}
	}()

	m, err := migrate.NewMigrator(ctx, conn, qualifiedVersionTable(*schema))
	if err != nil {
		return fmt.Errorf("migrate: prepare version table in schema %q: %w", *schema, err)
	}
	for _, mig := range migrations {
		m.AppendMigration(mig.name, mig.up, mig.down)
	}
	if err := m.MigrateTo(ctx, version); err != nil {
		return fmt.Errorf("migrate schema %q to version %d: %w", *schema, version, err)
	}
	return nil
}

// qualifiedVersionTable names the version table in schema. tern looks the
// table up by splitting on '.', so a plain lowercase schema stays unquoted;
// any other is quoted, which only costs tern an idempotent CREATE TABLE IF
// NOT EXISTS per run.
func qualifiedVersionTable(schema string) string {
	if plainIdent.MatchString(schema) {
		return schema + "." + versionTable
	}
	return pgx.Identifier{schema, versionTable}.Sanitize()
}

var plainIdent = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// migrationFile matches migrations/NNNN_name.up.sql and .down.sql.
var migrationFile = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.(up|down)\.sql$`)

type migration struct {
	name     string // "0001_init"
	up, down string
}

// loadMigrations reads the embedded migrations, in version order. Versions
// must run 1, 2, 3… with no gap, and each needs an up and a down file.
func loadMigrations(fsys fs.FS) ([]migration, error) {
	entries, err := fs.ReadDir(fsys, "migrations")
	if err != nil {
		return nil, fmt.Errorf("read embedded migrations: %w", err)
	}
	byVersion := map[int]*migration{}
	for _, e := range entries {
		parts := migrationFile.FindStringSubmatch(e.Name())
		if parts == nil {
			return nil, fmt.Errorf("migration file %q: want NNNN_name.up.sql or NNNN_name.down.sql", e.Name())
		}
		v, _ := strconv.Atoi(parts[1]) // four digits: cannot fail
		body, err := fs.ReadFile(fsys, "migrations/"+e.Name())
		if err != nil {
			return nil, fmt.Errorf("read migration %q: %w", e.Name(), err)
		}
		mig := byVersion[v]
		if mig == nil {
			mig = &migration{name: parts[1] + "_" + parts[2]}
			byVersion[v] = mig
		}
		if mig.name != parts[1]+"_"+parts[2] {
			return nil, fmt.Errorf("migration %d has two names: %q and %q", v, mig.name, parts[1]+"_"+parts[2])
		}
		if parts[3] == "up" {
			mig.up = string(body)
		} else {
			mig.down = string(body)
		}
	}
	versions := make([]int, 0, len(byVersion))
	for v := range byVersion {
		versions = append(versions, v)
	}
	sort.Ints(versions)
	out := make([]migration, 0, len(versions))
	for i, v := range versions {
		mig := byVersion[v]
		switch {
		case v != i+1:
			return nil, fmt.Errorf("migration %04d is missing", i+1)
		case mig.up == "" || mig.down == "":
			return nil, fmt.Errorf("migration %s needs both an .up.sql and a .down.sql file", mig.name)
		}
		out = append(out, *mig)
	}
	return out, nil
}
