package producer

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
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
	events  int             // records fetched
	commits []kafka.Message // the last fetched record of each partition: what the write covers
	out     []kafka.Message // records and dead letters, in the order of the batch
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
//
// The result refers to none of batch's memory but the values of dead
// letters, so the caller may fetch the next batch into batch at once.
func convertBatch(cfg Config, conv Converter, batch []kafka.Message, workers int) (converted, error) {
	c := converted{events: len(batch), commits: kafkaio.LastPerPartition(batch), dead: map[string]int64{}}
	chunks := max(1, min(workers, (len(batch)+minChunk-1)/minChunk))
	parts := make([]chunkResult, chunks)
	one, single := conv.(singleConverter)
	var out []kafka.Message
	if single {
		// One output per input at most: each chunk fills its own part of
		// out, and the holes of records dropped without a DLQ are closed
		// below.
		out = make([]kafka.Message, len(batch))
	}
	convert := func(i int) {
		lo, hi := i*len(batch)/chunks, (i+1)*len(batch)/chunks
		if single {
			parts[i] = convertEach(cfg, one, batch[lo:hi], out[lo:hi])
		} else {
			parts[i] = convertChunk(cfg, conv, batch[lo:hi])
		}
	}
	if chunks == 1 {
		convert(0)
	} else {
		var wg sync.WaitGroup
		for i := range parts {
			wg.Go(func() { convert(i) })
		}
		wg.Wait()
	}
	for _, p := range parts {
		if p.err != nil {
			return c, p.err
		}
		c.records += p.records
		for code, k := range p.dead {
			c.dead[code] += k
		}
	}
	if single {
		c.out = slices.DeleteFunc(out, func(m kafka.Message) bool { return m.Topic == "" })
		return c, nil
	}
	for _, p := range parts {
		c.out = append(c.out, p.out...)
	}
	return c, nil
}

// singleConverter is a Converter that makes one record of each upstream
// record, or rejects it: Serve then spares a slice per record.
type singleConverter interface {
	convertOne(m kafka.Message) (kafka.Message, error)
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
func convertChunk(cfg Config, conv Converter, msgs []kafka.Message) chunkResult {
	res := chunkResult{out: make([]kafka.Message, 0, len(msgs)), dead: map[string]int64{}}
	for _, m := range msgs {
		start := time.Now()
		recs, err := conv.Convert(m)
		cfg.Metrics.observeTransform(time.Since(start))
		if err != nil {
			dl, ok, err := reject(cfg, m, err, res.dead)
			if err != nil {
				res.err = err
				return res
			}
			if ok {
				res.out = append(res.out, dl)
			}
			continue
		}
		for i := range recs {
			recs[i].Topic = cfg.To
		}
		res.out = append(res.out, recs...)
		res.records += len(recs)
	}
	return res
}

// convertEach converts msgs in order into out[i] (len(msgs)): the record
// (Topic cfg.To) or, rejected, the dead letter on cfg.DLQ; out[i] stays
// empty (no Topic) for a record rejected without a DLQ.
func convertEach(cfg Config, conv singleConverter, msgs, out []kafka.Message) chunkResult {
	res := chunkResult{dead: map[string]int64{}}
	for i, m := range msgs {
		start := time.Now()
		rec, err := conv.convertOne(m)
		cfg.Metrics.observeTransform(time.Since(start))
		if err != nil {
			dl, ok, err := reject(cfg, m, err, res.dead)
			if err != nil {
				res.err = err
				return res
			}
			if ok {
				out[i] = dl
			}
			continue
		}
		rec.Topic = cfg.To
		out[i] = rec
		res.records++
	}
	return res
}

// reject counts m's rejection cause in dead and returns its dead letter
// (false when there is no DLQ). A cause that is not an *oink.InputError
// (a bug, not bad input) is returned as an error naming m's position.
func reject(cfg Config, m kafka.Message, cause error, dead map[string]int64) (kafka.Message, bool, error) {
	ie, ok := oink.AsInputError(cause)
	if !ok {
		return kafka.Message{}, false, fmt.Errorf("converting %s/%d@%d: %w", m.Topic, m.Partition, m.Offset, cause)
	}
	dead[ie.Code]++
	cfg.Metrics.deadLetter(ie.Code)
	cfg.Log.Debug("dead letter", "topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "code", ie.Code, "field", ie.Field)
	if cfg.DLQ == "" {
		return kafka.Message{}, false, nil
	}
	return deadletter.Record(m, cfg.DLQ, cfg.Name, ie, time.Now()), true, nil
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
	s.st.EventsIn += int64(c.events)
	s.st.RecordsOut += int64(c.records)
	s.st.Batches++
	for code, n := range c.dead {
		s.st.DeadLetter += n
		s.st.ByCode[code] += n
	}
	s.cfg.Metrics.countBatch(c.events, c.records)
	return commit(ctx, s.cfg, s.r, c.commits)
}
