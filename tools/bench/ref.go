package bench

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/producer"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// RefMode is what a reference pipe does to each record.
type RefMode string

// The reference pipes' modes.
const (
	// RefModeRaw copies each record's key, value, headers and timestamp
	// unchanged.
	RefModeRaw RefMode = "raw"
	// RefModeTransform runs producer.Decode, producer.Transform and
	// producer.Record (JSON encoding) per record, and writes rejected
	// records to the DLQ as oink does (deadletter.Record).
	RefModeTransform RefMode = "transform"
	// RefModeCompare reads v1 and v2 (From[0], From[1]), joins them by
	// identity in memory per partition, runs comparator.Compare on each
	// pair under Rules, and commits each batch's counts, divergences and
	// checkpoints to Postgres (diffstore.CommitBatch per partition) before
	// committing its offsets: the comparator's work without kafka-go and
	// copart.
	RefModeCompare RefMode = "compare"
	// RefModeSwitch reads v1 and v2 and forwards each record whose key's
	// bucket its version owns under Run's route (cutover.Owner), dropping a
	// version's duplicates, to To with the switch's headers: the switch's
	// work without kafka-go and copart.
	RefModeSwitch RefMode = "switch"
)

// AllRefModes returns every mode.
func AllRefModes() []RefMode {
	return []RefMode{RefModeRaw, RefModeTransform, RefModeCompare, RefModeSwitch}
}

// refConnector is the connector name in the reference pipe's dead letters.
const refConnector = "oink-bench-ref"

// RefConfig configures RunRef.
type RefConfig struct {
	Brokers []string
	// From are the input topics: one for RefModeTransform, v1's and v2's
	// (in that order) for RefModeCompare and RefModeSwitch, any for
	// RefModeRaw.
	From  []string
	To    string // output topic; not used by RefModeCompare
	DLQ   string // dead-letter topic; required by RefModeTransform
	Group string // consumer group
	Mode  RefMode
	// Events, when positive, ends the run once that many records are
	// committed. Zero runs until ctx ends.
	Events int64
	// BatchSize is the most records per write and commit. Default 5000.
	BatchSize int
	// Store, Rules and Run, for RefModeCompare (the run its results go to)
	// and RefModeSwitch (the run whose route it follows). Rules default to
	// comparator.DefaultRules().
	Store *diffstore.Store
	Rules *comparator.Rules
	Run   string
}

func (c *RefConfig) validate() error {
	var errs []error
	if len(c.Brokers) == 0 || len(c.From) == 0 || (c.To == "" && c.Mode != RefModeCompare) || c.Group == "" {
		errs = append(errs, fmt.Errorf("brokers %v, from %q, to %q, group %q: all are required", c.Brokers, c.From, c.To, c.Group))
	}
	switch c.Mode {
	case RefModeRaw:
	case RefModeTransform:
		if c.DLQ == "" || len(c.From) != 1 {
			errs = append(errs, fmt.Errorf("dlq %q, from %q: the transform pipe needs a DLQ and one input topic", c.DLQ, c.From))
		}
	case RefModeCompare, RefModeSwitch:
		if len(c.From) != 2 || c.From[0] == c.From[1] || c.Store == nil || c.Run == "" {
			errs = append(errs, fmt.Errorf("from %q, run %q: the %s pipe needs v1's and v2's topics, a run and a database", c.From, c.Run, c.Mode))
		}
	default:
		errs = append(errs, fmt.Errorf("mode %q: want one of raw, transform, compare, switch", c.Mode))
	}
	if c.Rules == nil {
		c.Rules = comparator.DefaultRules()
	}
	if c.BatchSize < 0 || c.Events < 0 {
		errs = append(errs, fmt.Errorf("batch size %d, events %d: want 0 or more", c.BatchSize, c.Events))
	}
	if c.BatchSize == 0 {
		c.BatchSize = 5000
	}
	return errors.Join(errs...)
}

// RefStats counts what a reference pipe did. The first four JSON names are
// those of producer.Stats, so Run reads both the same way.
type RefStats struct {
	EventsIn    int64 `json:"eventsIn"`
	RecordsOut  int64 `json:"recordsOut"`
	DeadLetters int64 `json:"deadLetters"`
	Batches     int64 `json:"batches"`
	// Pairs compared (RefModeCompare).
	Pairs int64 `json:"pairs,omitempty"`
	// BatchP50Ms and BatchP99Ms are the pipe's own measure of a batch, from
	// the poll returning it to its commit: a check on Run's external one.
	BatchP50Ms float64 `json:"batchP50Ms"`
	BatchP99Ms float64 `json:"batchP99Ms"`
}

