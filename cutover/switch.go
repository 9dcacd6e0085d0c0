package cutover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/copart"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// Headers every forwarded record carries, naming where it came from. After
// a crash the switch reads them back from the live topic's tail to resume
// with no duplicate and no gap.
const (
	HeaderSource          = "oink-source" // "v1" or "v2"
	HeaderSourceTopic     = "oink-source-topic"
	HeaderSourcePartition = "oink-source-partition"
	HeaderSourceOffset    = "oink-source-offset"
)

// DefaultDedupe is the default dedupe window of the switch: the last 20,000
// identities forwarded per partition (~0.5 MB each; 6 MB for 12 partitions).
// A version's duplicates land close together: v1's dup fault writes both
// copies in one write (adjacent records); a batch redelivered after a crash,
// rebalance or failed commit lands at most one producer batch (--batch-size,
// default 5000, spread over the partitions) after the first copy; a write
// the kafka-go Writer retries, at most one writer batch (1,000 records per
// partition) after it. 20,000 is four default batches even if all of one
// went to a single partition. Raise it above a producer's --batch-size if
// that is larger. A count, not a time: both copies carry the same source
// timestamp and the switch sees no append time, so no clock could tell how
// far apart they were written. The window is also the live tail a restarted
// switch reads per partition to seed it.
const DefaultDedupe = 20000

// DefaultSwitchBatch is the switch's default SwitchConfig.BatchSize: the
// most records a partition takes at once. Every record taken is in memory
// several times over until written (the batch, the queue by side, the
// records to write, the writer's batch), for each of the partitions at
// once: at 1M events 1,000 instead of 5,000 took peak RSS from ~94 to
// ~83 MB for no more CPU, and each partition still writes up to one full
// writer batch (kafkaio.WriterBatchSize) per call.
const DefaultSwitchBatch = 1000

// DefaultSwitchBuffers is the switch's default SwitchConfig.Buffers: a
// queue of 16 records per source reader instead of the comparator's 64
// (24 readers for 12 partitions) took peak RSS at 1M events from ~83 to
// ~71 MB for no more CPU; 8 saved nothing more. The comparator keeps
// copart.DefaultBuffers (64; not measured with 16).
var DefaultSwitchBuffers = copart.Buffers{MaxBytes: 1 << 20, Queue: 16}

// RouteReader reads a run's routing history; *diffstore.Store is one.
type RouteReader interface {
	Route(ctx context.Context, run string) (diffstore.Route, error)
}

// SwitchConfig configures RunSwitch.
type SwitchConfig struct {
	Run       string
	Brokers   []string
	Control   string // v1's topic
	Candidate string // v2's topic
	Live      string // the live topic, which only the switch writes
	Group     string
	// Rules give a record's identity (its key fields), default the Kafka key.
	Rules *comparator.Rules
	Store RouteReader
	// Dedupe is how many recent identities per partition are remembered to
	// drop a version's own duplicates, and how many records of the live
	// topic's tail are read back after a restart. Default DefaultDedupe.
	Dedupe int
	// StopWhenIdle, when positive, ends the run once both sources of every
	// partition are caught up and nothing arrived for that long.
	StopWhenIdle   time.Duration
	SessionTimeout time.Duration
	// BatchSize is the most records a partition takes from its sources at
	// once and, with those waiting for the route's horizon, about the most
	// it holds; default DefaultSwitchBatch.
	BatchSize int
	// Buffers bound each source reader's read-ahead; default
	// DefaultSwitchBuffers.
	Buffers copart.Buffers
	Topics  kafkaio.TopicSpec
	Log     *slog.Logger
	Metrics *SwitchMetrics // nil records nothing
	// Health, when set, is false while the switch cannot do its work (a
	// partition's session failed, the route cannot be read, or the live
	// topic refuses writes) and true once it forwards again: /healthz
	// serves it. Every failure is retried with capped exponential backoff.
	Health *atomic.Bool
}

