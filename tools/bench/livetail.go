package bench

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kgo"
)

// liveTail follows a topic as its records arrive, from the beginning, as a
// read_committed consumer downstream of the switch does: it sees a live
// record once the switch's transaction that carries it has committed, never
// an aborted one. It counts them and measures each one's latency, from its
// timestamp (the event time the load generator stamped when it created the
// event) until it was read here. The pipeline's other topics (orders, v1,
// v2) are followed the same way when Config.Trace asks for per-stage times.
type liveTail struct {
	brokers []string
	topic   string

	n      atomic.Int64
	mu     sync.Mutex
	seen   []arrival
	err    error
	cancel context.CancelFunc
	done   chan struct{}
}

// arrival is one record read by a tail: where it was and when.
type arrival struct {
	partition int32
	offset    int64
	event     time.Time // its timestamp: the event time
	seen      time.Time // when the tail read it
}

func (a arrival) latency() time.Duration { return a.seen.Sub(a.event) }

func newTail(brokers []string, topic string) *liveTail {
	return &liveTail{brokers: brokers, topic: topic, done: make(chan struct{})}
}

// start begins reading in a goroutine that stop ends.
func (t *liveTail) start(ctx context.Context) error {
	cl, err := kafkaio.NewKgo(t.brokers, kgo.ConsumeTopics(t.topic),
		kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()),
		// Answer as soon as one record is there: the tail measures when
		// a record becomes visible, not how a batch fills.
		kgo.FetchMinBytes(1), kgo.FetchMaxWait(100*time.Millisecond),
		kgo.MetadataMinAge(100*time.Millisecond))
	if err != nil {
		return err
	}
	ctx, t.cancel = context.WithCancel(ctx)
	go func() {
		defer close(t.done)
		defer cl.Close()
		for {
			fs := cl.PollFetches(ctx)
			if ctx.Err() != nil {
				return
			}
			now := time.Now()
			var ferr error
			fs.EachError(func(_ string, _ int32, err error) {
				// franz-go retries what can be retried by itself (a topic
				// not yet known, a leader moving); what it hands back
				// here cannot be.
				if ferr == nil && !errors.Is(err, context.Canceled) && !kerr.IsRetriable(err) {
					ferr = err
				}
			})
			t.mu.Lock()
			if ferr != nil && t.err == nil {
				t.err = ferr
			}
			fs.EachRecord(func(r *kgo.Record) {
				t.seen = append(t.seen, arrival{partition: r.Partition, offset: r.Offset, event: r.Timestamp, seen: now})
				t.n.Add(1)
			})
			t.mu.Unlock()
		}
	}()
	return nil
}

// count is the records read so far, or the error that stopped the reading.
func (t *liveTail) count() (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n.Load(), t.err
}

// halt ends the reading and returns every arrival seen.
func (t *liveTail) halt() []arrival {
	if t.cancel == nil {
		return nil
	}
	t.cancel()
	<-t.done
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.seen
}
