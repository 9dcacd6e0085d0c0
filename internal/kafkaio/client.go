package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/oinkhq/oink/internal/backoff"
)

// Writer defaults. kafka-go's own (acks none, round-robin, 1 s linger) lose
// records and partition by the wrong rule; these are measured on this
// project's hardware (docs/kafka.md, BENCHMARKS.md). The batch size is
// 1000, not 5000: kafka-go reserves room for a whole batch in every
// partition, and RTCIM batches are capped near 1,300 records by the 900 KiB
// batch bytes anyway; 1000 took oink produce from 87 to 68 MB RSS at equal
// throughput.
const (
	WriterBatchSize    = 1000
	WriterBatchTimeout = 2 * time.Millisecond
	// WriterBatchBytes bounds one partition's batch. The broker's default
	// max.message.bytes (~1 MiB) applies to a whole uncompressed batch, so a
	// larger value gets every full batch refused with [10] Message Size Too
	// Large (measured: docs/kafka.md; a 16 MiB BatchBytes is wrong for this).
	WriterBatchBytes = 900 << 10
)

// NewWriter returns a writer to any topic (each message names its Topic) that
// waits for acknowledgement from all in-sync replicas and partitions by the
// Java client's murmur2 partitioner on the key, so a record lands on the same
// partition whoever writes it. WriteMessages is synchronous. The caller
// closes it.
func NewWriter(brokers []string) *kafka.Writer {
	return &kafka.Writer{
		Addr:         kafka.TCP(brokers...),
		Balancer:     &kafka.Murmur2Balancer{Consistent: true},
		RequiredAcks: kafka.RequireAll,
		BatchSize:    WriterBatchSize,
		BatchTimeout: WriterBatchTimeout,
		BatchBytes:   WriterBatchBytes,
		MaxAttempts:  5,
		// Topics are created up front with the right partition count
		// (EnsureTopics); auto-creation would pick the broker's default.
		AllowAutoTopicCreation: false,
	}
}

// ReaderConfig configures NewGroupReader.
type ReaderConfig struct {
	Brokers []string
	Group   string
	Topics  []string
	// SessionTimeout after which a dead member's partitions move, default
	// 6s (the smallest Apache Kafka accepts by default). The embedded broker
	// accepts down to 1s.
	SessionTimeout time.Duration
	// GroupBalancers, default range assignment.
	GroupBalancers []kafka.GroupBalancer
}

// ReaderMaxWait is the MaxWait of every kafka-go reader oink opens. kafka-go
// turns it into two deadlines: the broker may hold a fetch that finds no
// record for MaxWait less an allowance for the round trip (1 s once MaxWait
// reaches 1 s, a quarter of MaxWait below that), and the client gives up
// reading the answer after MaxWait. The allowance is all the time a busy
// broker has to queue, build and send an answer that has records, up to
// MaxBytes of them.
//
// It was 200 ms, which leaves 50 ms: a broker slower than that to answer
// is never read at all, since each timeout closes the connection and
// fetches again (TestSidesReadFromABrokerSlowToAnswer: the embedded broker
// answering 400 ms late, nothing read in 30 s). Under load (six
// zombie-switch tests at once on 2 cores, -race) fetch timeouts came by
// the dozen. 1.5 s leaves 1 s to answer and lets the broker hold an empty
// fetch 0.5 s, which is also the most Close waits for an idle reader. New
// records end a held fetch at once (MinBytes 1), so latency does not grow.
const ReaderMaxWait = 1500 * time.Millisecond

// NewGroupReader returns a consumer-group reader over the topics that starts
// at the earliest offset when the group has none, and commits only when the
// caller calls CommitMessages (no auto-commit). The caller closes it;
// Close blocks while a fetch is out (ReaderMaxWait at most).
func NewGroupReader(cfg ReaderConfig) *kafka.Reader {
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 6 * time.Second
	}
	rc := kafka.ReaderConfig{
		Brokers:               cfg.Brokers,
		GroupID:               cfg.Group,
		GroupTopics:           cfg.Topics,
		MinBytes:              1,
		MaxBytes:              16 << 20,
		MaxWait:               ReaderMaxWait,
		QueueCapacity:         1000,
		HeartbeatInterval:     500 * time.Millisecond,
		SessionTimeout:        cfg.SessionTimeout,
		RebalanceTimeout:      2 * cfg.SessionTimeout,
		JoinGroupBackoff:      300 * time.Millisecond,
		StartOffset:           kafka.FirstOffset,
		WatchPartitionChanges: true,
		GroupBalancers:        cfg.GroupBalancers,
		MaxAttempts:           10,
	}
	return kafka.NewReader(rc)
}

