package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// The live topic is written in Kafka transactions (cutover's switch), so
// reading it takes a client that understands them: kafka-go has no
// isolation level that filters aborted records and hands control markers to
// the caller, so a kafka-go reader would show a fenced switch's aborted
// writes as records, and a read up to the high watermark waits forever for
// a commit marker that never comes as a message. These readers use
// franz-go with read_committed, as every downstream consumer of the live
// topic must (README: "Reading the live topic").

// NewKgo returns a franz-go client for brokers with opts. The caller closes
// it.
func NewKgo(brokers []string, opts ...kgo.Opt) (*kgo.Client, error) {
	base := []kgo.Opt{kgo.SeedBrokers(brokers...), kgo.DialTimeout(5 * time.Second),
		kgo.RequestTimeoutOverhead(5 * time.Second)}
	cl, err := kgo.NewClient(append(base, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("kafka client for %v: %w", brokers, err)
	}
	return cl, nil
}

// Bounds is a partition's log start and last stable offset: the records a
// read_committed consumer can see now lie in [Start, End).
type Bounds struct{ Start, End int64 }

// CommittedBounds returns, per partition of topic, the log start and the
// last stable offset (the end of what is committed; the high watermark when
// no transaction is open).
func CommittedBounds(ctx context.Context, brokers []string, topic string) (map[int]Bounds, error) {
	cl, err := NewKgo(brokers)
	if err != nil {
		return nil, err
	}
	defer cl.Close()
	return committedBounds(ctx, kadm.NewClient(cl), topic)
}

// committedBounds retries what a cluster says while its metadata settles:
// right after a topic is created, or while a leader moves, a broker may
// answer UNKNOWN_TOPIC_OR_PARTITION or NOT_LEADER for a few hundred
// milliseconds (seen on Apache Kafka 4.4, never on the embedded broker).
func committedBounds(ctx context.Context, adm *kadm.Client, topic string) (map[int]Bounds, error) {
	var err error
	for attempt := range 20 {
		var b map[int]Bounds
		if b, err = committedBoundsOnce(ctx, adm, topic); err == nil {
			return b, nil
		}
		if !kerr.IsRetriable(err) && !errors.Is(err, kerr.UnknownTopicOrPartition) {
			return nil, err
		}
		select {
		case <-ctx.Done():
			return nil, err
		case <-time.After(time.Duration(attempt+1) * 50 * time.Millisecond):
		}
	}
	return nil, err
}

func committedBoundsOnce(ctx context.Context, adm *kadm.Client, topic string) (map[int]Bounds, error) {
	starts, err := adm.ListStartOffsets(ctx, topic)
	if err == nil {
		err = starts.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("listing the start offsets of %s: %w", topic, err)
	}
	ends, err := adm.ListCommittedOffsets(ctx, topic)
	if err == nil {
		err = ends.Error()
	}
	if err != nil {
		return nil, fmt.Errorf("listing the committed end offsets of %s: %w", topic, err)
	}
	if len(ends[topic]) == 0 {
		return nil, fmt.Errorf("topic %s does not exist", topic)
	}
	out := map[int]Bounds{}
	for p, e := range ends[topic] {
		out[int(p)] = Bounds{Start: starts[topic][p].Offset, End: e.Offset}
	}
	return out, nil
}

// ReadCommitted calls fn with every committed record of topic below the
// last stable offset each partition has when it starts, partition by
// partition, each in offset order. Aborted records (a fenced writer's) are
// never shown. It is for checks and listings, not for services, and it
// returns the error of the read or of ctx: give ctx a deadline, and a
// topic that cannot be read to its end is an error, never a short answer.
func ReadCommitted(ctx context.Context, brokers []string, topic string, fn func(kafka.Message) error) error {
	cl, err := NewKgo(brokers)
	if err != nil {
		return err
	}
	defer cl.Close()
	bounds, err := committedBounds(ctx, kadm.NewClient(cl), topic)
	if err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(bounds)) {
		b := bounds[p]
		err := ReadCommittedRange(ctx, brokers, topic, p, b.Start, b.End, func(r *kgo.Record) error { return fn(Message(r)) })
		if err != nil {
			return err
		}
	}
	return nil
}

