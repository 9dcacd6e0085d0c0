package backoff

import (
	"context"
	"testing"
	"time"
)

func TestNextDoublesUpToTheCapAndResets(t *testing.T) {
	t.Parallel()
	b := New(100*time.Millisecond, time.Second)
	b.rand = func() float64 { return 0.999999999 } // the top of each step
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := b.Next().Round(time.Millisecond); got != w*time.Millisecond {
			t.Fatalf("Next() #%d = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	b.Reset()
	if got := b.Next().Round(time.Millisecond); got != 100*time.Millisecond {
		t.Fatalf("Next() after Reset = %v, want 100ms", got)
	}
}

// TestNextIsJitteredWithinTheUpperHalfOfTheStep: every wait lies in
// [step/2, step] and never over the cap, and two loops that fail together
// do not wait the same times (no lockstep between partition workers).
func TestNextIsJitteredWithinTheUpperHalfOfTheStep(t *testing.T) {
	t.Parallel()
	a, b := New(100*time.Millisecond, 5*time.Second), New(100*time.Millisecond, 5*time.Second)
	step := 100 * time.Millisecond
	same := 0
	for i := range 20 {
		wa, wb := a.Next(), b.Next()
		if wa < step/2 || wa > step {
			t.Fatalf("Next() #%d = %v, want within [%v, %v]", i+1, wa, step/2, step)
		}
		if wa == wb {
			same++
		}
		step = min(2*step, 5*time.Second)
	}
	if same > 2 {
		t.Fatalf("two backoffs drew the same wait %d times in 20: no jitter", same)
	}
}

func TestSleepEndsWithTheContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	start := time.Now()
	if Sleep(ctx, time.Minute) {
		t.Fatal("Sleep(cancelled ctx, 1m) = true, want false")
	}
	if d := time.Since(start); d > time.Second {
		t.Fatalf("Sleep on a cancelled ctx took %v", d)
	}
	if !Sleep(t.Context(), time.Millisecond) {
		t.Fatal("Sleep(ctx, 1ms) = false, want true")
	}
}
