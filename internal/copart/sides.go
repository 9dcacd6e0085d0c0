package copart

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// Sides reads partition p of several topics from chosen offsets and merges
// them into one stream. Records of one topic arrive in offset order; the
// interleaving of topics is whatever the broker delivers. It owns one
// goroutine per topic, stopped by Close.
type Sides struct {
	topics  []string
	readers []*kafka.Reader
	client  *kafka.Client
	ch      chan sideMsg
	cancel  context.CancelFunc
	wg      sync.WaitGroup

	mu   sync.Mutex
	last []position // per topic: last offset delivered and its high watermark
	err  error
}

type sideMsg struct {
	topic int
	msg   kafka.Message
}

type position struct {
	offset, hwm int64
	at          time.Time
}

// OpenSides starts reading partition p of each topic at offsets[i]
// (kafka.FirstOffset for the start of the partition).
func OpenSides(brokers, topics []string, p int, offsets []int64) (*Sides, error) {
	if len(offsets) != len(topics) {
		return nil, fmt.Errorf("copart: %d offsets for %d topics", len(offsets), len(topics))
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Sides{topics: topics, ch: make(chan sideMsg, 4096), cancel: cancel, last: make([]position, len(topics)),
		client: &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}}
	for i, t := range topics {
		r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: t, Partition: p,
			MinBytes: 1, MaxBytes: 4 << 20, MaxWait: 200 * time.Millisecond, QueueCapacity: 1000})
		if err := r.SetOffset(offsets[i]); err != nil {
			cancel()
			return nil, fmt.Errorf("copart: seeking %s/%d to %d: %w", t, p, offsets[i], err)
		}
		s.readers = append(s.readers, r)
		s.last[i] = position{offset: offsets[i] - 1, hwm: -1, at: time.Now()}
		s.wg.Add(1)
		go s.pump(ctx, i, r)
	}
	return s, nil
}

// pump moves one topic's records into the merged channel.
func (s *Sides) pump(ctx context.Context, i int, r *kafka.Reader) {
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
		case s.ch <- sideMsg{topic: i, msg: m}:
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

// Next returns up to max records: it waits up to wait for the first, then
// takes what arrives within linger.
func (s *Sides) Next(ctx context.Context, max int, linger, wait time.Duration) ([]Msg, error) {
	if err := s.Err(); err != nil {
		return nil, err
	}
	var out []Msg
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for len(out) < max {
		select {
		case <-ctx.Done():
			return out, nil
		case sm := <-s.ch:
			out = append(out, Msg{Topic: sm.topic, Message: sm.msg})
			s.note(sm)
			if len(out) == 1 {
				timer.Reset(linger)
			}
		case <-timer.C:
			return out, nil
		}
	}
	return out, nil
}

func (s *Sides) note(sm sideMsg) {
	s.mu.Lock()
	s.last[sm.topic] = position{offset: sm.msg.Offset, hwm: sm.msg.HighWaterMark, at: time.Now()}
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
	if time.Since(last.at) < d || len(s.ch) > 0 {
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
	t, p := s.topics[i], s.readers[i].Config().Partition
	resp, err := s.client.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{
		t: {kafka.FirstOffsetOf(p), kafka.LastOffsetOf(p)}}})
	if err != nil {
		return 0, 0, err
	}
	for _, po := range resp.Topics[t] {
		if po.Partition == p {
			if po.Error != nil {
				return 0, 0, po.Error
			}
			return po.FirstOffset, po.LastOffset, nil
		}
	}
	return 0, 0, fmt.Errorf("no offsets for %s/%d", t, p)
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
