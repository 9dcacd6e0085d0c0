package producer

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/segmentio/kafka-go"
)

// ConcurrentConverter is a Converter whose Convert is safe to call from
// several goroutines at once, and while the previous batch's BeforeWrite,
// write and AfterWrite run. Serve converts such a converter's batches on
// every core (Config.Workers), the next batch while the previous one is
// written; any other Converter one record at a time, each batch written
// before the next is fetched.
type ConcurrentConverter interface {
	Converter
	// ConvertsConcurrently reports whether Convert may run concurrently.
	ConvertsConcurrently() bool
}

// concurrent reports whether Serve may convert conv's records in parallel
// and overlap conversion with writing.
func concurrent(conv Converter) bool {
	cc, ok := conv.(ConcurrentConverter)
	return ok && cc.ConvertsConcurrently()
}

// converted is one fetched batch, converted and ready to write.
type converted struct {
	batch   []kafka.Message // the fetched records, whose offsets the write covers
	out     []kafka.Message // records and dead letters, in the order of batch
	records int             // records in out that are not dead letters
	dead    map[string]int64
	fetched time.Time
}

// minChunk is the fewest records a conversion goroutine gets: below it the
// cost of starting one outweighs the work.
const minChunk = 64

// convertBatch converts batch with up to workers goroutines, each a
// contiguous chunk, and joins their outputs in batch order, so the records
// of one partition keep the order of their sources. An error that is not
// an *oink.InputError (a bug, not bad input) is returned with the position
// of its record; the batch is then neither written nor committed.
func convertBatch(cfg Config, conv Converter, batch []kafka.Message, workers int) (converted, error) {
	c := converted{batch: batch, dead: map[string]int64{}}
	chunks := min(workers, (len(batch)+minChunk-1)/minChunk)
	if chunks <= 1 {
		part, err := convertChunk(cfg, conv, batch)
		c.out, c.records, c.dead = part.out, part.records, part.dead
		return c, err
	}
	parts := make([]chunkResult, chunks)
	var wg sync.WaitGroup
	for i := range parts {
		lo, hi := i*len(batch)/chunks, (i+1)*len(batch)/chunks
		wg.Go(func() {
			parts[i], parts[i].err = convertChunk(cfg, conv, batch[lo:hi])
		})
	}
	wg.Wait()
	n := 0
	for _, p := range parts {
		if p.err != nil {
			return c, p.err
		}
		n += len(p.out)
	}
	c.out = make([]kafka.Message, 0, n)
	for _, p := range parts {
		c.out = append(c.out, p.out...)
		c.records += p.records
		for code, k := range p.dead {
			c.dead[code] += k
		}
	}
	return c, nil
}

// chunkResult is what convertChunk made of a part of a batch.
type chunkResult struct {
	out     []kafka.Message
	records int
	dead    map[string]int64
	err     error
}

// convertChunk converts msgs in order: each to its records (Topic set to
// cfg.To) or, rejected, to a dead letter on cfg.DLQ.
func convertChunk(cfg Config, conv Converter, msgs []kafka.Message) (chunkResult, error) {
	res := chunkResult{out: make([]kafka.Message, 0, len(msgs)), dead: map[string]int64{}}
	for _, m := range msgs {
		start := time.Now()
		recs, err := conv.Convert(m)
		cfg.Metrics.observeTransform(time.Since(start))
		if err != nil {
			ie, ok := oink.AsInputError(err)
			if !ok {
				return res, fmt.Errorf("converting %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, err)
			}
			res.dead[ie.Code]++
			cfg.Metrics.deadLetter(ie.Code)
			cfg.Log.Debug("dead letter", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "code", ie.Code, "field", ie.Field)
			if cfg.DLQ != "" {
				res.out = append(res.out, deadletter.Record(m, cfg.DLQ, cfg.Name, ie, time.Now()))
			}
			continue
		}
		for i := range recs {
			recs[i].Topic = cfg.To
		}
		res.out = append(res.out, recs...)
		res.records += len(recs)
	}
	return res, nil
}

// workers is how many goroutines convert a batch of conv: GOMAXPROCS for
// a ConcurrentConverter unless cfg.Workers says otherwise, else one.
func workers(cfg Config, conv Converter) int {
	switch {
	case !concurrent(conv):
		return 1
	case cfg.Workers > 0:
		return cfg.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// writeStage writes converted batches in the order it receives them, each
// one's records acknowledged before its offsets are committed (invariant 1),
// and counts them in st. It returns at the first error, or nil once in is
// closed and drained.
type writeStage struct {
	cfg  Config
	conv Converter
	w    *kafka.Writer
	r    *kafka.Reader
	st   *Stats
}

func (s writeStage) run(ctx context.Context, in <-chan converted) error {
	for c := range in {
		if err := s.write(ctx, c); err != nil {
			return err
		}
	}
	return nil
}

// write writes, counts and commits one converted batch.
func (s writeStage) write(ctx context.Context, c converted) error {
	if err := s.conv.BeforeWrite(ctx, c.fetched); err != nil {
		return err
	}
	if err := writeAll(ctx, s.cfg, s.w, c.out); err != nil {
		return err
	}
	if err := s.conv.AfterWrite(); err != nil {
		return err
	}
	s.st.EventsIn += int64(len(c.batch))
	s.st.RecordsOut += int64(c.records)
	s.st.Batches++
	for code, n := range c.dead {
		s.st.DeadLetter += n
		s.st.ByCode[code] += n
	}
	s.cfg.Metrics.countBatch(len(c.batch), c.records)
	return commit(ctx, s.cfg, s.r, c.batch)
}
