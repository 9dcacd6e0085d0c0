// Package backoff is the capped exponential backoff every oink component
// waits with between retries of a broker or database call that failed:
// about first, 2×first, 4×first, … never more than a cap, reset after a
// success. Each wait is jittered (drawn in its upper half), so partition
// workers that fail together, because one broker went away, do not retry
// in lockstep and hit the broker at the same instant when it returns.
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
