package bench

import (
	"context"
	"fmt"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// pollTimeout bounds one read of a group's committed offsets.
const pollTimeout = 5 * time.Second

// committed reads how many records of a topic a consumer group has
// committed. The topic is fresh, so a partition's committed offset is the
// number of its records done. One OffsetFetch request per read: the input's
// end offsets do not change during a run, so kafkaio.GroupLag's other two
// requests would only load the broker.
type committed struct {
	client *kafka.Client
	group  string
	topic  string
	parts  []int
}

func newCommitted(ctx context.Context, brokers []string, group, topic string) (committed, error) {
	parts, err := kafkaio.Partitions(ctx, brokers, topic)
	if err != nil {
		return committed{}, err
	}
	return committed{client: kafkaio.Client(brokers), group: group, topic: topic, parts: parts}, nil
}

func (c committed) read(ctx context.Context) (int64, error) {
	ctx, cancel := context.WithTimeout(ctx, pollTimeout)
	defer cancel()
	resp, err := c.client.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: c.group, Topics: map[string][]int{c.topic: c.parts}})
	if err != nil {
		return 0, fmt.Errorf("fetching the offsets of group %s: %w", c.group, err)
	}
	if resp.Error != nil {
		return 0, fmt.Errorf("fetching the offsets of group %s: %w", c.group, resp.Error)
	}
	var n int64
	for _, p := range resp.Topics[c.topic] {
		if p.CommittedOffset > 0 {
			n += p.CommittedOffset
		}
	}
	return n, nil
}

// watch polls c every interval until the group has committed total records
// and records in tl when each advance was seen. It fails when the process
// exits first or ctx ends; a failed poll is retried until then.
func watch(ctx context.Context, c committed, proc *child, total int64, interval time.Duration, tl *timeline, progress func(done int64)) error {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	var (
		last    int64
		lastErr error
		exited  bool
	)
	for {
		n, err := c.read(ctx)
		now := time.Now()
		if err != nil {
			lastErr = err
		} else if n != last {
			tl.commits = append(tl.commits, now)
			last = n
			progress(n)
		}
		switch {
		case last >= total:
			return nil
		case exited:
			return proc.failed(fmt.Errorf("exited (%v) with %d of %d events committed (last poll error: %v)", proc.err, last, total, lastErr))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s: %d of %d events committed when it timed out: %w (last poll error: %v)",
				proc.name, last, total, ctx.Err(), lastErr)
		case <-proc.done:
			exited = true // read once more: it may have committed the end just before
		case <-tick.C:
		}
	}
}