// Client returns an admin client for brokers.
func Client(brokers []string) *kafka.Client {
	return &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
}

// TopicSpec says how EnsureTopics creates missing topics.
type TopicSpec struct {
	Partitions        int // default 12
	ReplicationFactor int // default 1
	// Configs are topic configs set at creation (e.g. retention.ms); nil
	// keeps the broker's defaults.
	Configs map[string]string
}

// EnsureTopics creates the topics that do not exist yet. Existing topics are
// left as they are. When the cluster refuses (say, a replication factor
// larger than its broker count), the error names the topic and the flags that
// set these values.
func EnsureTopics(ctx context.Context, brokers []string, spec TopicSpec, topics ...string) error {
	if spec.Partitions <= 0 {
		spec.Partitions = 12
	}
	if spec.ReplicationFactor <= 0 {
		spec.ReplicationFactor = 1
	}
	var entries []kafka.ConfigEntry
	for _, k := range slices.Sorted(maps.Keys(spec.Configs)) {
		entries = append(entries, kafka.ConfigEntry{ConfigName: k, ConfigValue: spec.Configs[k]})
	}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: spec.Partitions,
			ReplicationFactor: spec.ReplicationFactor, ConfigEntries: entries})
	}
	resp, err := retry(ctx, func() (*kafka.CreateTopicsResponse, error) { return Client(brokers).CreateTopics(ctx, req) })
	if err != nil {
		return fmt.Errorf("creating topics %v on %v: %w (is a broker listening there? set --brokers)", topics, brokers, err)
	}
	for t, terr := range resp.Errors {
		if terr != nil && !errors.Is(terr, kafka.TopicAlreadyExists) {
			return fmt.Errorf("creating topic %s with %d partitions and replication factor %d: %w (fix --partitions or --replication-factor)",
				t, spec.Partitions, spec.ReplicationFactor, terr)
		}
	}
	return awaitTopics(ctx, brokers, topics)
}

// topicVisibleWithin bounds awaitTopics: a liveness bound only (a created
// topic shows in every broker's metadata within a second or two).
const topicVisibleWithin = 30 * time.Second

// awaitTopics returns once the metadata answers every topic without an
// error. On a cluster of several brokers a topic just created is unknown to
// a broker whose metadata cache has not caught up yet (seen on Apache Kafka
// with 3 brokers: the switch, reading its state topic's partitions right
// after creating it, got UNKNOWN_TOPIC_OR_PARTITION and exited); created
// means visible here.
func awaitTopics(ctx context.Context, brokers []string, topics []string) error {
	ctx, cancel := context.WithTimeout(ctx, topicVisibleWithin)
	defer cancel()
	for _, t := range topics {
		for {
			_, err := Partitions(ctx, brokers, t)
			if err == nil {
				break
			}
			if !backoff.Sleep(ctx, 100*time.Millisecond) {
				return fmt.Errorf("topic %s was created but its metadata did not show it within %v: %w", t, topicVisibleWithin, err)
			}
		}
	}
	return nil
}

// retry runs an admin request up to three times: after a broker restart the
// client's first request may fail on a pooled connection (docs/kafka.md).
func retry[T any](ctx context.Context, f func() (T, error)) (T, error) {
	var (
		v   T
		err error
	)
	for attempt := range 3 {
		if v, err = f(); err == nil {
			return v, nil
		}
		slog.Debug("kafka admin request failed, retrying", "attempt", attempt+1, "err", err)
		select {
		case <-ctx.Done():
			return v, err
		case <-time.After(time.Duration(attempt+1) * 200 * time.Millisecond):
		}
	}
	return v, err
}

// unknownTopic reports whether a DescribeConfigs answer says its topic is
// unknown to the broker that answered.
func unknownTopic(resp *kafka.DescribeConfigsResponse) bool {
	for _, res := range resp.Resources {
		if errors.Is(res.Error, kafka.UnknownTopicOrPartition) {
			return true
		}
	}
	return false
}

// Partitions returns the partition ids of topic.
func Partitions(ctx context.Context, brokers []string, topic string) ([]int, error) {
	md, err := retry(ctx, func() (*kafka.MetadataResponse, error) {
		return Client(brokers).Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	})
	if err != nil {
		return nil, fmt.Errorf("reading metadata of %s: %w", topic, err)
	}
	for _, t := range md.Topics {
		if t.Name == topic {
			if t.Error != nil {
				return nil, fmt.Errorf("topic %s: %w", topic, t.Error)
			}
			ids := make([]int, len(t.Partitions))
			for i, p := range t.Partitions {
				ids[i] = p.ID
			}
			return ids, nil
		}
	}
	return nil, fmt.Errorf("topic %s does not exist", topic)
}