func (c *SwitchConfig) validate() error {
	switch {
	case c.Run == "":
		return errors.New("run: empty (set --run)")
	case len(c.Brokers) == 0:
		return errors.New("brokers: none given (set --brokers)")
	case c.Control == "" || c.Candidate == "" || c.Live == "":
		return errors.New("control, candidate and live topics are all needed (set --control, --candidate, --live)")
	case c.Live == c.Control || c.Live == c.Candidate || c.Control == c.Candidate:
		return fmt.Errorf("control %q, candidate %q and live %q must be three different topics", c.Control, c.Candidate, c.Live)
	case c.Group == "":
		return errors.New("group: empty (set --group)")
	case c.Store == nil:
		return errors.New("store: no diffstore to read the route from (set DATABASE_URL)")
	}
	if c.Rules == nil {
		c.Rules = comparator.DefaultRules()
	}
	if c.Dedupe <= 0 {
		c.Dedupe = DefaultDedupe
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultSwitchBatch
	}
	if c.Buffers.MaxBytes <= 0 {
		c.Buffers.MaxBytes = DefaultSwitchBuffers.MaxBytes
	}
	if c.Buffers.Queue <= 0 {
		c.Buffers.Queue = DefaultSwitchBuffers.Queue
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// RunSwitch forwards records of the control (v1) and candidate (v2) topics
// to the live topic: a record of version s goes live iff the route in force
// at its source event time gives its key's bucket to s. Both versions'
// records of one event carry the same source time, so exactly one of them is
// forwarded whichever arrives first (invariant 4). A record whose source time
// lies past the horizon of the last route read waits. It runs until ctx ends
// or, with StopWhenIdle, until everything is forwarded.
func RunSwitch(ctx context.Context, cfg SwitchConfig) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	if err := kafkaio.EnsureTopics(ctx, cfg.Brokers, cfg.Topics, cfg.Control, cfg.Candidate, cfg.Live); err != nil {
		return err
	}
	w := kafkaio.NewWriter(cfg.Brokers)
	defer w.Close()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	idle := newIdleTracker(cfg.StopWhenIdle, stop, cfg.Log)
	go idle.loop(ctx)
	health := copart.NewHealth(cfg.Health)
	return copart.Run(ctx, copart.Config{Brokers: cfg.Brokers, Group: cfg.Group,
		Topics: []string{cfg.Control, cfg.Candidate}, SessionTimeout: cfg.SessionTimeout, Log: cfg.Log, Health: health},
		func(ctx context.Context, p copart.Partition) error {
			sw := &switchWorker{cfg: cfg, p: p, w: w, idle: idle, health: health}
			return sw.run(ctx)
		})
}

// version names a source for the oink-source header.
func version(s int) string {
	if s == 0 {
		return "v1"
	}
	return "v2"
}

// Owner returns which version (0 = control/v1, 1 = candidate/v2) owns key
// at source time t under route: v2 owns the buckets below percent×100
// (counted in whole buckets, so no float rounding can move a key).
func Owner(route diffstore.Route, key []byte, t time.Time) int {
	if bucketOf(key) < route.BucketsAt(t) {
		return 1
	}
	return 0
}

// sourceNames are the oink-source and oink-source-topic header values of
// one partition's two sources, shared by every record forwarded from it
// (the writer only reads them).
type sourceNames [2]struct{ version, topic []byte }

func newSourceNames(topics []string) sourceNames {
	var n sourceNames
	for s := range n {
		n[s].version, n[s].topic = []byte(version(s)), []byte(topics[s])
	}
	return n
}

// forwarded returns the live record of m from source s.
func forwarded(cfg SwitchConfig, names *sourceNames, s int, m kafka.Message) kafka.Message {
	h := make([]kafka.Header, 0, len(m.Headers)+4)
	h = append(h, m.Headers...)
	h = append(h,
		kafka.Header{Key: HeaderSource, Value: names[s].version},
		kafka.Header{Key: HeaderSourceTopic, Value: names[s].topic},
		kafka.Header{Key: HeaderSourcePartition, Value: []byte(strconv.Itoa(m.Partition))},
		kafka.Header{Key: HeaderSourceOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))})
	return kafka.Message{Topic: cfg.Live, Key: m.Key, Value: m.Value, Time: m.Time, Headers: h}
}
