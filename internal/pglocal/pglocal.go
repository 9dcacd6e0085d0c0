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

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// Candidates are the local servers tried, in order, when no URL is given.
var Candidates = []string{
	"postgres:///oink?host=/var/run/postgresql",
	"postgres:///postgres?host=/var/run/postgresql",
	"postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
}

// Resolve returns a database URL that answers, and a function that stops
// whatever Resolve started. url is DATABASE_URL as given ("" when unset).
func Resolve(ctx context.Context, url string, log *slog.Logger) (string, func(), error) {
	noop := func() {}
	if url != "" {
		return url, noop, nil
	}
	for _, c := range Candidates {
		if ping(ctx, c) == nil {
			log.Info("using the local Postgres", "url", c)
			return c, noop, nil
		}
	}
	bin, err := serverBinaries()
	if err != nil {
		return "", noop, fmt.Errorf("no Postgres: DATABASE_URL is unset, no local server answers, and %w; "+
			"set DATABASE_URL or run scripts/postgres", err)
	}
	log.Info("no Postgres found: starting a throwaway cluster for this command", "binaries", bin)
	return startThrowaway(ctx, bin, log)
}

func ping(ctx context.Context, url string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	return conn.Ping(ctx)
}

// serverBinaries finds initdb and pg_ctl of an installed Postgres.
func serverBinaries() (string, error) {
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if p, err := exec.LookPath("initdb"); err == nil {
		matches = append(matches, p)
	}
	for i := len(matches) - 1; i >= 0; i-- { // the newest version sorts last
		dir := filepath.Dir(matches[i])
		if _, err := os.Stat(filepath.Join(dir, "pg_ctl")); err == nil {
			return dir, nil
		}
	}
	return "", errors.New("no Postgres server binaries (initdb, pg_ctl) are installed")
}

// startThrowaway runs initdb and pg_ctl in a temporary directory. Postgres
// refuses to run as root, so as root it runs as the postgres user.
func startThrowaway(ctx context.Context, bin string, log *slog.Logger) (string, func(), error) {
	dir, err := os.MkdirTemp("", "oink-pg-")
	if err != nil {
		return "", func() {}, err
	}
	asUser, err := runAs()
	if err != nil {
		os.RemoveAll(dir)
		return "", func() {}, err
	}
	if asUser != "" {
		if err := chownTree(dir, asUser); err != nil {
			os.RemoveAll(dir)
			return "", func() {}, err
		}
	}
	data, sock := filepath.Join(dir, "data"), dir
	port, err := freePort()
	if err != nil {
		os.RemoveAll(dir)
		return "", func() {}, err
	}
	run := func(name string, args ...string) error {
		cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
		if asUser != "" {
			cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", asUser, "--", filepath.Join(bin, name)}, args...)...)
		}
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("%s: %w: %s", name, err, out)
		}
		return nil
	}
	stop := func() {
		_ = run("pg_ctl", "-D", data, "-m", "immediate", "-w", "stop") // best effort: the directory goes anyway
		os.RemoveAll(dir)
	}
	if err := run("initdb", "-D", data, "-U", "oink", "--auth=trust", "-E", "UTF8", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return "", func() {}, err
	}
	opts := fmt.Sprintf("-k %s -p %d -c listen_addresses='' -c fsync=off", sock, port)
	if err := run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "start"); err != nil {
		stop()
		return "", func() {}, err
	}
	url := fmt.Sprintf("postgres://oink@/postgres?host=%s&port=%d", sock, port)
	log.Info("throwaway Postgres running", "dir", dir)
	return url, stop, nil
}

// runAs returns the user to run Postgres as: "" for the current user, or
// "postgres" when running as root.
func runAs() (string, error) {
	if os.Geteuid() != 0 {
		return "", nil
	}
	if _, err := user.Lookup("postgres"); err != nil {
		return "", errors.New("running as root and there is no postgres user to run a throwaway cluster as")
	}
	return "postgres", nil
}

func chownTree(dir, name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return os.Chown(dir, uid, gid)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
