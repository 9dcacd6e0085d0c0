// Package backoff is the capped exponential backoff every oink component
// waits with between retries of a broker or database call that failed:
// first, 2×first, 4×first, … never more than a cap, reset after a success.
//
//	bo := backoff.New(100*time.Millisecond, 5*time.Second)
//	for {
//		if err := call(); err == nil {
//			bo.Reset()
//			break
//		}
//		if !backoff.Sleep(ctx, bo.Next()) {
//			return ctx.Err()
//		}
//	}
package backoff

import (
	"context"
	"time"
)

// Backoff yields the waits between retries. It is not safe for concurrent
// use: each retry loop owns one.
type Backoff struct{ first, cap, cur time.Duration }

// New returns a Backoff whose first wait is first and whose waits never
// exceed cap.
func New(first, cap time.Duration) *Backoff { return &Backoff{first: first, cap: cap} }

// Next returns the wait before the next attempt: twice the last, capped.
func (b *Backoff) Next() time.Duration {
	b.cur = min(max(2*b.cur, b.first), b.cap)
	return b.cur
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
