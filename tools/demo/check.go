package demo

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/tui/style"
	"github.com/segmentio/kafka-go"
)

// drain waits until every component has consumed everything: v1 and v2 have
// committed all of orders, the comparator has read both topics to their ends
// with nothing pending, and the switch has committed both sources.
func (s *stage) drain(ctx context.Context, errs <-chan error) error {
	// A liveness bound: drained is decided by offsets and counts, and the
	// load never ran more than aheadLimit ahead of the pipeline.
	ctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	lagZero := func(group, topic string) bool {
		lag, err := kafkaio.GroupLag(ctx, s.brokers, group, topic)
		return err == nil && kafkaio.Sum(lag) == 0
	}
	ends := func(topic string) int64 {
		e, err := kafkaio.EndOffsets(ctx, s.brokers, topic)
		if err != nil {
			return -1
		}
		return kafkaio.Sum(e)
	}
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		if lagZero("demo-v1", topicOrders) && lagZero("demo-v2", topicOrders) &&
			lagZero("demo-switch", topicV1) && lagZero("demo-switch", topicV2) {
			sum, err := s.store.Summary(ctx, s.run)
			if err == nil && sum.ReadControl == ends(topicV1) && sum.ReadCandidate == ends(topicV2) &&
				sum.PendingControl == 0 && sum.PendingCandidate == 0 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("draining: %w", ctx.Err())
		case err := <-errs:
			return fmt.Errorf("draining: %w", err)
		case <-t.C:
		}
	}
}

// check reads the topics and the diffstore and checks the invariants.
func (s *stage) check(ctx context.Context, runErr error) {
	add := func(name string, ok bool, detail string) {
		s.sum.Checks = append(s.sum.Checks, Check{Name: name, OK: ok, Detail: detail})
	}
	if runErr != nil {
		add("the story ran to its end", false, runErr.Error())
	} else {
		add("the story ran to its end", true, fmt.Sprintf("%d cutover changes", len(s.sum.Stages)))
	}
	// Every read has a deadline and reports its error: a topic that could
	// not be read, or that is empty where records must be, fails the
	// checks that rest on it (no evidence is never read as 0 = 0).
	rctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	read := func(topic string, must bool) ([]kafka.Message, error) {
		return readEvidence(rctx, s.brokers, topic, must)
	}
	orders, errOrders := read(topicOrders, true)
	v1, errV1 := read(topicV1, true)
	v2, errV2 := read(topicV2, true)
	dlq, errDLQ := read(topicDLQ, false)
	live, errLive := read(topicLive, true)
	acc, err := producer.CheckNoLoss(orders, v2, dlq)
	err = errors.Join(errOrders, errV2, errDLQ, err)
	s.sum.Producer = acc
	if errOrders == nil {
		s.sum.Events = acc.Upstream // the events as the topic holds them, which invariant 1 accounts for
	}
	add("invariant 1: every upstream event is an RTCIM on rtcim.v2 or a dead letter, never both", err == nil,
		errText(err, fmt.Sprintf("%s events: %s RTCIMs, %s dead letters", n(acc.Upstream-acc.Copies), n(acc.Produced), n(acc.DeadLetters))))

	sum, err := s.store.Summary(ctx, s.run)
	if err == nil {
		c := sum.Counts
		ok := sum.AccountingHolds() && c.Unleveled() == 0
		s.sum.Comparator = ComparatorTotals{Pairs: c.Pairs, Equal: c.Equal, Identical: c.Identical, Equivalent: c.Equivalent,
			Accepted: c.Accepted, AcceptedByRule: sum.AcceptedByRule, Divergent: c.Divergent, MissingControl: c.MissingInControl,
			MissingCandidate: c.MissingInCandidate, DuplicatesV1: c.DuplicatesControl, Accounting: ok}
		if c.Pairs > 0 {
			s.sum.Downstream.IdenticalPairs = float64(c.Identical) / float64(c.Pairs)
		}
		add("invariant 2: the comparator's accounting adds up", ok, fmt.Sprintf(
			"on each side, records read = paired + missing on the other side + pending + duplicates + undecodable; "+
				"%s pairs = %s identical + %s equivalent + %s accepted + %s divergent",
			style.Count(c.Pairs), style.Count(c.Identical), style.Count(c.Equivalent), style.Count(c.Accepted), style.Count(c.Divergent)))
	} else {
		add("invariant 2: the comparator's accounting adds up", false, err.Error())
	}
	route, err := s.store.Route(ctx, s.run)
	if err == nil {
		err = errors.Join(errV1, errV2, errLive)
	}
	if err == nil {
		s.sum.Live, err = cutover.CheckLive(live, v1, v2, route, s.rules.Identity())
	}
	s.sum.Downstream.LiveRecords, s.sum.Downstream.CanTell = len(live), 0
	if err != nil {
		s.sum.Downstream.CanTell = -1
	}
	add("invariant 4: every identity is on the live topic exactly once, byte for byte as its owning version wrote it", err == nil,
		errText(err, fmt.Sprintf("%s records: %s from v1, %s from v2", n(s.sum.Live.Live), n(s.sum.Live.FromV1), n(s.sum.Live.FromV2))))
	add("the injected divergence rolled the cutover back", s.sum.Rollbacks >= 1, plural(s.sum.Rollbacks, "rollback"))
	add("the cutover ended promoted at 100%", s.sum.Final.Phase == cutover.Promoted && s.sum.Final.Percent == 100,
		fmt.Sprintf("%s at %g%%, stage %d/%d", s.sum.Final.Phase, s.sum.Final.Percent, s.sum.Final.Stage, s.sum.Final.Stages))
	s.sum.OK = true
	for _, c := range s.sum.Checks {
		s.sum.OK = s.sum.OK && c.OK
	}
}

// verifyTimeout bounds reading the topics for the final checks.
const verifyTimeout = 3 * time.Minute

// readEvidence reads a whole topic for a check. must says records are
// expected there: an empty topic is then an error, not an empty proof.
func readEvidence(ctx context.Context, brokers []string, topic string, must bool) ([]kafka.Message, error) {
	var out []kafka.Message
	err := kafkaio.ReadTopic(ctx, brokers, topic, func(m kafka.Message) error {
		out = append(out, m)
		return nil
	})
	switch {
	case err != nil:
		return out, fmt.Errorf("no evidence: reading %s: %w", topic, err)
	case must && len(out) == 0:
		return out, fmt.Errorf("no evidence: %s is empty", topic)
	}
	return out, nil
}

// n formats a count for people, with thousands separators.
func n(v int) string { return style.Count(int64(v)) }

// plural says "1 rollback", "2 rollbacks".
func plural(n int, what string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, what)
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func errText(err error, ok string) string {
	if err != nil {
		return err.Error()
	}
	return ok
}
