package pglocal

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

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
