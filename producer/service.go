package producer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/oinkhq/oink/internal/backoff"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// Config configures a producer run (Run and RunLegacy).
type Config struct {
	Brokers []string
	From    string // upstream topic, e.g. orders
	To      string // output topic, e.g. rtcim.v2
	DLQ     string // dead-letter topic; "" drops rejected events after counting them (v1 did)
	Group   string // consumer group
	// Name is the connector name written into dead letters, e.g. oink-v2.
	Name string
	// BatchSize is the most events handled per write and commit, default 5000.
	BatchSize int
	// Linger is how long a batch waits to fill after its first event, default 5ms.
	Linger time.Duration
	// StopWhenIdle, when positive, ends the run once nothing arrived for that
	// long and the group has committed everything on From.
	StopWhenIdle time.Duration
	// SessionTimeout of the consumer group, default 6s.
	SessionTimeout time.Duration
	// Topics says how missing topics are created.
	Topics kafkaio.TopicSpec
	// DrainTimeout bounds how long a stopping run keeps retrying the write of
	// its last batch, default 30s. What it cannot write it does not commit.
	DrainTimeout time.Duration
	Log          *slog.Logger
	Metrics      *Metrics // nil records nothing
	// Health, when set, is false from a failed read or write of the broker
	// until the next success (the run retries temporary failures with
	// jittered capped exponential backoff, logging each retry), and false
	// for good after a permanent write failure (the run then returns a
	// *kafkaio.PermanentWriteError), true otherwise: /healthz serves it.
	Health *atomic.Bool
	// Workers is how many goroutines convert a batch of a
	// ConcurrentConverter (OINK v2), default GOMAXPROCS; any other
	// Converter converts on one.
	Workers int
	// MaxFutureSkew is how far ahead of Now an event time may lie; an
	// event beyond it is dead-lettered with oink.CodeFutureEventTime.
	// Default: oink.DefaultMaxFutureSkew (5m).
	MaxFutureSkew time.Duration
	// Now is the clock of the future-skew check, default time.Now.
	Now func() time.Time
}

