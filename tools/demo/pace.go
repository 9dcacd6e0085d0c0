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

// faultGone waits until the comparator has judged every record v1 wrote
// while its fault was on. Reading v1's records is not enough: a record
// waits in the join until its v2 partner is read, and a v2 behind on a
// busy machine made the comparator judge faulty pairs after the resume,
// inside the new stage's window, which rolled the cutover back a second
// time. So both versions must have committed every upstream event that
// existed when the fault stopped (they wrote the records of every event
// that could carry the fault, and their partners), and the comparator
// must have read rtcim.v1 and rtcim.v2 up to where they ended then: every
// pair of a faulty record has then been judged (or is missing a partner,
// which the gate counts too), and resuming judges clean records only.
func (s *stage) faultGone(ctx context.Context, errs <-chan error) error {
	upstream, err := kafkaio.EndOffsets(ctx, s.brokers, topicOrders)
	if err != nil {
		return err
	}
	var marks map[string]int64 // rtcim.v1's and rtcim.v2's ends once both are past upstream
	return s.poll(ctx, errs, pollEvery, "the comparator has judged every record of the faulty v1", func() bool {
		if marks == nil {
			m, ok := s.outputEnds(ctx, upstream)
			if !ok {
				return false
			}
			marks = m
		}
		sum, err := s.store.Summary(ctx, s.run)
		return err == nil && sum.ReadControl >= marks[topicV1] && sum.ReadCandidate >= marks[topicV2]
	})
}

// outputEnds returns the ends of rtcim.v1 and rtcim.v2 once v1 and v2 have
// both committed every event of upstream (offsets per partition of
// orders); false while either has not.
func (s *stage) outputEnds(ctx context.Context, upstream map[int]int64) (map[string]int64, bool) {
	for _, g := range []string{"demo-v1", "demo-v2"} {
		committed, err := kafkaio.CommittedOffsets(ctx, s.brokers, g, topicOrders)
		if err != nil {
			return nil, false
		}
		for p, end := range upstream {
			if committed[p] < end {
				return nil, false
			}
		}
	}
	marks := map[string]int64{}
	for _, topic := range []string{topicV1, topicV2} {
		ends, err := kafkaio.EndOffsets(ctx, s.brokers, topic)
		if err != nil {
			return nil, false
		}
		marks[topic] = kafkaio.Sum(ends)
	}
	return marks, true
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
