package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// pollTimeout bounds one read of a pipeline's progress.
const pollTimeout = 5 * time.Second

// progress is how far a measured pipeline has come at one poll.
type progress struct {
	// done counts what the pipeline has finished (committed input records,
	// compared records, records on the live topic): its advances are the
	// timeline's commits.
	done int64
	// parts is done per partition, for roles whose partitions commit on
	// their own (nil otherwise).
	parts map[int]int64
	// complete is true once the pipeline has done all its work.
	complete bool
}

// progressReader reads a pipeline's progress. A failed read is retried at
// the next poll.
type progressReader func(ctx context.Context) (progress, error)

// committed reads how many records of some topics a consumer group has
// committed. The topics are fresh, so a partition's committed offset is the
// number of its records done. One OffsetFetch request per read: the inputs'
// end offsets do not change while a pipeline is measured, so
// kafkaio.GroupLag's other two requests would only load the broker.
type committed struct {
	client *kafka.Client
	group  string
	topics map[string][]int
}

func newCommitted(ctx context.Context, brokers []string, group string, topics ...string) (committed, error) {
	c := committed{client: kafkaio.Client(brokers), group: group, topics: map[string][]int{}}
	for _, t := range topics {
		parts, err := kafkaio.Partitions(ctx, brokers, t)
		if err != nil {
			return committed{}, err
		}
		c.topics[t] = parts
	}
	return c, nil
}

// read returns the records committed in all topics, and per partition id
// (summed over the topics).
func (c committed) read(ctx context.Context) (int64, map[int]int64, error) {
	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	resp, err := c.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: c.group, Topics: c.topics})
	if err != nil {
		return 0, nil, fmt.Errorf("fetching the offsets of group %s: %w", c.group, err)
	}
	if resp.Error != nil {
		return 0, nil, fmt.Errorf("fetching the offsets of group %s: %w", c.group, resp.Error)
	}
	var n int64
	parts := map[int]int64{}
	for t := range c.topics {
		for _, p := range resp.Topics[t] {
			if p.CommittedOffset > 0 {
				n += p.CommittedOffset
				parts[p.Partition] += p.CommittedOffset
			}
		}
	}
	return n, parts, nil
}

// until is a progressReader complete once the group has committed total
// records of its topics.
func (c committed) until(total int64) progressReader {
	return func(ctx context.Context) (progress, error) {
		n, parts, err := c.read(ctx)
		return progress{done: n, parts: parts, complete: n >= total}, err
	}
}

// watch polls read every interval until the pipeline is complete and
// records in tl when each advance was seen. It fails when a process that
// must run until then exits first, when any process fails, or when ctx
// ends; a failed poll is retried until then.
func watch(ctx context.Context, read progressReader, procs []*proc, interval time.Duration, tl *timeline, report func(done int64)) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var (
		last     progress
		lastErr  error
		seen     bool
		exitSeen bool
	)
	for {
		p, err := read(ctx)
		now := time.Now()
		if err != nil {
			lastErr = err
		} else {
			tl.observe(now, last, p, seen)
			if !seen || p.done != last.done {
				report(p.done)
			}
			last, seen = p, true
		}
		if last.complete {
			return nil
		}
		if err := exitedEarly(procs, last.done, lastErr); err != nil {
			if exitSeen {
				return err
			}
			exitSeen = true // read once more: it may have finished just before
			continue
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %d done when it timed out: %w (last poll error: %v)", names(procs), last.done, ctx.Err(), lastErr)
		case <-tick.C:
		}
	}
}

// exitedEarly returns an error when a process failed, or when one that must
// run until the end has exited.
func exitedEarly(procs []*proc, done int64, lastErr error) error {
	for _, p := range procs {
		select {
		case <-p.Done():
		default:
			continue
		}
		if err := p.Err(); err != nil || p.spec.untilEnd {
			return p.Failed(fmt.Errorf("exited (%v) with %d done (last poll error: %v)", err, done, lastErr))
		}
	}
	return nil
}
