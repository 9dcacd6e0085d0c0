package pglocal

import (
	"log/slog"
	neturl "net/url"
	"os"
	"testing"
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
