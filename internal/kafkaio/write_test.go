package kafkaio_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	tests := []struct {
		name string
		err  error
		want kafkaio.Class
	}{
		{"a broker that closed the connection is temporary", io.ErrUnexpectedEOF, kafkaio.Temporary},
		{"a refused connection (broker down) is temporary", refused, kafkaio.Temporary},
		{"a request timeout inside the write is temporary", context.DeadlineExceeded, kafkaio.Temporary},
		{"a leader moving (kafka-go) is temporary", kafka.NotLeaderForPartition, kafkaio.Temporary},
		{"too few in-sync replicas (franz-go) is temporary", kerr.NotEnoughReplicas, kafkaio.Temporary},
		{"an unknown topic (kafka-go) is missing", kafka.UnknownTopicOrPartition, kafkaio.Missing},
		{"an unknown topic (franz-go) is missing", kerr.UnknownTopicOrPartition, kafkaio.Missing},
		{"a record too large for the topic (kafka-go) is permanent", kafka.MessageSizeTooLarge, kafkaio.Permanent},
		{"a record too large for the writer's batch is permanent", kafka.MessageTooLargeError{}, kafkaio.Permanent},
		{"a record too large (franz-go) is permanent", kerr.MessageTooLarge, kafkaio.Permanent},
		{"an invalid record is permanent", kerr.InvalidRecord, kafkaio.Permanent},
		{"a timestamp out of the topic's range is permanent", kafka.InvalidTimestamp, kafkaio.Permanent},
		{"not authorized for the topic is permanent", kafka.TopicAuthorizationFailed, kafkaio.Permanent},
		{"a failed SASL login is permanent", kerr.SaslAuthenticationFailed, kafkaio.Permanent},
		{"a fenced transactional producer is permanent", kerr.ProducerFenced, kafkaio.Permanent},
		{"an abortable transaction is temporary (resent whole)", kerr.TransactionAbortable, kafkaio.Temporary},
		{"a closed kafka-go writer is permanent", io.ErrClosedPipe, kafkaio.Permanent},
		{"a closed franz-go client is permanent", kgo.ErrClientClosed, kafkaio.Permanent},
		{"franz-go's record timeout alone is temporary", kgo.ErrRecordTimeout, kafkaio.Temporary},
		{"franz-go's record timeout is as bad as the error it wraps",
			fmt.Errorf("%w, last err: %w", kgo.ErrRecordTimeout, kerr.TopicAuthorizationFailed), kafkaio.Permanent},
		{"franz-go's retries exhausted on an unknown topic is missing",
			fmt.Errorf("%w: %w", kgo.ErrRecordRetries, kerr.UnknownTopicOrPartition), kafkaio.Missing},
		{"a wrapped code is found", fmt.Errorf("producing: %w", kafka.TopicAuthorizationFailed), kafkaio.Permanent},
		{"a batch is as bad as its worst record",
			kafka.WriteErrors{nil, kafka.NotLeaderForPartition, kafka.MessageSizeTooLarge}, kafkaio.Permanent},
		{"a batch of temporary failures is temporary", kafka.WriteErrors{kafka.RequestTimedOut, nil}, kafkaio.Temporary},
		{"an error nobody knows is temporary (retried, never silently)", errors.New("something odd"), kafkaio.Temporary},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := kafkaio.Classify(tc.err); got != tc.want {
				t.Fatalf("Classify(%v) = %v, want %v", tc.err, got, tc.want)
			}
		})
	}
}

// retries counts Write's retries and records their classes.
type retries struct{ n atomic.Int64 }

func (r *retries) policy(topic string) kafkaio.WritePolicy {
	return kafkaio.WritePolicy{Topic: topic, First: 10 * time.Millisecond, Cap: 100 * time.Millisecond,
		MissingFor: time.Second, OnRetry: func(error, kafkaio.Class, time.Duration) { r.n.Add(1) }}
}

func msg(topic, key string, size int) kafka.Message {
	return kafka.Message{Topic: topic, Key: []byte(key), Value: bytes.Repeat([]byte("x"), size)}
}

