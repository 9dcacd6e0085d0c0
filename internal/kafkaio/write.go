package kafkaio

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/oinkhq/oink/internal/backoff"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Class is what a write error says about retrying the write.
type Class int

const (
	// Temporary: the same write may succeed later (a broker restarting, a
	// leader moving, a network blip, a timeout). Retried with backoff.
	Temporary Class = iota
	// Missing: the broker does not know the topic or partition. Right
	// after a topic is created, or while a leader moves, metadata lags and
	// this passes by itself; a topic that was deleted never comes back. So
	// it is retried for WritePolicy.MissingFor, then it is permanent.
	Missing
	// Permanent: no retry of this write can succeed (not authorized, a
	// record too large for the topic, a record the broker refuses, a
	// fenced writer, a closed client). The writer must stop and say so.
	Permanent
)

func (c Class) String() string {
	switch c {
	case Temporary:
		return "temporary"
	case Missing:
		return "missing"
	default:
		return "permanent"
	}
}

// PermanentWriteError is returned by Write when a write failed in a way
// no retry can fix: Topic names the topic written to, Err the cause (a
// kafka-go kafka.Error, a franz-go *kerr.Error, …, reachable with
// errors.Is/As). Its holder should turn unhealthy, log the topic and the
// cause once at error level, and exit non-zero.
type PermanentWriteError struct {
	Topic string
	Err   error
}

func (e *PermanentWriteError) Error() string {
	return fmt.Sprintf("writing to %s failed permanently (no retry can succeed; fix the cause and restart): %v", e.Topic, e.Err)
}

func (e *PermanentWriteError) Unwrap() error { return e.Err }

// Classify tells whether a write error is worth retrying. It recognises
// kafka-go's kafka.Error codes, kafka.WriteErrors and
// kafka.MessageTooLargeError, franz-go's *kerr.Error, kgo.ErrRecordTimeout
// and kgo.ErrRecordRetries, network and context errors. A kafka.WriteErrors
// is as bad as its worst entry: one record refused for good stops the whole
// write. An error it does not know is Temporary: retried with a warning
// and the writer unhealthy, never silently.
func Classify(err error) Class {
	if err == nil {
		return Temporary
	}
	var werrs kafka.WriteErrors
	if errors.As(err, &werrs) {
		worst := Temporary
		for _, e := range werrs {
			if e != nil {
				worst = max(worst, Classify(e))
			}
		}
		return worst
	}
	// A Kafka error code, from either client. kgo.ErrRecordTimeout and
	// ErrRecordRetries wrap the last broker error when there was one, so
	// the code, when present, decides before them.
	if code, ok := kafkaCode(err); ok {
		return classifyCode(code)
	}
	var tooLarge kafka.MessageTooLargeError
	switch {
	case errors.As(err, &tooLarge):
		// kafka-go refused it before sending: one record larger than the
		// writer's BatchBytes never fits a batch.
		return Permanent
	case errors.Is(err, io.ErrClosedPipe), errors.Is(err, kgo.ErrClientClosed):
		// The writer (kafka-go) or client (kgo) was closed: nothing
		// written through it can succeed again.
		return Permanent
	case errors.Is(err, kgo.ErrRecordTimeout), errors.Is(err, kgo.ErrRecordRetries):
		// kgo gave up on records after its delivery timeout or retry
		// count with no broker error to blame: brokers unreachable for
		// that long. A later write may get through.
		return Temporary
	case isPermanentDial(err):
		return Permanent
	}
	// Everything else is temporary: context errors (a request timeout
	// inside the write; Write itself stops when its own ctx ends), io.EOF
	// and io.ErrUnexpectedEOF (a broker closed the connection, as when it
	// restarts), *net.OpError and syscall errors (connection refused while
	// a broker is down, reset, unreachable host), and errors we do not
	// know.
	return Temporary
}

// kafkaCode returns the Kafka protocol error code err carries, from
// kafka-go (kafka.Error) or franz-go (*kerr.Error).
func kafkaCode(err error) (int16, bool) {
	var ke kafka.Error
	if errors.As(err, &ke) {
		return int16(ke), true
	}
	var fe *kerr.Error
	if errors.As(err, &fe) {
		return fe.Code, true
	}
	return 0, false
}

