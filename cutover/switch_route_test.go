package cutover

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// TestRouteFeedKeepsItsBackoffWhenKicked: while the store is down, the
// route reads follow the backoff even though parked records kick the feed
// on every pass of their worker. Before, each kick read at once, so a
// Postgres outage met back-to-back reads (and a warning each). The store is
// a real Postgres, stopped.
func TestRouteFeedKeepsItsBackoffWhenKicked(t *testing.T) {
	t.Parallel()
	cluster, pool := pgtest.Restartable(t)
	if err := cluster.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	type failedRead struct {
		at   time.Time
		wait time.Duration
	}
	var mu sync.Mutex
	var reads []failedRead
	f := newRouteFeed(diffstore.New(pool), "kicked")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	go f.loop(ctx, func(wait time.Duration, _ error) {
		mu.Lock()
		reads = append(reads, failedRead{time.Now(), wait})
		mu.Unlock()
	})
	const want = 5
	kick := time.NewTicker(time.Millisecond) // a worker's pace, not a wait
	defer kick.Stop()
	for deadline := time.Now().Add(time.Minute); ; <-kick.C {
		f.wanted()
		mu.Lock()
		n := len(reads)
		mu.Unlock()
		if n >= want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d failed route reads in a minute, want %d", n, want)
		}
	}
	cancel()
	mu.Lock()
	defer mu.Unlock()
	// A read follows the one before by at least the backoff that read
	// announced (timers never fire early; a busy machine only adds to it).
	for i := 1; i < want; i++ {
		if gap := reads[i].at.Sub(reads[i-1].at); gap < reads[i-1].wait {
			t.Errorf("read %d came %v after the one before, which announced a backoff of %v", i, gap, reads[i-1].wait)
		}
	}
}