func (c *Config) validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("brokers: none given (set --brokers host:port)")
	case c.From == "":
		return errors.New("from: the upstream topic is empty (set --from)")
	case c.To == "":
		return errors.New("to: the output topic is empty (set --to)")
	case c.Group == "":
		return errors.New("group: the consumer group is empty (set --group)")
	case c.From == c.To || c.From == c.DLQ || (c.DLQ != "" && c.To == c.DLQ):
		return fmt.Errorf("from %q, to %q and dlq %q must be three different topics", c.From, c.To, c.DLQ)
	case c.MaxFutureSkew < 0:
		return fmt.Errorf("max future skew %v: want a positive duration such as 5m, or 0 for the default", c.MaxFutureSkew)
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 5000
	}
	if c.Linger <= 0 {
		c.Linger = 5 * time.Millisecond
	}
	if c.DrainTimeout <= 0 {
		c.DrainTimeout = 30 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Stats counts what a run did.
type Stats struct {
	EventsIn   int64            `json:"eventsIn"`
	RecordsOut int64            `json:"recordsOut"`
	DeadLetter int64            `json:"deadLetters"`
	ByCode     map[string]int64 `json:"deadLettersByCode"`
	Batches    int64            `json:"batches"`
}

// Converter turns one upstream record into output records, or rejects it
// with an *oink.InputError (a dead letter). OINK v2 is one; the v1
// simulator (package legacy) is another.
type Converter interface {
	Convert(m kafka.Message) ([]kafka.Message, error)
	// BeforeWrite runs once a batch is converted, before it is written.
	BeforeWrite(ctx context.Context, fetched time.Time) error
	// AfterWrite runs once a batch is written, before its offsets are committed.
	AfterWrite() error
}

// Serve is the I/O loop every producer role shares: fetch a batch, convert
// it, write outputs and dead letters, and only then commit the batch's
// offsets. A crash anywhere before the commit redelivers the batch, and since
// conversion is deterministic the redelivered outputs are identical: at least
// once, never lost (invariant 1).
func Serve(ctx context.Context, cfg Config, conv Converter) (Stats, error) {
	st := Stats{ByCode: map[string]int64{}}
	if err := cfg.validate(); err != nil {
		return st, err
	}
	topics := []string{cfg.From, cfg.To}
	if cfg.DLQ != "" {
		topics = append(topics, cfg.DLQ)
	}
	if err := kafkaio.EnsureTopics(ctx, cfg.Brokers, cfg.Topics, topics...); err != nil {
		return st, err
	}
	r := kafkaio.NewGroupReader(kafkaio.ReaderConfig{Brokers: cfg.Brokers, Group: cfg.Group,
		Topics: []string{cfg.From}, SessionTimeout: cfg.SessionTimeout})
	defer r.Close()
	w := kafkaio.NewWriter(cfg.Brokers)
	defer w.Close()
	w.BatchSize = writerBatchSize(ctx, cfg)

	// Work on a fetched batch goes on after ctx ends (SIGTERM drains), for
	// at most DrainTimeout.
	work, cancelWork := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelWork()
	stop := context.AfterFunc(ctx, func() { time.AfterFunc(cfg.DrainTimeout, cancelWork) })
	defer stop()

	stage := writeStage{cfg: cfg, conv: conv, w: w, r: r, st: &st}
	var err error
	if concurrent(conv) {
		err = servePipelined(ctx, work, cfg, conv, r, stage)
	} else {
		err = serveLoop(ctx, cfg, r, func(batch []kafka.Message, fetched time.Time) error {
			c, err := convertBatch(cfg, conv, batch, 1)
			if err != nil {
				return err
			}
			c.fetched = fetched
			return stage.write(work, c)
		})
	}
	if err != nil {
		if errors.Is(err, errIdle) {
			return st, nil
		}
		return st, err
	}
	cfg.Log.Info("stopped", "events", st.EventsIn, "out", st.RecordsOut, "dlq", st.DeadLetter)
	return st, nil
}

// errIdle ends serveLoop when the run is idle and caught up (StopWhenIdle).
var errIdle = errors.New("idle and caught up")

// servePipelined runs serveLoop converting each batch on every core
// while the write stage, on a goroutine of its own, writes and commits the
// batch before it in fetch order. At most one converted batch waits for
// the stage. When the loop ends (ctx ended, idle, or an error), the stage
// drains what it was given under work, so batches in hand are written and
// committed as a serial loop would.
func servePipelined(ctx, work context.Context, cfg Config, conv Converter, r *kafka.Reader, stage writeStage) error {
	n := workers(cfg, conv)
	in := make(chan converted)
	stageErr := make(chan error, 1)
	// A failed stage stops the loop at once, even while it waits for input.
	loop, stopLoop := context.WithCancel(ctx)
	defer stopLoop()
	go func() {
		err := stage.run(work, in)
		if err != nil {
			stopLoop()
		}
		stageErr <- err
	}()
	err := serveLoop(loop, cfg, r, func(batch []kafka.Message, fetched time.Time) error {
		c, err := convertBatch(cfg, conv, batch, n)
		if err != nil {
			return err
		}
		c.fetched = fetched
		select {
		case in <- c:
			return nil
		case err := <-stageErr:
			stageErr <- err // for the drain below
			return err
		}
	})
	close(in)
	serr := <-stageErr
	if serr != nil {
		// The loop may have read successfully since the stage failed, and
		// said so: a failed write leaves the run unhealthy.
		setHealth(cfg.Health, false)
		if err == nil || errors.Is(err, errIdle) {
			return serr
		}
	}
	return err
}

// serveLoop fetches batches until ctx ends and hands each to handle, which
// must be done with the batch's slice when it returns (not with the
// messages' bytes: dead letters keep their values). It
// returns handle's first error, or errIdle when StopWhenIdle found the run
// idle and caught up, or nil when ctx ended. A failed fetch is retried
// with backoff: the reader keeps its position, so nothing is skipped.
func serveLoop(ctx context.Context, cfg Config, r *kafka.Reader, handle func([]kafka.Message, time.Time) error) error {
	var idle idleTimer
	lag := map[int]int64{}
	readBackoff := backoff.New(100*time.Millisecond, 5*time.Second)
	var buf []kafka.Message
	for ctx.Err() == nil {
		// handle is done with a batch when it returns: the next one reuses
		// its memory.
		batch, err := kafkaio.NextBatchInto(ctx, r, buf, cfg.BatchSize, cfg.Linger, 250*time.Millisecond)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			// The broker is unreachable or refused the fetch: the reader
			// keeps its position and reconnects by itself; nothing was
			// handed over, so nothing is skipped.
			setHealth(cfg.Health, false)
			d := readBackoff.Next()
			cfg.Log.Warn("reading failed, retrying", "topic", cfg.From, "backoff", d, "err", err)
			if !backoff.Sleep(ctx, d) {
				break
			}
			continue
		}
		readBackoff.Reset()
		setHealth(cfg.Health, true)
		if len(batch) == 0 {
			if cfg.StopWhenIdle > 0 && idle.expired(ctx, cfg) {
				cfg.Log.Info("idle and caught up, stopping", "idle", cfg.StopWhenIdle)
				return errIdle
			}
			continue
		}
		fetched := time.Now()
		idle.since = fetched
		if err := handle(batch, fetched); err != nil {
			return err
		}
		cfg.Metrics.observeLag(lag, batch)
		clear(batch) // the records' bytes are no longer needed
		buf = batch
	}
	return nil
}