// EndOffsets returns the high watermark of each partition of topic.
func EndOffsets(ctx context.Context, brokers []string, topic string) (map[int]int64, error) {
	return listOffsets(ctx, brokers, topic, kafka.LastOffsetOf)
}

// listOffsets returns one offset per partition of topic, as req asks for it
// (kafka.LastOffsetOf: the high watermark; kafka.FirstOffsetOf: the log start).
func listOffsets(ctx context.Context, brokers []string, topic string, req func(partition int) kafka.OffsetRequest) (map[int]int64, error) {
	parts, err := Partitions(ctx, brokers, topic)
	if err != nil {
		return nil, err
	}
	lreq := &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{}}
	for _, p := range parts {
		lreq.Topics[topic] = append(lreq.Topics[topic], req(p))
	}
	resp, err := retry(ctx, func() (*kafka.ListOffsetsResponse, error) { return Client(brokers).ListOffsets(ctx, lreq) })
	if err != nil {
		return nil, fmt.Errorf("listing offsets of %s: %w", topic, err)
	}
	out := make(map[int]int64, len(parts))
	for _, po := range resp.Topics[topic] {
		if po.Error != nil {
			return nil, fmt.Errorf("listing offsets of %s/%d: %w", topic, po.Partition, po.Error)
		}
		// kafka-go files the answer under FirstOffset or LastOffset by the
		// timestamp the broker echoes (Kafka echoes -1, "latest", for both
		// queries); the other field stays -1 or 0, so the larger is it.
		out[po.Partition] = max(po.FirstOffset, po.LastOffset)
	}
	return out, nil
}

// GroupLag returns, per partition of topic, how many records the group has
// not committed yet (end offset minus committed offset; a partition with no
// commit counts from 0).
func GroupLag(ctx context.Context, brokers []string, group, topic string) (map[int]int64, error) {
	ends, err := EndOffsets(ctx, brokers, topic)
	if err != nil {
		return nil, err
	}
	committed, err := committedOffsets(ctx, brokers, group, topic, ends)
	if err != nil {
		return nil, err
	}
	lag := make(map[int]int64, len(ends))
	for p, end := range ends {
		lag[p] = end - committed[p]
	}
	return lag, nil
}

// CommittedOffsets returns, per partition of topic, the offset the group
// has committed (the next record it will read), 0 where it has none.
func CommittedOffsets(ctx context.Context, brokers []string, group, topic string) (map[int]int64, error) {
	parts, err := Partitions(ctx, brokers, topic)
	if err != nil {
		return nil, err
	}
	of := make(map[int]int64, len(parts))
	for _, p := range parts {
		of[p] = 0
	}
	return committedOffsets(ctx, brokers, group, topic, of)
}

// committedOffsets returns the group's committed offset of each partition
// that is a key of parts (0 where there is none).
func committedOffsets(ctx context.Context, brokers []string, group, topic string, parts map[int]int64) (map[int]int64, error) {
	req := &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{}}
	for p := range parts {
		req.Topics[topic] = append(req.Topics[topic], p)
	}
	resp, err := retry(ctx, func() (*kafka.OffsetFetchResponse, error) { return Client(brokers).OffsetFetch(ctx, req) })
	if err != nil {
		return nil, fmt.Errorf("fetching offsets of group %s: %w", group, err)
	}
	if resp.Error != nil {
		return nil, fmt.Errorf("fetching offsets of group %s: %w", group, resp.Error)
	}
	out := make(map[int]int64, len(parts))
	for p := range parts {
		out[p] = 0
	}
	for _, op := range resp.Topics[topic] {
		if op.CommittedOffset > 0 {
			out[op.Partition] = op.CommittedOffset
		}
	}
	return out, nil
}

// Sum adds up the values of a per-partition map.
func Sum(m map[int]int64) int64 {
	var s int64
	for _, v := range m {
		s += v
	}
	return s
}

// ReadTopic calls fn with every committed record of topic that exists when
// it starts, partition by partition, each in offset order, as a
// read_committed consumer sees them (ReadCommitted). It is for checks and
// listings (tests, `oink dlq list`, the demo's verification), not for
// services: it uses no consumer group and commits nothing. Give ctx a
// deadline; a topic that cannot be read to its end returns an error.
func ReadTopic(ctx context.Context, brokers []string, topic string, fn func(kafka.Message) error) error {
	return ReadCommitted(ctx, brokers, topic, fn)
}