// classifyCode classifies a Kafka error code. Kafka itself marks each code
// retriable or not (kerr's Retriable, the Java client's RetriableException);
// that is the default, with these exceptions and reasons.
func classifyCode(code int16) Class {
	switch e := kerr.TypedErrorForCode(code); e {
	case kerr.UnknownTopicOrPartition, kerr.UnknownTopicID:
		// Retriable to Kafka, because metadata lags creation; permanent
		// once it lasts (a deleted topic): see Missing.
		return Missing
	case kerr.MessageTooLarge, kerr.RecordListTooLarge, kerr.InvalidRecord,
		kerr.CorruptMessage, kerr.InvalidTimestamp, kerr.InvalidTopicException,
		kerr.UnsupportedForMessageFormat, kerr.UnsupportedCompressionType, kerr.PolicyViolation:
		// The broker refused these records for what they are (larger than
		// the topic's max.message.bytes, a timestamp outside
		// message.timestamp.*.ms, a null key on a compacted topic, …):
		// resending the same bytes gets the same answer. CorruptMessage is
		// retriable to Kafka (a checksum broken in transit), but it also
		// names those record faults, and TCP checksums make transit
		// damage rare: a writer wedged on a bad record is the worse case.
		return Permanent
	case kerr.TopicAuthorizationFailed, kerr.GroupAuthorizationFailed, kerr.ClusterAuthorizationFailed,
		kerr.TransactionalIDAuthorizationFailed, kerr.SaslAuthenticationFailed,
		kerr.UnsupportedSaslMechanism, kerr.IllegalSaslState:
		// Access is a matter of ACLs and credentials, which a retry does
		// not change: an operator must.
		return Permanent
	case kerr.ProducerFenced, kerr.InvalidProducerEpoch, kerr.TransactionCoordinatorFenced,
		kerr.InvalidProducerIDMapping, kerr.InvalidTxnState, kerr.OutOfOrderSequenceNumber:
		// Another instance with the same transactional id took over (this
		// one is a zombie), or the producer's state is broken: writing on
		// would break the fence that keeps the live topic exact.
		return Permanent
	case kerr.TransactionAbortable, kerr.ConcurrentTransactions, kerr.UnknownProducerID,
		kerr.OperationNotAttempted, kerr.ReassignmentInProgress, kerr.RebalanceInProgress,
		kerr.UnknownServerError:
		// Not retriable to Kafka, but the write as a whole is: an aborted
		// transaction is resent whole by the caller's write function, a
		// concurrent transaction or a reassignment finishes, an unknown
		// producer id is reset by the client, a rebalance settles (the
		// caller's write function checks it still owns its partitions),
		// and an unknown server error may be a broker's passing fault.
		return Temporary
	case nil:
		return Temporary // code 0 is no error; unreachable from kafkaCode
	default:
		if e.Retriable {
			return Temporary
		}
		return Permanent
	}
}

// isPermanentDial reports a dial error no retry fixes: permission denied
// on the local socket. A broker's name that does not resolve is not one:
// in a cluster a restarting broker's DNS record comes and goes.
func isPermanentDial(err error) bool {
	var ne *net.OpError
	if !errors.As(err, &ne) || ne.Op != "dial" {
		return false
	}
	var se *os.SyscallError
	return errors.As(err, &se) && (errors.Is(se, syscall.EACCES) || errors.Is(se, syscall.EPERM))
}

// WritePolicy says how Write retries.
type WritePolicy struct {
	// Topic is the topic written, named in PermanentWriteError and logs.
	Topic string
	// First and Cap bound the backoff between attempts: jittered,
	// doubling from First up to Cap. Defaults: 100ms and 5s.
	First, Cap time.Duration
	// MissingFor is how long an unknown topic or partition is retried
	// before it counts as permanent (the topic was deleted): longer than
	// metadata takes to spread after a topic is created. Default: 30s.
	MissingFor time.Duration
	// OnRetry, when set, is called before each wait with the error, its
	// class and the wait: the caller logs at Warn, turns unhealthy and
	// counts the retry there.
	OnRetry func(err error, class Class, wait time.Duration)
	// Now is the clock of MissingFor; nil is time.Now.
	Now func() time.Time
}

