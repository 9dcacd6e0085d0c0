package demo

import (
	"context"
	"fmt"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
)

// pollEvery is how often the demo reads offsets and the diffstore while it
// waits for its pipeline.
const pollEvery = 100 * time.Millisecond

// gateRecheck is how long a passed gate stays open without reading
// offsets again: the load asks twenty times a second, and the reads cost
// the broker more than the events do.
const gateRecheck = 500 * time.Millisecond

// aheadLimit is how many upstream events the load may run ahead of the
// slowest part of the pipeline: two seconds of traffic, at least 1000.
func (s *stage) aheadLimit() int64 { return max(int64(2*s.cfg.Rate), 1000) }

// behind returns how many records the slowest part of the pipeline has yet
// to handle: v1's and v2's uncommitted events of orders, and the records of
// rtcim.v1 and rtcim.v2 the comparator has not read.
func (s *stage) behind(ctx context.Context) (int64, error) {
	var worst int64
	for _, g := range []string{"demo-v1", "demo-v2"} {
		lag, err := kafkaio.GroupLag(ctx, s.brokers, g, topicOrders)
		if err != nil {
			return 0, err
		}
		worst = max(worst, kafkaio.Sum(lag))
	}
	sum, err := s.store.Summary(ctx, s.run)
	if err != nil {
		return 0, err
	}
	for topic, read := range map[string]int64{topicV1: sum.ReadControl, topicV2: sum.ReadCandidate} {
		ends, err := kafkaio.EndOffsets(ctx, s.brokers, topic)
		if err != nil {
			return 0, err
		}
		worst = max(worst, kafkaio.Sum(ends)-read)
	}
	return worst, nil
}

// gate holds the load while the pipeline is more than aheadLimit behind:
// on a busy machine the traffic slows down instead of the comparator's
// lag growing past the plan's max_comparator_lag, which would hold the
// gate closed and the story with it. The story is thus paced by what the
// pipeline has handled, not by the wall clock.
func (s *stage) gate(ctx context.Context) error {
	if time.Since(s.gateOK) < gateRecheck {
		return nil
	}
	for {
		n, err := s.behind(ctx)
		if err == nil && n <= s.aheadLimit() {
			s.gateOK = time.Now()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pollEvery):
		}
	}
}

// faultGone waits until the comparator has read every record v1 wrote
// while its fault was on: v1 has committed every upstream event that
// existed when the fault stopped (so it wrote their records, the last
// ones that could carry the fault), and the comparator has read rtcim.v1
// up to where it ended then. Only then does resuming judge clean records.
func (s *stage) faultGone(ctx context.Context, errs <-chan error) error {
	upstream, err := kafkaio.EndOffsets(ctx, s.brokers, topicOrders)
	if err != nil {
		return err
	}
	var mark int64 // rtcim.v1's end once v1 is past upstream
	return s.poll(ctx, errs, pollEvery, "the comparator has read every record of the faulty v1", func() bool {
		if mark == 0 {
			committed, err := kafkaio.CommittedOffsets(ctx, s.brokers, "demo-v1", topicOrders)
			if err != nil {
				return false
			}
			for p, end := range upstream {
				if committed[p] < end {
					return false
				}
			}
			ends, err := kafkaio.EndOffsets(ctx, s.brokers, topicV1)
			if err != nil {
				return false
			}
			mark = kafkaio.Sum(ends)
		}
		sum, err := s.store.Summary(ctx, s.run)
		return err == nil && sum.ReadControl >= mark
	})
}

// poll checks cond once per period every until it holds, ctx ends or a
// component fails.
func (s *stage) poll(ctx context.Context, errs <-chan error, every time.Duration, what string, cond func() bool) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting until %s: %w", what, ctx.Err())
		case err := <-errs:
			return fmt.Errorf("waiting until %s: %w", what, err)
		case <-t.C:
		}
	}
	return nil
}
