package copart

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// Sides reads partition p of several topics from chosen offsets and merges
// them into one stream. Records of one topic arrive in offset order; the
// interleaving of topics is whatever the broker delivers. It owns one
// goroutine per topic, stopped by Close.
type Sides struct {
	topics  []string
	readers []*kafka.Reader
	brokers []string
	ch      []chan kafka.Message // per topic
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu   sync.Mutex
	last []position // per topic: last offset delivered and its high watermark
	err  error
}

// position is the last record delivered from a topic, and when.
type position struct {
	offset int64
	at     time.Time
}

// Buffers bounds what Sides reads ahead per topic: a member may own many
// partitions, and each reader's fetch and queues are held per partition and
// topic.
type Buffers struct {
	// MaxBytes is the most a reader fetches at once, default 1 MiB.
	MaxBytes int
	// Queue is how many records each topic may have read but not yet taken
	// by Next, default 64 in kafka-go's queue and 64 more in Sides'.
	Queue int
}

// DefaultBuffers are the comparator's read-ahead buffers.
var DefaultBuffers = Buffers{MaxBytes: 1 << 20, Queue: 64}

// OpenSides starts reading partition p of each topic at offsets[i]
// (kafka.FirstOffset for the start of the partition) with DefaultBuffers.
// It supports one or two topics.
func OpenSides(brokers, topics []string, p int, offsets []int64) (*Sides, error) {
	return OpenSidesWith(brokers, topics, p, offsets, DefaultBuffers)
}

// OpenSidesWith is OpenSides with chosen read-ahead buffers; a zero field
// takes its DefaultBuffers value.
func OpenSidesWith(brokers, topics []string, p int, offsets []int64, buf Buffers) (*Sides, error) {
	if buf.MaxBytes <= 0 {
		buf.MaxBytes = DefaultBuffers.MaxBytes
	}
	if buf.Queue <= 0 {
		buf.Queue = DefaultBuffers.Queue
	}
	if len(topics) == 0 || len(topics) > 2 {
		return nil, fmt.Errorf("copart: %d topics; Sides reads one or two", len(topics))
	}
	if len(offsets) != len(topics) {
		return nil, fmt.Errorf("copart: %d offsets for %d topics", len(offsets), len(topics))
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sides{topics: topics, cancel: cancel, last: make([]position, len(topics)),
		brokers: brokers}
	for i, t := range topics {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: t, Partition: p,
			MinBytes: 1, MaxBytes: buf.MaxBytes, MaxWait: kafkaio.ReaderMaxWait, QueueCapacity: buf.Queue})
		if err := r.SetOffset(offsets[i]); err != nil {
			cancel()
			return nil, fmt.Errorf("copart: seeking %s/%d to %d: %w", t, p, offsets[i], err)
		}
		ch := make(chan kafka.Message, buf.Queue)
		s.readers = append(s.readers, r)
		s.ch = append(s.ch, ch)
		s.last[i] = position{offset: offsets[i] - 1, at: time.Now()}
		s.wg.Add(1)
		// The pump gets its channel, not s.ch: the next iteration's append
		// rewrites s.ch while this pump runs (a data race -race caught).
		go s.pump(ctx, i, r, ch)
	}
	return s, nil
}

// pump moves topic i's records from r into ch, its queue.
func (s *Sides) pump(ctx context.Context, i int, r *kafka.Reader, ch chan<- kafka.Message) {
	defer s.wg.Done()
	for {
		m, err := r.ReadMessage(ctx)
		if err != nil {
			if ctx.Err() == nil {
				s.mu.Lock()
				s.err = fmt.Errorf("reading %s/%d: %w", s.topics[i], m.Partition, err)
				s.mu.Unlock()
			}
			return
		}
		select {
		case ch <- m:
		case <-ctx.Done():
			return
		}
	}
}

// Msg is a record with the index of its topic.
type Msg struct {
	Topic int // index into the topics given to OpenSides
	kafka.Message
}

// Next returns up to max records of the topics whose allow entry is true
// (nil allows all): it waits up to wait for the first, then takes what
// arrives within linger. A topic not allowed is not read: its records stay
// in the broker, which is how a caller bounds what it holds in memory.
func (s *Sides) Next(ctx context.Context, max int, linger, wait time.Duration, allow []bool) ([]Msg, error) {
	return s.NextInto(ctx, nil, max, linger, wait, allow)
}

// NextInto is Next appending to buf[:0] when it has room for max records:
// a caller done with a batch before it asks for the next one reuses its
// memory (a fresh slice per batch, grown as records came, was a seventh
// of the comparator's allocated bytes).
func (s *Sides) NextInto(ctx context.Context, buf []Msg, max int, linger, wait time.Duration, allow []bool) ([]Msg, error) {
	if err := s.Err(); err != nil {
		return nil, err
	}
	chans := make([]chan kafka.Message, len(s.ch))
	for i, c := range s.ch {
		if allow == nil || allow[i] {
			chans[i] = c // a nil channel is never ready
		}
	}
	// Room for what is buffered now: growing from nothing copied each
	// batch's records several times (a quarter of the comparator's bytes).
	buffered := 0
	for _, c := range chans {
		buffered += len(c)
	}
	out := buf[:0]
	if cap(out) < max {
		out = make([]Msg, 0, min(max, buffered+16))
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	take := func(i int, m kafka.Message) {
		out = append(out, Msg{Topic: i, Message: m})
		s.note(i, m)
		if len(out) == 1 {
			timer.Reset(linger)
		}
	}
	for len(out) < max {
		// Two topics are the common case; select over both.
		var c0, c1 chan kafka.Message
		c0 = chans[0]
		if len(chans) > 1 {
			c1 = chans[1]
		}
		select {
		case <-ctx.Done():
			return out, nil
		case m := <-c0:
			take(0, m)
		case m := <-c1:
			take(1, m)
		case <-timer.C:
			return out, nil
		}
	}
	return out, nil
}

func (s *Sides) note(i int, m kafka.Message) {
	s.mu.Lock()
	s.last[i] = position{offset: m.Offset, at: time.Now()}
	s.mu.Unlock()
}

// Err returns the first read error, if any.
func (s *Sides) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Idle reports whether topic i is caught up and quiet: nothing arrived
// for d, nothing is buffered, and the partition's end offset is right after
// the last record delivered (or, if none was, the partition holds nothing
// from the start offset on).
func (s *Sides) Idle(ctx context.Context, i int, d time.Duration) bool {
	s.mu.Lock()
	last := s.last[i]
	s.mu.Unlock()
	if time.Since(last.at) < d || len(s.ch[i]) > 0 {
		return false
	}
	first, end, err := s.bounds(ctx, i)
	if err != nil {
		return false
	}
	next := last.offset + 1
	if next < first { // started at FirstOffset (-2) and delivered nothing
		next = first
	}
	return next >= end
}

// bounds returns the first and end offsets of topic i's partition.
func (s *Sides) bounds(ctx context.Context, i int) (first, end int64, err error) {
	return kafkaio.PartitionBounds(ctx, s.brokers, s.topics[i], s.readers[i].Config().Partition)
}

// Close stops reading.
func (s *Sides) Close() error {
	s.cancel()
	s.wg.Wait()
	var first error
	for _, r := range s.readers {
		if err := r.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
