package kafkatest

import (
	"context"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// TestRoundTrip proves kafka-go works against the broker: murmur2
// partitioning, headers and timestamps survive, and a consumer group reads
// and commits.
func TestRoundTrip(t *testing.T) {
	env := New(t)
	topic := env.Topic("roundtrip")
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	defer cancel()
	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	ts := time.Date(2026, 6, 1, 12, 0, 0, 123e6, time.UTC)
	var msgs []kafka.Message
	for _, k := range []string{"a", "b", "c", "d", "e", "f", "g", "h"} {
		msgs = append(msgs, kafka.Message{Topic: topic, Key: []byte(k), Value: []byte("v-" + k), Time: ts,
			Headers: []kafka.Header{{Key: "h", Value: []byte(k)}}})
	}
	if err := w.WriteMessages(ctx, msgs...); err != nil {
		t.Fatal(err)
	}
	got := env.ReadAll(topic)
	if len(got) != len(msgs) {
		t.Fatalf("read %d records, want %d", len(got), len(msgs))
	}
	// The partition must be the Java client's: oink.KeyPartition is checked
	// against Kafka's own murmur2 test vectors.
	want := map[string]int{}
	for _, m := range msgs {
		want[string(m.Key)] = oink.KeyPartition(m.Key, Partitions)
	}
	for _, m := range got {
		if m.Partition != want[string(m.Key)] || !m.Time.Equal(ts) || kafkaio.Header(m, "h") != string(m.Key) {
			t.Errorf("record %s: partition %d (want %d), time %v (want %v), header %q", m.Key, m.Partition, want[string(m.Key)], m.Time, ts, kafkaio.Header(m, "h"))
		}
	}
	r := kafkaio.NewGroupReader(kafkaio.ReaderConfig{Brokers: env.Brokers, Group: env.Group("g"), Topics: []string{topic}, SessionTimeout: 6 * time.Second})
	defer r.Close()
	var read int
	for read < len(msgs) {
		batch, err := kafkaio.NextBatch(ctx, r, 100, 5*time.Millisecond, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		read += len(batch)
		if err := r.CommitMessages(ctx, kafkaio.LastPerPartition(batch)...); err != nil {
			t.Fatal(err)
		}
	}
	lag, err := kafkaio.GroupLag(ctx, env.Brokers, env.Group("g"), topic)
	if err != nil || kafkaio.Sum(lag) != 0 {
		t.Fatalf("GroupLag = %v, %v; want 0 after committing everything", lag, err)
	}
}

// TestTopicsKeepOldRecords: a record whose timestamp is years old survives
// the broker's retention in a test topic. On a real cluster retention runs
// every 5 minutes and would empty the topic mid-test; on kfake it is forced
// here with ApplyRetention, which deletes the record without the topic's
// retention.ms=-1 (kfake's default is 7 days, like Kafka's).
func TestTopicsKeepOldRecords(t *testing.T) {
	env := New(t)
	topic := env.Topic("old")
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	// A real cluster's brokers learn a new topic's configs a moment after
	// CreateTopics returns: poll until one answers with a value.
	var retention string
	WaitFor(t, 10*time.Second, "retention.ms of "+topic, func() bool {
		resp, err := kafkaio.Client(env.Brokers).DescribeConfigs(ctx, &kafka.DescribeConfigsRequest{
			Resources: []kafka.DescribeConfigRequestResource{{ResourceType: kafka.ResourceTypeTopic, ResourceName: topic,
				ConfigNames: []string{"retention.ms"}}}})
		if err != nil {
			return false
		}
		for _, r := range resp.Resources {
			for _, e := range r.ConfigEntries {
				if e.ConfigName == "retention.ms" {
					retention = e.ConfigValue
				}
			}
		}
		return retention != ""
	})
	if retention != "-1" {
		t.Errorf("retention.ms of %s = %q, want -1", topic, retention)
	}
	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	if err := w.WriteMessages(ctx, kafka.Message{Topic: topic, Key: []byte("k"), Value: []byte("v"), Time: old}); err != nil {
		t.Fatal(err)
	}
	if !env.Real() {
		env.Embedded.Cluster().ApplyRetention()
	}
	if got := env.ReadAll(topic); len(got) != 1 || !got[0].Time.Equal(old) {
		t.Fatalf("read %d records back (%v), want the one written at %v", len(got), got, old)
	}
}