// ReadTopicFrom calls fn with the records of topic from from[p] (or its
// log start, if later) of each partition p to the end offset it listed
// first; a partition not in from starts at its log start. It is how a
// reader resumes at a position it printed (`oink dlq replay`). It reads
// with kafka-go, without transactions: for topics oink's own producers
// write, never the live topic (ReadTopic). Each fetch has a deadline
// (FetchTimeout, tried fetchAttempts times), and a read that cannot finish
// returns an error naming the partition and offset.
func ReadTopicFrom(ctx context.Context, brokers []string, topic string, from map[int]int64, fn func(kafka.Message) error) error {
	ends, err := EndOffsets(ctx, brokers, topic)
	if err != nil {
		return err
	}
	// A partition whose records retention (or DeleteRecords) removed has a
	// log start equal to its end: reading it would wait for a record that
	// never comes.
	starts, err := listOffsets(ctx, brokers, topic, kafka.FirstOffsetOf)
	if err != nil {
		return err
	}
	for _, p := range slices.Sorted(maps.Keys(ends)) {
		start := max(starts[p], from[p])
		if ends[p] <= start {
			continue
		}
		if err := readSpan(ctx, brokers, topic, p, start, ends[p], 16<<20, fn); err != nil {
			return err
		}
	}
	return nil
}

// Deadlines of ReadTopic and ReadRange. A fetch of a record known to
// exist (below the end offset listed first) answers within milliseconds
// on an idle machine and within seconds on a loaded one; one that takes
// FetchTimeout is stuck (kafka-go's FetchMessage was seen waiting 15
// minutes on a busy machine), so the reader is made anew at the same
// offset, and after fetchAttempts stuck fetches in a row the read fails
// with ErrFetchStuck. When ctx has a deadline, each fetch gets at most a
// fetchAttempts-th of the time left, so the read fails with ErrFetchStuck
// (naming the partition and offset) before ctx ends.
const (
	FetchTimeout  = 20 * time.Second
	fetchAttempts = 3
)

// ErrFetchStuck is returned (wrapped, with topic, partition and offset)
// by ReadTopic and ReadRange when fetches of records known to exist got
// no answer within their deadline, fetchAttempts times in a row.
var ErrFetchStuck = errors.New("no record within the fetch deadline")

// fetchTimeout is the deadline of the next fetch under ctx.
func fetchTimeout(ctx context.Context) time.Duration {
	d := FetchTimeout
	if dl, ok := ctx.Deadline(); ok {
		d = min(d, max(time.Until(dl)/fetchAttempts, 50*time.Millisecond))
	}
	return d
}

// readSpan calls fn with the records of topic/p at offsets [from, to),
// fetching at most maxBytes at a time.
func readSpan(ctx context.Context, brokers []string, topic string, p int, from, to int64, maxBytes int, fn func(kafka.Message) error) error {
	next := from
	for stuck := 0; next < to; {
		reached, err := readSpanOnce(ctx, brokers, topic, p, next, to, maxBytes, fn)
		if reached > next {
			stuck = 0
		}
		next = reached
		switch {
		case err == nil:
			return nil
		case !errors.Is(err, ErrFetchStuck):
			return err
		}
		if stuck++; stuck >= fetchAttempts {
			return fmt.Errorf("reading %s/%d: %w, %d times in a row, at offset %d of [%d, %d): is the broker overloaded or gone?",
				topic, p, err, stuck, next, from, to)
		}
	}
	return nil
}

// readSpanOnce reads [from, to) with one reader and returns the offset it
// reached: to when done, else the next offset to read.
func readSpanOnce(ctx context.Context, brokers []string, topic string, p int, from, to int64, maxBytes int, fn func(kafka.Message) error) (int64, error) {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p,
		MinBytes: 1, MaxBytes: maxBytes, MaxWait: ReaderMaxWait})
	defer r.Close()
	if err := r.SetOffset(from); err != nil {
		return from, fmt.Errorf("seeking %s/%d to %d: %w", topic, p, from, err)
	}
	next := from
	for next < to {
		fctx, cancel := context.WithTimeout(ctx, fetchTimeout(ctx))
		m, err := r.FetchMessage(fctx)
		cancel()
		switch {
		case err == nil:
		case ctx.Err() != nil:
			return next, fmt.Errorf("reading %s/%d at %d of [%d, %d): %w", topic, p, next, from, to, ctx.Err())
		case errors.Is(err, context.DeadlineExceeded):
			if r.Offset() >= to {
				return to, nil // only records a fetch skips (transaction markers) were left
			}
			return next, ErrFetchStuck
		default:
			return next, fmt.Errorf("reading %s/%d at %d: %w", topic, p, next, err)
		}
		if m.Offset >= to {
			return to, nil
		}
		if err := fn(m); err != nil {
			return next, err
		}
		next = m.Offset + 1
	}
	return next, nil
}

