package cutover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/identity"
	"github.com/oinkhq/oink/internal/copart"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Provenance headers, added to forwarded records only when
// SwitchConfig.ProvenanceHeaders asks for them (for debugging; off by
// default). Without them a live record is exactly its version's record:
// downstream cannot tell which version made it. The switch never reads
// them back: its progress lives in the state topic.
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

// DefaultMaxParked is the default SwitchConfig.MaxParked.
const DefaultMaxParked = 10000

// DefaultTransactionTimeout is the default SwitchConfig.TransactionTimeout.
const DefaultTransactionTimeout = 15 * time.Second

// DefaultTransactionalIDPrefix is the default SwitchConfig.TransactionalIDPrefix.
const DefaultTransactionalIDPrefix = "oink-switch"

// SwitchStore is what the switch needs of the diffstore: the route, and a
// place for its provenance (what it forwarded, per version, partition and
// minute). *diffstore.Store is one.
type SwitchStore interface {
	Route(ctx context.Context, run string) (diffstore.Route, error)
	SyncSwitch(ctx context.Context, s diffstore.SwitchSync) error
}

// SwitchConfig configures RunSwitch.
type SwitchConfig struct {
	Run       string
	Brokers   []string
	Control   string // v1's topic
	Candidate string // v2's topic
	Live      string // the live topic, which only the switch writes
	// StateTopic keeps the switch's progress per partition, written in the
	// same transaction as the live records it covers; default Live +
	// ".oink-switch". It is compacted and has the control topic's
	// partition count (one state per source partition).
	StateTopic string
	Group      string
	// Identity reads a record's identity and event time (required: the
	// comparator's rules' identity.Spec, whose identity is one record,
	// never a key that two events share).
	Identity *identity.Spec
	Store    SwitchStore
	// Dedupe is how many recent identities per partition are remembered to
	// drop a version's own duplicates, and how many records of the live
	// topic's tail are read back after a restart. Default DefaultDedupe.
	Dedupe int
	// StopWhenIdle, when positive, ends the run once both sources of every
	// partition are read to their end offsets, nothing is left to decide
	// but records parked past the route's horizon, and that has lasted
	// this long.
	StopWhenIdle   time.Duration
	SessionTimeout time.Duration
	// BatchSize is the most records a partition takes from its sources at
	// once; default DefaultSwitchBatch.
	BatchSize int
	// MaxParked bounds the records a partition keeps parked past the
	// route's horizon; past it the partition reads nothing more until some
	// are decided. Default DefaultMaxParked.
	MaxParked int
	// TransactionalIDPrefix names the transactional producers: source
	// partition p is forwarded by "<prefix>:<live>:<p>" (to live partition
	// p, or by key to any), so whichever instance owns p, a new owner
	// fences the old one. Default
	// DefaultTransactionalIDPrefix.
	TransactionalIDPrefix string
	// TransactionTimeout is how long the broker keeps a transaction of a
	// writer that went silent open (holding back read_committed readers of
	// that partition) before aborting it; a new owner aborts it at once.
	// Default DefaultTransactionTimeout.
	TransactionTimeout time.Duration
	// LivePartitioning says which live partition a record goes to:
	// PartitionAsSource (the default, also for "") or PartitionByKey.
	LivePartitioning LivePartitioning
	// ProvenanceHeaders adds the oink-source* headers to live records,
	// for debugging; off, downstream cannot tell v1's records from v2's.
	ProvenanceHeaders bool
	// Instance names this process in the provenance table; default
	// host-pid.
	Instance string
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

	// The partition counts of the sources and of the live topic, set by
	// RunSwitch once the topics exist.
	sources, livePartitions int
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
	case c.Identity == nil:
		return errors.New("rules: none; the switch needs the rules' identity to tell a duplicate from an order's next event (set --rules, or leave it empty for the RTCIM rules built into oink)")
	}
	lp, err := ParseLivePartitioning(string(c.LivePartitioning))
	if err != nil {
		return err
	}
	c.LivePartitioning = lp
	if c.StateTopic == "" {
		c.StateTopic = c.Live + ".oink-switch"
	}
	if c.StateTopic == c.Live || c.StateTopic == c.Control || c.StateTopic == c.Candidate {
		return fmt.Errorf("state topic %q must differ from the control, candidate and live topics (set --state-topic)", c.StateTopic)
	}
	if c.Dedupe <= 0 {
		c.Dedupe = DefaultDedupe
	}
	if c.BatchSize <= 0 {
		c.BatchSize = DefaultSwitchBatch
	}
	if c.MaxParked <= 0 {
		c.MaxParked = DefaultMaxParked
	}
	if c.TransactionalIDPrefix == "" {
		c.TransactionalIDPrefix = DefaultTransactionalIDPrefix
	}
	if c.TransactionTimeout <= 0 {
		c.TransactionTimeout = DefaultTransactionTimeout
	}
	if c.Instance == "" {
		host, _ := os.Hostname()
		c.Instance = host + "-" + strconv.Itoa(os.Getpid())
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

// SwitchReport is what one RunSwitch did: its counts per source version
// (those of this process only; the provenance table and `oink cutover
// status` hold every instance's), and how many records were left parked
// past the route's horizon when it stopped (they are decided after a
// restart, from the state topic).
type SwitchReport struct {
	Totals SwitchTotals `json:"totals"`
	Parked int          `json:"parked"`
}

// RunSwitch forwards records of the control (v1) and candidate (v2) topics
// to the live topic: a record of version s goes live iff the route in force
// at its source event time gives its key's bucket to s. Both versions'
// records of one event carry the same source time, so exactly one of them is
// forwarded whichever arrives first (invariant 4). A record goes live as
// its version wrote it — key, value, headers, timestamp — to the partition
// its version's topic put it in, or, with PartitionByKey, to the one
// Kafka's default partitioner picks for its key over the live topic's
// count.
//
// Each partition is written in Kafka transactions by a transactional
// producer of its own, which carry the live records and the partition's
// progress (the state topic) together: a switch that lost its partition (a
// pause past the session timeout) is fenced by the next owner, whose
// initialisation aborts whatever it left open, and resumes exactly at the
// last committed state. Downstream consumers must read the live topic with
// isolation level read_committed.
//
// A record whose source time lies past the horizon of the last route read
// is parked: it waits, with the later records of its own key from its own
// version, while every other record goes on. It runs until ctx ends or,
// with StopWhenIdle, until everything is forwarded; a permanent error (the
// live topic deleted, writes not authorised, a record too large for it)
// ends it with that error.
func RunSwitch(ctx context.Context, cfg SwitchConfig) (SwitchReport, error) {
	var rep SwitchReport
	if err := cfg.validate(); err != nil {
		return rep, err
	}
	var err error
	if cfg.sources, cfg.livePartitions, err = ensureSwitchTopics(ctx, cfg); err != nil {
		return rep, err
	}
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	idle := newIdleTracker(cfg.StopWhenIdle, stop, cfg.Log)
	go idle.loop(ctx)
	health := copart.NewHealth(cfg.Health)
	run := &switchRun{cfg: cfg, stop: stop, parked: map[int]int{}, routes: newRouteFeed(cfg.Store, cfg.Run)}
	routesDone := make(chan struct{})
	go func() {
		defer close(routesDone)
		run.routes.loop(ctx, func(wait time.Duration, err error) {
			cfg.Log.Warn("reading the route failed; parking records past its horizon until it answers", "backoff", wait, "err", err)
		})
	}()
	err = copart.Run(ctx, copart.Config{Brokers: cfg.Brokers, Group: cfg.Group,
		Topics: []string{cfg.Control, cfg.Candidate}, SessionTimeout: cfg.SessionTimeout, Log: cfg.Log, Health: health},
		func(ctx context.Context, p copart.Partition) error {
			sw := &switchWorker{cfg: cfg, p: p, idle: idle, health: health, shared: run}
			return sw.run(ctx)
		})
	stop()
	<-routesDone // no read of the store outlives the run
	rep = run.report()
	if err == nil {
		err = run.failure()
	}
	return rep, err
}

// switchRun is what the partition workers of one RunSwitch share: their
// counts, and the first permanent error, which ends the run.
type switchRun struct {
	cfg    SwitchConfig
	stop   context.CancelFunc
	routes *routeFeed // the route, read for every partition

	mu     sync.Mutex
	totals SwitchTotals
	parked map[int]int
	err    error
}

func (r *switchRun) add(p int, t SwitchTotals, parked int) {
	r.mu.Lock()
	r.totals.Add(t)
	r.parked[p] = parked
	r.mu.Unlock()
}

// fail records a permanent error and ends the run.
func (r *switchRun) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
	r.stop()
}

