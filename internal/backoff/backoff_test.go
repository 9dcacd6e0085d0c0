package backoff

import (
	"context"
	"testing"
	"time"
)

func TestNextDoublesUpToTheCapAndResets(t *testing.T) {
	t.Parallel()
	b := New(100*time.Millisecond, time.Second)
	want := []time.Duration{100, 200, 400, 800, 1000, 1000}
	for i, w := range want {
		if got := b.Next(); got != w*time.Millisecond {
			t.Fatalf("Next() #%d = %v, want %v", i+1, got, w*time.Millisecond)
		}
	}
	b.Reset()
	if got := b.Next(); got != 100*time.Millisecond {
		t.Fatalf("Next() after Reset = %v, want 100ms", got)
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
