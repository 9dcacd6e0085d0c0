package backoff

import (
	"context"
	"math/rand/v2"
	"time"
)

// Backoff yields the waits between retries. It is not safe for concurrent
// use: each retry loop owns one.
type Backoff struct {
	first, cap, cur time.Duration
	// rand draws the jitter in [0, 1); nil is math/rand/v2's source,
	// seeded per process and safe for concurrent use.
	rand func() float64
}

// New returns a Backoff whose first wait is about first and whose waits
// never exceed cap.
func New(first, cap time.Duration) *Backoff { return &Backoff{first: first, cap: cap} }

// Next returns the wait before the next attempt: the step doubles from
// first up to cap, and the wait is drawn uniformly from the step's upper
// half, [step/2, step] ("equal jitter"): never less than half the step,
// so a retry never hammers the broker, and never more than cap.
func (b *Backoff) Next() time.Duration {
	b.cur = min(max(2*b.cur, b.first), b.cap)
	r := rand.Float64
	if b.rand != nil {
		r = b.rand
	}
	half := b.cur / 2
	return b.cur - half + time.Duration(r()*float64(half))
}

// Reset starts again from the first wait, after a success.
func (b *Backoff) Reset() { b.cur = 0 }

// Sleep waits d, or less if ctx ends first; it reports whether d passed.
func Sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
