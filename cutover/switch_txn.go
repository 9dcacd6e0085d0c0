package cutover

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// liveWriter is the transactional producer of one partition of the live
// topic. Opening it initialises its transactional id, which bumps the
// producer epoch: any earlier producer of the same partition (a paused
// switch that lost it, a crashed one) is fenced from then on — its open
// transaction is aborted and its later writes and commits are refused by
// the broker. That is the switch's exactly-once: each transaction carries a
// batch of live records and the partition's state record together, so the
// state a new owner reads is exactly what the live topic holds.
type liveWriter struct {
	cl    *kgo.Client
	epoch int16
	// timeout bounds one transaction's writes and commit.
	timeout time.Duration
}

// transactionalID names the producer of partition p of the live topic.
func transactionalID(cfg SwitchConfig, p int) string {
	return cfg.TransactionalIDPrefix + ":" + cfg.Live + ":" + strconv.Itoa(p)
}

// openLiveWriter returns partition p's producer, initialised (and so
// fencing every earlier one) before it returns.
func openLiveWriter(ctx context.Context, cfg SwitchConfig, p int) (*liveWriter, error) {
	cl, err := kafkaio.NewKgo(cfg.Brokers,
		kgo.TransactionalID(transactionalID(cfg, p)),
		kgo.TransactionTimeout(cfg.TransactionTimeout),
		// Each record goes to the partition it names: its version's.
		kgo.RecordPartitioner(kgo.ManualPartitioner()),
		// As v1 and v2 write (kafka-go's writer compresses nothing).
		kgo.ProducerBatchCompression(kgo.NoCompression()),
		// No kgo.RecordDeliveryTimeout: franz-go measures it from each
		// record's timestamp, and a live record keeps its version's (the
		// source event time, minutes or days old in a replay), so every
		// write would time out at once. commit's context bounds a
		// transaction instead.
		kgo.ProducerLinger(0),
	)
	if err != nil {
		return nil, err
	}
	_, epoch, err := cl.ProducerID(ctx)
	if err != nil {
		cl.Close()
		return nil, fmt.Errorf("initialising the transactional producer %s: %w", transactionalID(cfg, p), err)
	}
	return &liveWriter{cl: cl, epoch: epoch, timeout: cfg.TransactionTimeout}, nil
}

// commit writes recs and then state in one transaction and commits it. On
// any error the transaction is aborted (or left to the next owner's
// initialisation to abort) and the error returned: the caller ends its
// session and resumes from the state topic, which says whether the
// transaction committed. It runs to its end even when ctx is cancelled (a
// shutdown), within the writer's timeout, so that a stop never leaves a
// transaction open.
func (w *liveWriter) commit(ctx context.Context, recs []*kgo.Record, state *kgo.Record) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.timeout)
	defer cancel()
	if err := w.cl.BeginTransaction(); err != nil {
		return err
	}
	all := make([]*kgo.Record, 0, len(recs)+1)
	all = append(append(all, recs...), state)
	if err := w.cl.ProduceSync(ctx, all...).FirstErr(); err != nil {
		w.abort(ctx)
		return err
	}
	if err := w.cl.EndTransaction(ctx, kgo.TryCommit); err != nil {
		w.abort(ctx)
		return err
	}
	return nil
}

// abort ends a failed transaction, best effort: if it cannot, the next
// owner's initialisation (or the broker's transaction timeout) aborts it.
func (w *liveWriter) abort(ctx context.Context) {
	if err := w.cl.AbortBufferedRecords(ctx); err == nil {
		_ = w.cl.EndTransaction(ctx, kgo.TryAbort) // best effort, see above
	}
}

func (w *liveWriter) close() { w.cl.Close() }

// ErrFenced means another switch instance took over a partition: its
// transactional producer has a newer epoch, and this one's writes are
// refused. The partition's worker stops; its consumer-group generation is
// over.
var ErrFenced = errors.New("fenced: another switch instance owns this partition now")

// classifyTxn wraps a transaction's error: ErrFenced when a newer producer
// of the partition fenced this one, a permanent error (returned as is, to
// end the run) when no retry can succeed, otherwise a temporary one for the
// session to retry.
//
// INVALID_TXN_STATE counts as fenced too: with transactions v2 (KIP-890) a
// coordinator answers a commit sent with the epoch just before its own, by
// a producer whose transaction the next owner's initialisation aborted, as
// the retry of an abort, with INVALID_TXN_STATE instead of PRODUCER_FENCED
// (seen when a switch frozen between its writes and its commit was thawed:
// the process ended with a "permanent" error). ErrFenced ends the
// partition's worker and so the instance's group generation: the member
// rejoins, and if it still owns the partition a new session initialises
// its producer again. Retrying at once instead could fence the new owner.
func classifyTxn(err error) error {
	switch {
	case errors.Is(err, kerr.ProducerFenced), errors.Is(err, kerr.InvalidProducerEpoch),
		errors.Is(err, kerr.InvalidProducerIDMapping), errors.Is(err, kerr.TransactionalIDNotFound),
		errors.Is(err, kerr.InvalidTxnState):
		return fmt.Errorf("%w (%w)", ErrFenced, err)
	}
	return err
}

// permanent reports whether no new session can make err go away: the
// shared classification of write errors (kafkaio.Classify) says Permanent
// (not authorised, a record too large for the live topic, a refused
// record), or Missing, which for the switch already means franz-go tried
// four metadata loads without finding the live or state topic: it was
// deleted. A fenced producer is not permanent here; it is ErrFenced,
// checked first.
func permanent(err error) bool {
	switch kafkaio.Classify(err) {
	case kafkaio.Permanent, kafkaio.Missing:
		return true
	}
	return false
}
