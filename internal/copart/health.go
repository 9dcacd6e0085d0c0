package copart

import (
	"sync"
	"sync/atomic"
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
