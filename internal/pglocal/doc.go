// Package pglocal finds a Postgres for commands that were not told which one
// to use: DATABASE_URL when set, else a local server (the Unix socket in
// /var/run/postgresql, then 127.0.0.1:5432), else a throwaway cluster it
// starts from the installed Postgres server binaries in a temporary
// directory, removed when the command ends. That last path is the demo's:
// nothing to install or configure.
//
//	url, stop, err := pglocal.Resolve(ctx, url, log)
//	defer stop()
package pglocal