func (r *switchRun) failure() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *switchRun) report() SwitchReport {
	r.mu.Lock()
	defer r.mu.Unlock()
	rep := SwitchReport{Totals: r.totals}
	for _, n := range r.parked {
		rep.Parked += n
	}
	return rep
}

// ensureSwitchTopics creates the sources if missing, then the live and
// state topics with the control topic's partition count, and returns the
// sources' and the live topic's counts. The candidate and state topics
// must have the control topic's count (the switch joins the versions and
// keeps its state per source partition); so must the live topic when each
// record keeps the partition its version's topic gave it
// (PartitionAsSource): partition p of the live topic must exist for every
// source partition p. By key, the live topic may have any count.
func ensureSwitchTopics(ctx context.Context, cfg SwitchConfig) (sources, live int, err error) {
	if err := kafkaio.EnsureTopics(ctx, cfg.Brokers, cfg.Topics, cfg.Control, cfg.Candidate); err != nil {
		return 0, 0, err
	}
	src, err := kafkaio.Partitions(ctx, cfg.Brokers, cfg.Control)
	if err != nil {
		return 0, 0, err
	}
	spec := cfg.Topics
	spec.Partitions = len(src)
	if err := kafkaio.EnsureTopics(ctx, cfg.Brokers, spec, cfg.Live); err != nil {
		return 0, 0, err
	}
	state := spec
	state.Configs = maps.Clone(spec.Configs)
	if state.Configs == nil {
		state.Configs = map[string]string{}
	}
	state.Configs["cleanup.policy"] = "compact"
	if err := kafkaio.EnsureTopics(ctx, cfg.Brokers, state, cfg.StateTopic); err != nil {
		return 0, 0, err
	}
	for _, t := range []string{cfg.Candidate, cfg.Live, cfg.StateTopic} {
		ps, err := kafkaio.Partitions(ctx, cfg.Brokers, t)
		if err != nil {
			return 0, 0, err
		}
		if t == cfg.Live {
			live = len(ps)
			if cfg.LivePartitioning == PartitionByKey {
				continue
			}
		}
		if len(ps) != len(src) {
			return 0, 0, partitionsMismatch(cfg, t, len(ps), len(src))
		}
	}
	return len(src), live, nil
}