// refWork is what a reference pipe does with each polled batch: it appends
// the records to produce to out and counts them in st (RecordsOut and
// DeadLetters; EventsIn counts once the batch is committed). Work that is
// not a record (Postgres commits) is done before it returns.
type refWork interface {
	handle(ctx context.Context, in []*kgo.Record, out []kgo.Record, st *RefStats) ([]kgo.Record, error)
}

// newRefWork returns the work of cfg.Mode.
func newRefWork(ctx context.Context, cfg RefConfig) (refWork, error) {
	switch cfg.Mode {
	case RefModeCompare:
		return newRefCompare(ctx, cfg)
	case RefModeSwitch:
		return newRefSwitch(ctx, cfg)
	}
	return refConvert{cfg}, nil
}

// RunRef runs a reference pipe: a kgo consumer group on From whose every
// polled batch is handled by the mode's work, produced to To (and DLQ) with
// acks from all in-sync replicas, flushed, and only then committed. The
// raw and transform pipes convert on every core and overlap a batch's
// writing with the next one's conversion, as oink produce does; the compare
// and switch pipes have one batch in hand at a time. It returns once cfg.Events
// records are committed, or with nil when ctx ends (the batch in hand is
// then neither written nor committed, so it is redelivered).
func RunRef(ctx context.Context, cfg RefConfig) (RefStats, error) {
	var st RefStats
	if err := cfg.validate(); err != nil {
		return st, err
	}
	work, err := newRefWork(ctx, cfg)
	if err != nil {
		return st, err
	}
	cl, err := kgo.NewClient(
		kgo.SeedBrokers(cfg.Brokers...),
		kgo.ConsumerGroup(cfg.Group),
		kgo.ConsumeTopics(cfg.From...),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.DisableAutoCommit(),
		// No rebalance between a poll and its commit: the commit then
		// always covers partitions this member still owns.
		kgo.BlockRebalanceOnPoll(),
		kgo.RequiredAcks(kgo.AllISRAcks()),
		// oink's kafka-go writer does not compress; kgo's default is snappy.
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		// Room for a whole batch and its dead letters: Produce never blocks
		// on the buffer, Flush sends it all.
		kgo.MaxBufferedRecords(2*cfg.BatchSize+1000),
	)
	if err != nil {
		return st, fmt.Errorf("creating the kgo client: %w", err)
	}
	defer func() {
		// A poll blocks rebalances until AllowRebalance, and leaving the
		// group on Close is a rebalance: without this, Close hangs.
		cl.AllowRebalance()
		cl.Close()
	}()
	if c, ok := work.(refConvert); ok {
		err = runPipelined(ctx, cl, c, &st)
	} else {
		err = runSerial(ctx, cl, cfg, work, &st)
	}
	return st, err
}

// runSerial is RunRef with one batch in hand at a time: poll, handle,
// produce and wait for the acks, commit.
func runSerial(ctx context.Context, cl *kgo.Client, cfg RefConfig, work refWork, st *RefStats) error {
	var lat []time.Duration
	out := make([]kgo.Record, 0, cfg.BatchSize)
	defer func() { st.BatchP50Ms, st.BatchP99Ms = ms(percentile(lat, 0.50)), ms(percentile(lat, 0.99)) }()
	for cfg.Events == 0 || st.EventsIn < cfg.Events {
		in, err := poll(ctx, ctx, cl, cfg.BatchSize)
		if err != nil || in == nil {
			return err
		}
		if len(in) == 0 {
			cl.AllowRebalance()
			continue
		}
		fetched := time.Now()
		if out, err = work.handle(ctx, in, out[:0], st); err != nil {
			return ignoreEnd(ctx, err)
		}
		if err := produceAll(ctx, cl, out); err != nil {
			return ignoreEnd(ctx, err)
		}
		if err := cl.CommitRecords(ctx, in...); err != nil {
			return ignoreEnd(ctx, fmt.Errorf("committing %d records: %w", len(in), err))
		}
		cl.AllowRebalance()
		lat = append(lat, time.Since(fetched))
		st.EventsIn += int64(len(in))
		st.Batches++
	}
	return nil
}

