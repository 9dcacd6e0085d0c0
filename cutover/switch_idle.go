package cutover

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// idleTracker ends a switch run once every partition has been quiet for
// the configured time.
type idleTracker struct {
	after time.Duration
	stop  context.CancelFunc
	log   *slog.Logger

	mu       sync.Mutex
	quiet    map[int]bool
	assigned bool
}

func newIdleTracker(after time.Duration, stop context.CancelFunc, log *slog.Logger) *idleTracker {
	return &idleTracker{after: after, stop: stop, log: log, quiet: map[int]bool{}}
}

func (t *idleTracker) set(p int, quiet bool) {
	t.mu.Lock()
	t.quiet[p], t.assigned = quiet, true
	t.mu.Unlock()
}

func (t *idleTracker) drop(p int) {
	t.mu.Lock()
	delete(t.quiet, p)
	t.mu.Unlock()
}

// loop checks every 250ms; partitions report quiet only after StopWhenIdle
// of silence (Sides.Idle), so the first all-quiet check ends the run.
func (t *idleTracker) loop(ctx context.Context) {
	if t.after <= 0 {
		return
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t.mu.Lock()
		// No partition is not "all forwarded": between two generations
		// (a rebalance, the broker unreachable) a member holds none.
		all := t.assigned && len(t.quiet) > 0
		for _, q := range t.quiet {
			all = all && q
		}
		t.mu.Unlock()
		if all {
			t.log.Info("every partition forwarded and idle, stopping")
			t.stop()
			return
		}
	}
}
