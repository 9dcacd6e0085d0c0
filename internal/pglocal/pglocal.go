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
			log.Info("using the local Postgres", "url", Redact(c))
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

// startThrowaway starts a Cluster for one command: stop stops it and
// removes its directory.
func startThrowaway(ctx context.Context, bin string, log *slog.Logger) (string, func(), error) {
	c, err := startCluster(ctx, bin)
	if err != nil {
		return "", func() {}, err
	}
	log.Info("throwaway Postgres running", "dir", c.dir)
	return c.URL(), func() { c.Close(context.WithoutCancel(ctx)) }, nil
}

// Cluster is a throwaway Postgres cluster: initdb'd in a temporary
// directory, listening only on a Unix socket in that directory on a port of
// its own, run as the postgres user when the process is root (Postgres
// refuses root). Fault-injection tests stop and start it to restart the
// database under running components without touching any shared server.
// Its methods are not safe for concurrent use.
type Cluster struct {
	bin, dir, data, asUser string
	port                   int
}

// StartCluster starts a throwaway cluster from the installed server
// binaries. Close stops it and removes its directory.
func StartCluster(ctx context.Context) (*Cluster, error) {
	bin, err := serverBinaries()
	if err != nil {
		return nil, err
	}
	return startCluster(ctx, bin)
}

func startCluster(ctx context.Context, bin string) (*Cluster, error) {
	dir, err := os.MkdirTemp("", "oink-pg-")
	if err != nil {
		return nil, err
	}
	c := &Cluster{bin: bin, dir: dir, data: filepath.Join(dir, "data")}
	if err := c.init(ctx); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := c.Start(ctx); err != nil {
		// Start may have launched the server before ctx ended: stop it
		// with a context that is still alive.
		c.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return c, nil
}

// init picks the user and port and runs initdb.
func (c *Cluster) init(ctx context.Context) error {
	var err error
	if c.asUser, err = runAs(); err != nil {
		return err
	}
	if c.asUser != "" {
		if err := chownTree(c.dir, c.asUser); err != nil {
			return err
		}
	}
	if c.port, err = freePort(); err != nil {
		return err
	}
	return c.run(ctx, "initdb", "-D", c.data, "-U", "oink", "--auth=trust", "-E", "UTF8", "--no-sync")
}

// run runs one server binary in the cluster's directory, as its user.
func (c *Cluster) run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, filepath.Join(c.bin, name), args...)
	if c.asUser != "" {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", c.asUser, "--", filepath.Join(c.bin, name)}, args...)...)
	}
	cmd.Dir = c.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, out)
	}
	return nil
}

// URL is the cluster's postgres database, as user oink (trusted).
func (c *Cluster) URL() string {
	return fmt.Sprintf("postgres://oink@/postgres?host=%s&port=%d", c.dir, c.port)
}

// Start starts the server (again) on the cluster's socket and port and
// waits until it accepts connections.
func (c *Cluster) Start(ctx context.Context) error {
	opts := fmt.Sprintf("-k %s -p %d -c listen_addresses='' -c fsync=off", c.dir, c.port)
	return c.run(ctx, "pg_ctl", "-D", c.data, "-o", opts, "-l", filepath.Join(c.dir, "log"), "-w", "start")
}

// Stop stops the server at once (pg_ctl -m immediate: every connection is
// cut, as when the server crashes; committed transactions survive) and
// waits until it is down.
func (c *Cluster) Stop(ctx context.Context) error {
	return c.run(ctx, "pg_ctl", "-D", c.data, "-m", "immediate", "-w", "stop")
}

// Close stops the server and removes the cluster's directory. Best effort:
// a server already stopped is fine, and the directory goes anyway.
func (c *Cluster) Close(ctx context.Context) {
	_ = c.Stop(ctx)
	os.RemoveAll(c.dir)
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