func (p *WritePolicy) defaults() {
	if p.First <= 0 {
		p.First = 100 * time.Millisecond
	}
	if p.Cap <= 0 {
		p.Cap = 5 * time.Second
	}
	if p.MissingFor <= 0 {
		p.MissingFor = 30 * time.Second
	}
	if p.Now == nil {
		p.Now = time.Now
	}
}

// Write calls write until it returns nil, and is the one write-and-retry
// loop of every oink writer. The closure decides what each attempt sends:
// WriteMessages resends only a kafka-go batch's failed records; a
// transactional writer resends its whole aborted transaction. A temporary
// error is retried after a jittered, capped, exponential backoff; a
// Missing one likewise until it has lasted p.MissingFor. It returns nil
// once write succeeds, a *PermanentWriteError when the error is (or has
// become) permanent, or, when ctx ends first, an error wrapping ctx.Err()
// and the last write error.
func Write(ctx context.Context, p WritePolicy, write func(context.Context) error) error {
	p.defaults()
	bo := backoff.New(p.First, p.Cap)
	var missingSince time.Time
	for {
		err := write(ctx)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("writing to %s: %w (last error: %v)", p.Topic, ctx.Err(), err)
		}
		class := Classify(err)
		switch {
		case class == Permanent:
			return &PermanentWriteError{Topic: p.Topic, Err: err}
		case class == Missing && missingSince.IsZero():
			missingSince = p.Now()
		case class == Missing && p.Now().Sub(missingSince) >= p.MissingFor:
			return &PermanentWriteError{Topic: p.Topic, Err: fmt.Errorf("still unknown to the broker after %v of retries (was the topic deleted?): %w", p.MissingFor, err)}
		case class == Temporary:
			missingSince = time.Time{}
		}
		wait := bo.Next()
		if p.OnRetry != nil {
			p.OnRetry(err, class, wait)
		}
		if !backoff.Sleep(ctx, wait) {
			return fmt.Errorf("writing to %s: %w (last error: %v)", p.Topic, ctx.Err(), err)
		}
	}
}

// WriteMessages writes msgs with w under p, resending after a failure only
// the records that failed (kafka-go's kafka.WriteErrors names them), so a
// record is resent only when the broker did not acknowledge it. A
// PermanentWriteError names the topic of a record that failed for good,
// whatever p.Topic says (one call may write to several topics, such as
// output and DLQ).
func WriteMessages(ctx context.Context, w *kafka.Writer, p WritePolicy, msgs []kafka.Message) error {
	if len(msgs) == 0 {
		return nil
	}
	if p.Topic == "" {
		p.Topic = msgs[0].Topic
	}
	var failedTopic string
	err := Write(ctx, p, func(ctx context.Context) error {
		err := w.WriteMessages(ctx, msgs...)
		var werrs kafka.WriteErrors
		if !errors.As(err, &werrs) || len(werrs) != len(msgs) {
			return err
		}
		// Keep only the failed records; the rest are acknowledged. The
		// error returned is the worst entry's, so that the whole list
		// (thousands of repeats of one error) is not logged.
		failed := make([]kafka.Message, 0, werrs.Count())
		var worst error
		worstClass := Class(-1)
		for i, e := range werrs {
			if e == nil {
				continue
			}
			failed = append(failed, msgs[i])
			if c := Classify(e); c > worstClass {
				worst, worstClass, failedTopic = e, c, msgs[i].Topic
			}
		}
		if worst == nil {
			return nil // no entry failed
		}
		n := len(msgs)
		msgs = failed
		return fmt.Errorf("%d of %d records failed: %w", len(failed), n, worst)
	})
	var pe *PermanentWriteError
	if errors.As(err, &pe) && failedTopic != "" {
		pe.Topic = failedTopic
	}
	return err
}
