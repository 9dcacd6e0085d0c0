package bench

import (
	"context"
	"fmt"

	"github.com/oinkhq/oink/internal/kafkaio"
)

// check holds a finished pipeline to account: it read every event, reported
// one output per event, the output topics hold exactly what it reported,
// every invalid event (and only those) became a dead letter, and its group
// has no lag. Numbers from a pipeline that lost or duplicated records would
// measure something else.
func (r *runner) check(ctx context.Context, p Pipeline, n names, st childStats) error {
	events := int64(r.cfg.Events)
	if st.EventsIn != events || st.RecordsOut+st.DeadLetters != events {
		return fmt.Errorf("read %d events and wrote %d records + %d dead letters, want %d events in and out",
			st.EventsIn, st.RecordsOut, st.DeadLetters, events)
	}
	wantDead := int64(r.invalid)
	if p == RefRaw {
		wantDead = 0
	}
	if st.DeadLetters != wantDead {
		return fmt.Errorf("%d dead letters for %d invalid events", st.DeadLetters, wantDead)
	}
	if err := r.checkEnd(ctx, n.out, st.RecordsOut); err != nil {
		return err
	}
	if p != RefRaw {
		if err := r.checkEnd(ctx, n.dlq, st.DeadLetters); err != nil {
			return err
		}
	}
	lag, err := kafkaio.GroupLag(ctx, r.brokers, n.group, r.input)
	if err != nil {
		return err
	}
	if s := kafkaio.Sum(lag); s != 0 {
		return fmt.Errorf("group %s still lags %d records on %s", n.group, s, r.input)
	}
	return nil
}

// checkEnd checks that topic holds want records.
func (r *runner) checkEnd(ctx context.Context, topic string, want int64) error {
	ends, err := kafkaio.EndOffsets(ctx, r.brokers, topic)
	if err != nil {
		return err
	}
	if got := kafkaio.Sum(ends); got != want {
		return fmt.Errorf("topic %s holds %d records, the pipeline reported writing %d", topic, got, want)
	}
	return nil
}