// writerBatchSize is the kafka-go writer's batch size for cfg: a little
// more than one batch's share of a partition of To, so that each write
// call sends one request per partition, but no more. kafka-go reserves
// room for a whole batch in every partition it writes, dead letters'
// included, on every call: at the default 1000, a 5000-event batch over
// 12 partitions reserved 3.6 MB for ~5000 records (BENCHMARKS.md).
func writerBatchSize(ctx context.Context, cfg Config) int {
	parts, err := kafkaio.Partitions(ctx, cfg.Brokers, cfg.To)
	if err != nil || len(parts) == 0 {
		return kafkaio.WriterBatchSize
	}
	share := cfg.BatchSize / len(parts)
	return min(kafkaio.WriterBatchSize, max(64, share+share/4+32))
}

// writeAll writes msgs through kafkaio's one write path: temporary
// failures are retried (only the failed records) with jittered capped
// backoff, logged at Warn with the run unhealthy; a permanent one (topic
// deleted, not authorized, record too large for the topic) returns a
// *kafkaio.PermanentWriteError and leaves the run unhealthy. It returns nil
// only when every message is acknowledged by all in-sync replicas.
func writeAll(ctx context.Context, cfg Config, w *kafka.Writer, msgs []kafka.Message) error {
	err := kafkaio.WriteMessages(ctx, w, kafkaio.WritePolicy{
		OnRetry: func(err error, class kafkaio.Class, wait time.Duration) {
			setHealth(cfg.Health, false)
			cfg.Metrics.retry()
			cfg.Log.Warn("write failed, retrying", "class", class, "backoff", wait, "err", err)
		},
	}, msgs)
	if err != nil {
		setHealth(cfg.Health, false)
		return err
	}
	setHealth(cfg.Health, true)
	return nil
}

// commit commits the offsets of a batch, given as the last record of each
// of its partitions. A failed commit (a rebalance took the
// partition away) is logged, not fatal: the batch is redelivered and yields
// identical records, so the cost is a duplicate, never a loss.
func commit(ctx context.Context, cfg Config, r *kafka.Reader, last []kafka.Message) error {
	cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := r.CommitMessages(cctx, last...); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("committing: %w", err)
		}
		cfg.Log.Warn("commit failed; the batch will be redelivered", "err", err)
	}
	return nil
}

// idleTimer decides when a run with StopWhenIdle is done. Its clock
// starts only once work was seen: an event handled by this instance, or
// the group found caught up on an upstream topic that has records (the
// other members did the work). A producer started before its input
// arrives waits for it, however long that takes on a busy machine.
type idleTimer struct {
	since time.Time // zero: no work seen yet
}

// expired reports whether the run has been idle for StopWhenIdle since
// work was last seen, and the group has committed every record of From.
func (t *idleTimer) expired(ctx context.Context, cfg Config) bool {
	if t.since.IsZero() {
		if ends, err := kafkaio.EndOffsets(ctx, cfg.Brokers, cfg.From); err == nil && kafkaio.Sum(ends) > 0 && caughtUp(ctx, cfg) {
			t.since = time.Now()
		}
		return false
	}
	return time.Since(t.since) >= cfg.StopWhenIdle && caughtUp(ctx, cfg)
}

// caughtUp reports whether the group has committed every record of From.
func caughtUp(ctx context.Context, cfg Config) bool {
	lag, err := kafkaio.GroupLag(ctx, cfg.Brokers, cfg.Group, cfg.From)
	if err != nil {
		cfg.Log.Warn("checking lag", "err", err)
		return false
	}
	return kafkaio.Sum(lag) == 0
}

func setHealth(h *atomic.Bool, v bool) {
	if h != nil {
		h.Store(v)
	}
}