// runPipelined is RunRef for the converting modes with what oink produce
// does since it uses every core: each batch is converted on GOMAXPROCS
// goroutines, and the next batch is polled and converted while the
// previous one's records are in flight; a batch is committed once its
// records are acknowledged.
func runPipelined(ctx context.Context, cl *kgo.Client, work refConvert, st *RefStats) error {
	cfg := work.cfg
	var lat []time.Duration
	defer func() { st.BatchP50Ms, st.BatchP99Ms = ms(percentile(lat, 0.50)), ms(percentile(lat, 0.99)) }()
	type inFlight struct {
		in      []*kgo.Record
		fetched time.Time
		acked   func() error
		done    <-chan struct{} // closed once every record is acknowledged
	}
	var prev *inFlight
	finish := func() error { // wait for prev's acks, then commit it
		if prev == nil {
			return nil
		}
		if err := prev.acked(); err != nil {
			return err
		}
		if err := cl.CommitRecords(ctx, prev.in...); err != nil {
			return fmt.Errorf("committing %d records: %w", len(prev.in), err)
		}
		cl.AllowRebalance()
		lat = append(lat, time.Since(prev.fetched))
		st.EventsIn += int64(len(prev.in))
		st.Batches++
		prev = nil
		return nil
	}
	var polled int64
	for cfg.Events == 0 || polled < cfg.Events {
		// With a batch in flight, the poll gives up once it is acknowledged,
		// so that it is committed even when no more input comes.
		pctx, cancel := context.WithCancel(ctx)
		if prev != nil {
			go func(done <-chan struct{}) {
				select {
				case <-done:
					cancel()
				case <-pctx.Done():
				}
			}(prev.done)
		}
		in, err := poll(ctx, pctx, cl, cfg.BatchSize)
		cancel()
		if err != nil || in == nil {
			return err
		}
		if len(in) == 0 {
			if err := finish(); err != nil {
				return ignoreEnd(ctx, err)
			}
			cl.AllowRebalance()
			continue
		}
		polled += int64(len(in))
		fetched := time.Now()
		out, err := work.handleParallel(ctx, in, st)
		if err != nil {
			return err
		}
		if err := finish(); err != nil {
			return ignoreEnd(ctx, err)
		}
		acked, done := produceAsync(ctx, cl, out)
		prev = &inFlight{in: in, fetched: fetched, acked: acked, done: done}
	}
	return ignoreEnd(ctx, finish())
}

// poll returns the next batch, polling until pctx ends: nil with no error
// when ctx ended or the client closed, empty when nothing came.
func poll(ctx, pctx context.Context, cl *kgo.Client, max int) ([]*kgo.Record, error) {
	fs := cl.PollRecords(pctx, max)
	if ctx.Err() != nil || fs.IsClientClosed() {
		return nil, nil
	}
	if pctx.Err() != nil && len(fs.Records()) == 0 {
		return []*kgo.Record{}, nil
	}
	if err := fetchErr(fs); err != nil {
		return nil, err
	}
	in := fs.Records()
	if in == nil {
		in = []*kgo.Record{}
	}
	return in, nil
}

