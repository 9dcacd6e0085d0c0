package kafkaio_test

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// load writes n records, keys 0 to n-1, to topic.
func load(t *testing.T, env *kafkatest.Env, topic string, n int) {
	t.Helper()
	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	msgs := make([]kafka.Message, n)
	for i := range msgs {
		msgs[i] = kafka.Message{Topic: topic, Key: []byte(strconv.Itoa(i)), Value: []byte("v" + strconv.Itoa(i))}
	}
	if err := kafkaio.WriteMessages(t.Context(), w, kafkaio.WritePolicy{}, msgs); err != nil {
		t.Fatal(err)
	}
}

// TestReadTopicReadsEveryRecordOnce: every record written, each once, and
// a range of one partition exactly.
func TestReadTopicReadsEveryRecordOnce(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	topic := env.Topic("all")
	load(t, env, topic, 500)
	seen := map[string]int{}
	byPartition := map[int]int64{}
	if err := kafkaio.ReadTopic(t.Context(), env.Brokers, topic, func(m kafka.Message) error {
		seen[string(m.Key)]++
		byPartition[m.Partition]++
		return nil
	}); err != nil {
		t.Fatalf("ReadTopic: %v", err)
	}
	for i := range 500 {
		if seen[strconv.Itoa(i)] != 1 {
			t.Fatalf("record %d read %d times, want once", i, seen[strconv.Itoa(i)])
		}
	}
	var got []int64
	if err := kafkaio.ReadRange(t.Context(), env.Brokers, topic, 0, 1, byPartition[0]-1, func(m kafka.Message) error {
		got = append(got, m.Offset)
		return nil
	}); err != nil {
		t.Fatalf("ReadRange: %v", err)
	}
	if int64(len(got)) != byPartition[0]-2 || (len(got) > 0 && (got[0] != 1 || got[len(got)-1] != byPartition[0]-2)) {
		t.Fatalf("ReadRange(0, [1, %d)) = offsets %v", byPartition[0]-1, got)
	}
}

// TestReadTopicFailsWhenFetchesHang: a broker that lists offsets but never
// answers a fetch makes ReadTopic return ErrFetchStuck, naming the
// partition and offset, before the caller's deadline, instead of hanging.
func TestReadTopicFailsWhenFetchesHang(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	topic := env.Topic("hang")
	load(t, env, topic, 50)
	if env.Real() {
		t.Skip("holds fetches in the embedded broker")
	}
	c := env.Embedded.Cluster()
	c.ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		return nil, nil, true // handled, never answered: the fetch hangs
	})
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Second)
	defer cancel()
	start := time.Now()
	err := kafkaio.ReadTopic(ctx, env.Brokers, topic, func(kafka.Message) error { return nil })
	if !errors.Is(err, kafkaio.ErrFetchStuck) || ctx.Err() != nil {
		t.Fatalf("ReadTopic with hung fetches = %v after %v (ctx %v), want ErrFetchStuck before the deadline", err, time.Since(start), ctx.Err())
	}
}

// TestReadTopicPassesOnTheCallersError: fn's error ends the read and comes
// back unchanged.
func TestReadTopicPassesOnTheCallersError(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	topic := env.Topic("stop")
	load(t, env, topic, 20)
	stop := errors.New("enough")
	n := 0
	err := kafkaio.ReadTopic(t.Context(), env.Brokers, topic, func(kafka.Message) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("ReadTopic with fn failing = %v after %d records, want %v after 1", err, n, stop)
	}
}
