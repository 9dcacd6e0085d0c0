package bench

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
)

// liveTail follows a live topic as its records arrive, from the beginning: it
// counts them and measures each one's latency, from its timestamp (the
// event time the load generator stamped when it created the event) until
// it was read here.
type liveTail struct {
	brokers []string
	topic   string
	group   string

	n      atomic.Int64
	mu     sync.Mutex
	lat    []time.Duration
	err    error
	cancel context.CancelFunc
	done   chan struct{}
}

func newTail(brokers []string, topic, group string) *liveTail {
	return &liveTail{brokers: brokers, topic: topic, group: group, done: make(chan struct{})}
}

// start begins reading in a goroutine that stop ends.
func (t *liveTail) start(ctx context.Context) {
	ctx, t.cancel = context.WithCancel(ctx)
	rd := kafkaio.NewGroupReader(kafkaio.ReaderConfig{Brokers: t.brokers, Group: t.group, Topics: []string{t.topic}})
	go func() {
		defer close(t.done)
		defer rd.Close()
		for {
			m, err := rd.FetchMessage(ctx)
			if err != nil {
				if ctx.Err() == nil {
					t.mu.Lock()
					t.err = err
					t.mu.Unlock()
				}
				return
			}
			seen := time.Now()
			t.mu.Lock()
			t.lat = append(t.lat, seen.Sub(m.Time))
			t.mu.Unlock()
			t.n.Add(1)
		}
	}()
}

// count is the records read so far, or the error that stopped the reading.
func (t *liveTail) count() (int64, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.n.Load(), t.err
}

// stop ends the reading and returns the latencies' p50 and p99. It may be
// called before start and more than once.
func (t *liveTail) stop() (p50, p99 time.Duration) {
	if t.cancel == nil {
		return 0, 0
	}
	t.cancel()
	<-t.done
	t.mu.Lock()
	defer t.mu.Unlock()
	lat := t.lat
	return percentile(lat, 0.50), percentile(lat, 0.99)
}