// TestWriteGivesUpOnADeletedTopic: a topic deleted under a writer is
// retried as missing for MissingFor, then reported permanent with its name.
func TestWriteGivesUpOnADeletedTopic(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	topic := env.Topic("gone")
	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	var r retries
	if err := kafkaio.WriteMessages(t.Context(), w, r.policy(""), []kafka.Message{msg(topic, "k", 10)}); err != nil {
		t.Fatalf("first write: %v", err)
	}
	resp, err := kafkaio.Client(env.Brokers).DeleteTopics(t.Context(), &kafka.DeleteTopicsRequest{Topics: []string{topic}})
	if err != nil || resp.Errors[topic] != nil {
		t.Fatalf("deleting %s: %v %v", topic, err, resp)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	err = kafkaio.WriteMessages(ctx, w, r.policy(""), []kafka.Message{msg(topic, "k", 10)})
	var pe *kafkaio.PermanentWriteError
	if !errors.As(err, &pe) || pe.Topic != topic || kafkaio.Classify(pe.Err) != kafkaio.Missing {
		t.Fatalf("WriteMessages to a deleted topic = %v, want a PermanentWriteError naming %s with an unknown-topic cause", err, topic)
	}
	if r.n.Load() == 0 {
		t.Fatal("no retry before giving up: an unknown topic must be retried for MissingFor first")
	}
}

// TestWriteRefusesARecordTooLargeForTheTopic: a record over the topic's
// max.message.bytes is refused at once, naming the topic.
func TestWriteRefusesARecordTooLargeForTheTopic(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	small := env.Topic("small")
	if env.Real() {
		t.Skip("sets a topic config through the embedded broker's admin")
	}
	if _, err := kafkaio.Client(env.Brokers).AlterConfigs(t.Context(), &kafka.AlterConfigsRequest{Resources: []kafka.AlterConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: small,
		Configs: []kafka.AlterConfigRequestConfig{{Name: "max.message.bytes", Value: "2048"}}}}}); err != nil {
		t.Fatalf("setting max.message.bytes: %v", err)
	}
	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	var r retries
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	err := kafkaio.WriteMessages(ctx, w, r.policy("ignored"), []kafka.Message{msg(small, "a", 10), msg(small, "b", 8<<10)})
	wantPermanentAtOnce(t, &r, err, small, kafka.MessageSizeTooLarge, "WriteMessages of an 8 KiB record to a 2 KiB topic")
}

// wantPermanentAtOnce fails t unless err (of the write named what) is a
// PermanentWriteError naming topic and wrapping cause, given up on without
// a single retry counted in r.
func wantPermanentAtOnce(t *testing.T, r *retries, err error, topic string, cause error, what string) {
	t.Helper()
	var pe *kafkaio.PermanentWriteError
	if !errors.As(err, &pe) || pe.Topic != topic || !errors.Is(err, cause) {
		t.Fatalf("%s = %v, want a PermanentWriteError naming %s with %v", what, err, topic, cause)
	}
	if r.n.Load() != 0 {
		t.Fatalf("%s: %d retries of a write that can never succeed, want 0", what, r.n.Load())
	}
}

// TestWriteRetriesThroughABrokerOutage: while the broker is unreachable
// the write is retried (temporary), and it succeeds once the broker is
// back, with every record on the topic.
func TestWriteRetriesThroughABrokerOutage(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	topic := env.Topic("outage")
	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	restore := env.Unreachable()
	var r retries
	msgs := []kafka.Message{msg(topic, "a", 10), msg(topic, "b", 10), msg(topic, "c", 10)}
	writeThroughRepair(t, &r, 2, "the broker coming back",
		func() error { return kafkaio.WriteMessages(t.Context(), w, r.policy(""), msgs) }, restore)
	if got := len(env.ReadAll(topic)); got < len(msgs) {
		t.Fatalf("%d records on %s, want at least %d", got, topic, len(msgs))
	}
}

// TestWriteStopsWhenNotAuthorized: a broker answering every produce with
// TOPIC_AUTHORIZATION_FAILED gets one attempt, and the error names the
// topic and the cause; for kafka-go's writer and franz-go's client alike.
func TestWriteStopsWhenNotAuthorized(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	topic := env.Topic("denied")
	env.RefuseProduce(kerr.TopicAuthorizationFailed.Code)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()

	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	var r retries
	err := kafkaio.WriteMessages(ctx, w, r.policy(""), []kafka.Message{msg(topic, "a", 10)})
	wantPermanentAtOnce(t, &r, err, topic, kafka.TopicAuthorizationFailed, "kafka-go: WriteMessages when not authorized")

	cl, err := kgo.NewClient(kgo.SeedBrokers(env.Brokers...), kgo.RecordRetries(2))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	err = kafkaio.Write(ctx, r.policy(topic), func(ctx context.Context) error {
		return cl.ProduceSync(ctx, &kgo.Record{Topic: topic, Value: []byte("v")}).FirstErr()
	})
	wantPermanentAtOnce(t, &r, err, topic, kerr.TopicAuthorizationFailed, "franz-go: Write when not authorized")
}

// TestWriteWaitsForATopicBeingCreated: a topic unknown at the first
// attempt (metadata lags its creation) is retried, not given up on, and
// the write succeeds once the topic exists.
func TestWriteWaitsForATopicBeingCreated(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	topic := env.Group("late") // a unique name, not created yet
	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	var r retries
	p := r.policy("")
	p.MissingFor = time.Minute
	writeThroughRepair(t, &r, 1, "the topic's creation",
		func() error { return kafkaio.WriteMessages(t.Context(), w, p, []kafka.Message{msg(topic, "a", 10)}) },
		func() {
			if err := kafkaio.EnsureTopics(t.Context(), env.Brokers, env.Spec, topic); err != nil {
				t.Fatal(err)
			}
		})
}

// writeThroughRepair starts write, waits for r to count at least n retries
// of it, calls repair (on the test's goroutine), and fails t unless write
// then returns nil within 60s of after (what repair did).
func writeThroughRepair(t *testing.T, r *retries, n int64, after string, write func() error, repair func()) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- write() }()
	kafkatest.WaitFor(t, 30*time.Second, fmt.Sprintf("%d retries before %s", n, after), func() bool { return r.n.Load() >= n })
	repair()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("write after %s = %v, want nil", after, err)
		}
	case <-time.After(60 * time.Second):
		t.Fatalf("write did not return within 60s of %s", after)
	}
}