// ignoreEnd is err, or nil when ctx ended (the batch in hand is then
// redelivered).
func ignoreEnd(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// fetchErr returns the first error of a poll: for a benchmark, any is fatal.
func fetchErr(fs kgo.Fetches) error {
	for _, fe := range fs.Errors() {
		return fmt.Errorf("fetching %s/%d: %w", fe.Topic, fe.Partition, fe.Err)
	}
	return nil
}

// refConvert is the work of RefModeRaw and RefModeTransform: a record out
// (or a dead letter) per record in.
type refConvert struct{ cfg RefConfig }

func (c refConvert) handle(_ context.Context, in []*kgo.Record, out []kgo.Record, st *RefStats) ([]kgo.Record, error) {
	cfg := c.cfg
	for _, r := range in {
		if cfg.Mode == RefModeRaw {
			out = append(out, kgo.Record{Topic: cfg.To, Key: r.Key, Value: r.Value, Headers: r.Headers, Timestamp: r.Timestamp})
			st.RecordsOut++
			continue
		}
		rec, err := transformRecord(r)
		if err != nil {
			ie, ok := oink.AsInputError(err)
			if !ok {
				return out, fmt.Errorf("converting %s/%d@%d: %w", r.Topic, r.Partition, r.Offset, err)
			}
			dl := deadletter.Record(fromKgo(r), cfg.DLQ, refConnector, ie, time.Now())
			out = append(out, toKgo(dl))
			st.DeadLetters++
			continue
		}
		rec.Topic = cfg.To
		out = append(out, toKgo(rec))
		st.RecordsOut++
	}
	return out, nil
}

// handleParallel is handle on GOMAXPROCS goroutines, each a contiguous
// chunk of in, the outputs joined in the order of in.
func (c refConvert) handleParallel(ctx context.Context, in []*kgo.Record, st *RefStats) ([]kgo.Record, error) {
	n := min(runtime.GOMAXPROCS(0), (len(in)+63)/64)
	if n <= 1 {
		return c.handle(ctx, in, make([]kgo.Record, 0, len(in)), st)
	}
	outs := make([][]kgo.Record, n)
	stats := make([]RefStats, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		lo, hi := i*len(in)/n, (i+1)*len(in)/n
		wg.Go(func() {
			outs[i], errs[i] = c.handle(ctx, in[lo:hi], make([]kgo.Record, 0, hi-lo), &stats[i])
		})
	}
	wg.Wait()
	out := make([]kgo.Record, 0, len(in))
	for i := range n {
		if errs[i] != nil {
			return nil, errs[i]
		}
		out = append(out, outs[i]...)
		st.RecordsOut += stats[i].RecordsOut
		st.DeadLetters += stats[i].DeadLetters
	}
	return out, nil
}

// transformRecord is OINK v2's conversion of one record: what
// producer.Run does between fetch and write.
func transformRecord(r *kgo.Record) (kafka.Message, error) {
	ev, err := producer.Decode(r.Value)
	if err != nil {
		return kafka.Message{}, err
	}
	rt, err := producer.Transform(ev)
	if err != nil {
		return kafka.Message{}, err
	}
	return producer.Record(rt)
}

// produceAsync produces recs and returns a function that waits until every
// one is acknowledged and returns the first failure, and a channel closed
// then. recs must not change until then.
func produceAsync(ctx context.Context, cl *kgo.Client, recs []kgo.Record) (func() error, <-chan struct{}) {
	var (
		acks produceAcks
		wg   sync.WaitGroup
	)
	wg.Add(len(recs))
	promise := func(r *kgo.Record, err error) {
		acks.promise(r, err)
		wg.Done()
	}
	for i := range recs {
		cl.Produce(ctx, &recs[i], promise)
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	return func() error {
		<-done
		return acks.err(len(recs))
	}, done
}

// produceAll produces recs and returns once every one is acknowledged, or
// with the first failure. recs may be reused once it returns.
func produceAll(ctx context.Context, cl *kgo.Client, recs []kgo.Record) error {
	var acks produceAcks
	for i := range recs {
		cl.Produce(ctx, &recs[i], acks.promise)
	}
	// Flush sends what lingers at once and waits for every promise.
	if err := cl.Flush(ctx); err != nil {
		return fmt.Errorf("flushing %d records: %w", len(recs), err)
	}
	return acks.err(len(recs))
}

// produceAcks keeps the first failure among the promises of a produce;
// safe for concurrent use.
type produceAcks struct {
	mu    sync.Mutex
	first error
}

// promise is a kgo produce promise that records err if it is the first.
func (a *produceAcks) promise(_ *kgo.Record, err error) {
	if err == nil {
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.first == nil {
		a.first = err
	}
}

// err is the first failure of the n records produced, nil when none failed.
func (a *produceAcks) err(n int) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.first != nil {
		return fmt.Errorf("producing %d records: %w", n, a.first)
	}
	return nil
}

// fromKgo is r as kafka-go's message, for deadletter.Record.
func fromKgo(r *kgo.Record) kafka.Message {
	h := make([]kafka.Header, len(r.Headers))
	for i, x := range r.Headers {
		h[i] = kafka.Header{Key: x.Key, Value: x.Value}
	}
	return kafka.Message{Topic: r.Topic, Partition: int(r.Partition), Offset: r.Offset,
		Key: r.Key, Value: r.Value, Headers: h, Time: r.Timestamp}
}

// toKgo is m as a kgo record to produce (partitioned by kgo, on the key).
func toKgo(m kafka.Message) kgo.Record {
	var h []kgo.RecordHeader
	if len(m.Headers) > 0 {
		h = make([]kgo.RecordHeader, len(m.Headers))
		for i, x := range m.Headers {
			h[i] = kgo.RecordHeader{Key: x.Key, Value: x.Value}
		}
	}
	return kgo.Record{Topic: m.Topic, Key: m.Key, Value: m.Value, Headers: h, Timestamp: m.Time}
}