// GroupMembers returns how many members the consumer group has now.
func GroupMembers(ctx context.Context, brokers []string, group string) (int, error) {
	resp, err := Client(brokers).DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{group}})
	if err != nil {
		return 0, err
	}
	for _, g := range resp.Groups {
		if g.GroupID == group {
			if g.Error != nil {
				return 0, g.Error
			}
			return len(g.Members), nil
		}
	}
	return 0, nil
}

// ReadRange calls fn with the records of topic/partition at offsets
// [from, to), in order. It is how a restarted comparator or switch re-reads
// records it checkpointed by position. Like ReadTopic, every fetch has a
// deadline and a read that cannot finish returns an error.
func ReadRange(ctx context.Context, brokers []string, topic string, partition int, from, to int64, fn func(kafka.Message) error) error {
	if from >= to {
		return nil
	}
	return readSpan(ctx, brokers, topic, partition, from, to, 4<<20, fn)
}

// PartitionBounds returns the log start and end offsets of one partition.
// It asks for each in its own request: kafka-go files a ListOffsets answer
// under FirstOffset or LastOffset by the timestamp the broker echoes, and
// Apache Kafka echoes -1 for both queries, so one request asking for both
// cannot tell them apart.
func PartitionBounds(ctx context.Context, brokers []string, topic string, partition int) (first, end int64, err error) {
	get := func(req kafka.OffsetRequest) (int64, error) {
		resp, err := retry(ctx, func() (*kafka.ListOffsetsResponse, error) {
			return Client(brokers).ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: {req}}})
		})
		if err != nil {
			return 0, fmt.Errorf("listing offsets of %s/%d: %w", topic, partition, err)
		}
		for _, po := range resp.Topics[topic] {
			if po.Partition == partition {
				if po.Error != nil {
					return 0, fmt.Errorf("listing offsets of %s/%d: %w", topic, partition, po.Error)
				}
				return max(po.FirstOffset, po.LastOffset), nil
			}
		}
		return 0, fmt.Errorf("no offsets for %s/%d", topic, partition)
	}
	if first, err = get(kafka.FirstOffsetOf(partition)); err != nil {
		return 0, 0, err
	}
	end, err = get(kafka.LastOffsetOf(partition))
	return first, end, err
}

// TopicConfig returns the value of the config name of topic, as the
// cluster reports it: the topic's own setting, else the broker's default.
//
// A broker may not know a topic created a moment ago, even once the
// metadata EnsureTopics waited for shows it (another broker answered
// that): on Apache Kafka 4.4 under load, DescribeConfigs answered
// UNKNOWN_TOPIC_OR_PARTITION for a topic a test had just created. That
// answer is asked again for up to topicVisibleWithin; a topic that really
// does not exist fails then with it.
func TopicConfig(ctx context.Context, brokers []string, topic, name string) (string, error) {
	req := &kafka.DescribeConfigsRequest{Resources: []kafka.DescribeConfigRequestResource{{
		ResourceType: kafka.ResourceTypeTopic, ResourceName: topic, ConfigNames: []string{name}}}}
	deadline := time.Now().Add(topicVisibleWithin)
	var resp *kafka.DescribeConfigsResponse
	for {
		var err error
		resp, err = retry(ctx, func() (*kafka.DescribeConfigsResponse, error) { return Client(brokers).DescribeConfigs(ctx, req) })
		if err != nil {
			return "", fmt.Errorf("describing config %s of topic %s: %w", name, topic, err)
		}
		if !unknownTopic(resp) || time.Now().After(deadline) || !backoff.Sleep(ctx, 100*time.Millisecond) {
			break
		}
	}
	for _, res := range resp.Resources {
		if res.Error != nil {
			return "", fmt.Errorf("describing config %s of topic %s: %w", name, topic, res.Error)
		}
		for _, e := range res.ConfigEntries {
			if e.ConfigName == name {
				return e.ConfigValue, nil
			}
		}
	}
	return "", fmt.Errorf("describing config %s of topic %s: the cluster did not report it", name, topic)
}
