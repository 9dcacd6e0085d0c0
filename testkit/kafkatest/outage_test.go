package kafkatest

import (
	"context"
	"testing"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
)

// TestUnreachableRefusesEveryRequestUntilRestored: clients see the broker
// gone while it is unreachable, and it answers again once restored.
func TestUnreachableRefusesEveryRequestUntilRestored(t *testing.T) {
	t.Parallel()
	env := New(t)
	topic := env.Topic("t")
	restore := env.Unreachable()
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	if _, err := kafkaio.EndOffsets(ctx, env.Brokers, topic); err == nil {
		t.Fatal("EndOffsets answered while the broker was unreachable")
	}
	restore()
	ends, err := kafkaio.EndOffsets(t.Context(), env.Brokers, topic)
	if err != nil || len(ends) != Partitions {
		t.Fatalf("EndOffsets after restore = %v, %v; want %d partitions", ends, err, Partitions)
	}
}
