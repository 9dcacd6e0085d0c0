package copart

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/segmentio/kafka-go"
)

// TestSidesReadFromABrokerSlowToAnswer: a broker that answers each fetch
// 400 ms late (busy) is still read. kafka-go stops reading a fetch's answer
// at the reader's MaxWait; at the 200 ms it once was, every answer came too
// late, the reader reconnected and fetched again, and nothing was ever
// read.
func TestSidesReadFromABrokerSlowToAnswer(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	topic := env.Topic("slow") // created
	const n = 50
	var msgs []kafka.Message // keys murmur2 puts on partition 0, as oink's writer does
	for i := 0; len(msgs) < n; i++ {
		if key := []byte("k" + strconv.Itoa(i)); oink.KeyPartition(key, kafkatest.Partitions) == 0 {
			msgs = append(msgs, kafka.Message{Topic: topic, Key: key, Value: key})
		}
	}
	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
	env.SlowFetches(400 * time.Millisecond)
	s, err := OpenSides(env.Brokers, []string{topic}, 0, []int64{kafka.FirstOffset})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second) // liveness only
	defer cancel()
	got := 0
	for got < n {
		batch, err := s.Next(ctx, n, 5*time.Millisecond, time.Second, nil)
		if err == nil {
			err = ctx.Err()
		}
		if err != nil {
			t.Fatalf("read %d of %d records from a broker answering fetches 400 ms late: %v", got, n, err)
		}
		got += len(batch)
	}
}