// partitionsMismatch is the error for topic t with n partitions where the
// control topic has src.
func partitionsMismatch(cfg SwitchConfig, t string, n, src int) error {
	fix := fmt.Sprintf("create %s with %d partitions (kafka-topics.sh --create --topic %s --partitions %d), "+
		"or point --live/--state-topic at new topics and oink creates them", t, src, t, src)
	if t == cfg.Live {
		fix += fmt.Sprintf(", or keep %s's %d partitions with --live-partitioning %s: each record then goes to the partition "+
			"murmur2 of its key picks among %d (per-key order holds; downstream sees partitions chosen by key, not the version's own)",
			t, n, PartitionByKey, n)
	}
	return fmt.Errorf("topic %s has %d partitions and the control topic %s has %d: every record keeps the partition "+
		"its version wrote it to, so the candidate, live and state topics need %d too; %s",
		t, n, cfg.Control, src, src, fix)
}

// version names a source: "v1" (control) or "v2" (candidate).
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

// liveRecord returns the live record of m, read from source s: the same
// key, value, headers (in order) and timestamp, on the partition
// cfg.LivePartitioning gives it, plus the provenance headers when asked
// for.
func liveRecord(cfg SwitchConfig, s int, m kafka.Message) *kgo.Record {
	r := kafkaio.Record(m, cfg.Live, int32(cfg.LivePartitioning.Partition(m.Key, m.Partition, cfg.livePartitions)))
	if cfg.ProvenanceHeaders {
		topic := cfg.Control
		if s == 1 {
			topic = cfg.Candidate
		}
		r.Headers = append(r.Headers,
			kgo.RecordHeader{Key: HeaderSource, Value: []byte(version(s))},
			kgo.RecordHeader{Key: HeaderSourceTopic, Value: []byte(topic)},
			kgo.RecordHeader{Key: HeaderSourcePartition, Value: []byte(strconv.Itoa(m.Partition))},
			kgo.RecordHeader{Key: HeaderSourceOffset, Value: []byte(strconv.FormatInt(m.Offset, 10))})
	}
	return r
}
