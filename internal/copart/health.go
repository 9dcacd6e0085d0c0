package copart

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oinkhq/oink/internal/backoff"
)

// Health folds the health of a member's partition workers into one flag:
// healthy while no partition is failing. Workers call Fail when a call to
// the broker or the database fails and OK once they make progress again; a
// worker that ends calls Drop. The flag (nil: none is kept) is what the
// process serves on /healthz. It is safe for concurrent use.
type Health struct {
	flag *atomic.Bool

	mu      sync.Mutex
	failing map[int]bool
}

// groupSlot is the group membership's slot among the partitions (which are
// never negative).
const groupSlot = -2

// NewHealth returns a Health that keeps flag (which may be nil) up to date.
func NewHealth(flag *atomic.Bool) *Health {
	return &Health{flag: flag, failing: map[int]bool{}}
}

// Fail marks partition p failing. A nil Health does nothing.
func (h *Health) Fail(p int) { h.set(p, true) }

// OK marks partition p working. A nil Health does nothing.
func (h *Health) OK(p int) { h.set(p, false) }

// Drop forgets partition p (its worker ended). A nil Health does nothing.
func (h *Health) Drop(p int) { h.set(p, false) }

func (h *Health) set(p int, failing bool) {
	if h == nil {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if failing {
		h.failing[p] = true
	} else {
		delete(h.failing, p)
	}
	if h.flag != nil {
		h.flag.Store(len(h.failing) == 0)
	}
}

// Retry runs session for partition p until ctx ends, starting it again
// after each failure with capped exponential backoff (200ms to 5s) while
// the partition is marked failing, and logging each retry with what, the
// message saying where the next session resumes. It returns nil when ctx
// ends, and a failure that fatal reports (nil: none is) as it is. session
// gets the backoff and resets it once it makes progress again.
func (h *Health) Retry(ctx context.Context, p int, log *slog.Logger, what string, fatal func(error) bool,
	session func(context.Context, *backoff.Backoff) error) error {
	defer h.Drop(p)
	bo := backoff.New(200*time.Millisecond, 5*time.Second)
	for {
		err := session(ctx, bo)
		if ctx.Err() != nil {
			return nil
		}
		if fatal != nil && fatal(err) {
			return err
		}
		h.Fail(p)
		wait := bo.Next()
		log.Warn(what, "partition", p, "backoff", wait, "err", err)
		if !backoff.Sleep(ctx, wait) {
			return nil
		}
	}
}