// ReadCommittedRange calls fn with the committed records of topic/partition
// at offsets [from, to), in order; to must not exceed the partition's last
// stable offset (CommittedBounds), or the read waits for records that are
// not there until ctx ends. Control records (transaction markers) and
// aborted records are skipped.
func ReadCommittedRange(ctx context.Context, brokers []string, topic string, partition int, from, to int64, fn func(*kgo.Record) error) error {
	if from >= to {
		return nil
	}
	cl, err := NewKgo(brokers, kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.KeepControlRecords(),
		kgo.FetchMaxWait(200*time.Millisecond), kgo.FetchMaxBytes(16<<20), kgo.FetchMaxPartitionBytes(4<<20),
		kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{topic: {int32(partition): kgo.NewOffset().At(from)}}))
	if err != nil {
		return err
	}
	defer cl.Close()
	next := from
	for stuck := 0; ; {
		// Each poll has a deadline: a broker that lists offsets but never
		// answers a fetch makes the read fail with ErrFetchStuck, naming
		// the partition and offset, before the caller's deadline.
		pctx, cancel := context.WithTimeout(ctx, fetchTimeout(ctx))
		fs := cl.PollFetches(pctx)
		cancel()
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("reading %s/%d up to %d: %w", topic, partition, to, err)
		}
		var ferr error
		fs.EachError(func(t string, p int32, err error) {
			if ferr == nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
				ferr = fmt.Errorf("reading %s/%d: %w", t, p, err)
			}
		})
		if ferr != nil {
			return ferr
		}
		done, progressed := false, false
		var cbErr error
		fs.EachRecord(func(r *kgo.Record) {
			if done || cbErr != nil {
				return
			}
			progressed = true
			if r.Offset >= to {
				done = true
				return
			}
			if !r.Attrs.IsControl() {
				cbErr = fn(r)
			}
			next = r.Offset + 1
			if r.Offset >= to-1 {
				done = true
			}
		})
		if cbErr != nil {
			return cbErr
		}
		if done {
			return nil
		}
		if progressed {
			stuck = 0
			continue
		}
		if stuck++; stuck >= fetchAttempts {
			return fmt.Errorf("reading %s/%d: %w, %d times in a row, at offset %d of [%d, %d): is the broker overloaded or gone?",
				topic, partition, ErrFetchStuck, stuck, next, from, to)
		}
	}
}

// Message converts a franz-go record to the kafka-go message the rest of
// the project handles (the timestamp type is not carried over).
func Message(r *kgo.Record) kafka.Message {
	m := kafka.Message{Topic: r.Topic, Partition: int(r.Partition), Offset: r.Offset,
		Key: r.Key, Value: r.Value, Time: r.Timestamp}
	if len(r.Headers) > 0 {
		m.Headers = make([]kafka.Header, len(r.Headers))
		for i, h := range r.Headers {
			m.Headers[i] = kafka.Header{Key: h.Key, Value: h.Value}
		}
	}
	return m
}

// Record converts a kafka-go message to a franz-go record for topic and
// partition, keeping key, value, headers (in order) and timestamp.
func Record(m kafka.Message, topic string, partition int32) *kgo.Record {
	r := &kgo.Record{Topic: topic, Partition: partition, Key: m.Key, Value: m.Value, Timestamp: m.Time}
	if len(m.Headers) > 0 {
		r.Headers = make([]kgo.RecordHeader, len(m.Headers))
		for i, h := range m.Headers {
			r.Headers[i] = kgo.RecordHeader{Key: h.Key, Value: h.Value}
		}
	}
	return r
}
