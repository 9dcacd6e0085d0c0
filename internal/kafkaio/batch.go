package kafkaio

import (
	"context"
	"errors"

	"time"

	"github.com/segmentio/kafka-go"
)

// Fetcher is the part of *kafka.Reader that NextBatch uses.
type Fetcher interface {
	FetchMessage(ctx context.Context) (kafka.Message, error)
}

// NextBatch fetches up to max messages. It waits up to wait for the first
// one (returning an empty batch, no error, if none comes, so callers can look
// at the clock), then keeps adding until max or until linger has passed since
// the first. A message not returned stays in the reader: cancelling a fetch
// loses nothing. It returns ctx.Err() only when ctx ends before any message,
// and a read error only when no message came before it: a batch in hand is
// handed over (the reader goes on after an error, from the next offset, so
// dropping it would skip its records), and the error, if it persists, comes
// back from the next call.
func NextBatch(ctx context.Context, r Fetcher, max int, linger, wait time.Duration) ([]kafka.Message, error) {
	return NextBatchInto(ctx, r, nil, max, linger, wait)
}

// NextBatchInto is NextBatch appending to buf[:0], so that a caller done
// with one batch before it fetches the next reuses its memory.
func NextBatchInto(ctx context.Context, r Fetcher, buf []kafka.Message, max int, linger, wait time.Duration) ([]kafka.Message, error) {
	first, err := fetchWithin(ctx, r, wait)
	if err != nil || first == nil {
		return nil, err
	}
	batch := buf[:0]
	if cap(batch) < max {
		batch = make([]kafka.Message, 0, max)
	}
	batch = append(batch, *first)
	lctx, cancel := context.WithTimeout(ctx, linger)
	defer cancel()
	for len(batch) < max {
		m, err := r.FetchMessage(lctx)
		if err != nil {
			break // linger over, ctx ended, or a read error: hand over what we have
		}
		batch = append(batch, m)
	}
	return batch, nil
}

// fetchWithin fetches one message, or nil if none arrives within wait.
func fetchWithin(ctx context.Context, r Fetcher, wait time.Duration) (*kafka.Message, error) {
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	m, err := r.FetchMessage(wctx)
	if err == nil {
		return &m, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, nil
	}
	return nil, err
}

// LastPerPartition returns the last message of each topic-partition in
// batch: committing those commits the whole batch.
func LastPerPartition(batch []kafka.Message) []kafka.Message {
	type tp struct {
		topic string
		part  int
	}
	last := make(map[tp]kafka.Message)
	for _, m := range batch {
		k := tp{m.Topic, m.Partition}
		if cur, ok := last[k]; !ok || m.Offset > cur.Offset {
			last[k] = m
		}
	}
	out := make([]kafka.Message, 0, len(last))
	for _, m := range last {
		out = append(out, m)
	}
	return out
}

// Header returns the value of the first header named key, or "".
func Header(m kafka.Message, key string) string {
	for _, h := range m.Headers {
		if h.Key == key {
			return string(h.Value)
		}
	}
	return ""
}
