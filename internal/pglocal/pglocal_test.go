package pglocal

import (
	"context"
	"log/slog"
	neturl "net/url"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestThrowawayCluster starts a throwaway cluster from the installed server
// binaries, connects, and checks that stop removes it.
func TestThrowawayCluster(t *testing.T) {
	bin, err := serverBinaries()
	if err != nil {
		t.Fatalf("this test needs the Postgres server binaries (run scripts/postgres to install them): %v", err)
	}
	url, stop, err := startThrowaway(t.Context(), bin, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if err := ping(t.Context(), url); err != nil {
		stop()
		t.Fatalf("throwaway cluster at %s does not answer: %v", url, err)
	}
	u, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	dir := u.Query().Get("host")
	stop()
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("stop left %s behind (%v)", dir, err)
	}
}

// TestResolvePrefersTheGivenURL: DATABASE_URL wins without probing.
func TestResolvePrefersTheGivenURL(t *testing.T) {
	got, stop, err := Resolve(t.Context(), "postgres://x@nowhere/db", slog.New(slog.DiscardHandler))
	defer stop()
	if err != nil || got != "postgres://x@nowhere/db" {
		t.Fatalf("Resolve = %q, %v", got, err)
	}
}

// TestClusterSurvivesStopAndStart: a throwaway cluster refuses connections
// while stopped and, started again, still holds what was committed.
func TestClusterSurvivesStopAndStart(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	c, err := StartCluster(ctx)
	if err != nil {
		t.Fatalf("StartCluster: %v", err)
	}
	t.Cleanup(func() { c.Close(context.WithoutCancel(ctx)) })
	exec := func(sql string) error {
		conn, err := pgx.Connect(ctx, c.URL())
		if err != nil {
			return err
		}
		defer conn.Close(ctx)
		_, err = conn.Exec(ctx, sql)
		return err
	}
	if err := exec("CREATE TABLE kept (v int); INSERT INTO kept VALUES (7)"); err != nil {
		t.Fatalf("writing before the stop: %v", err)
	}
	if err := c.Stop(ctx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := exec("SELECT 1"); err == nil {
		t.Fatal("a stopped cluster answered")
	}
	if err := c.Start(ctx); err != nil {
		t.Fatalf("Start: %v", err)
	}
	if err := exec("DO $$ BEGIN IF (SELECT v FROM kept) <> 7 THEN RAISE 'lost'; END IF; END $$"); err != nil {
		t.Fatalf("reading after the restart: %v", err)
	}
}
