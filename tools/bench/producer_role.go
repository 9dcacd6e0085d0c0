package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/oinkhq/oink/internal/kafkaio"
)

// childStats are the counts a producer pipeline prints as JSON when it
// ends: the fields producer.Stats and RefStats share.
type childStats struct {
	EventsIn    int64 `json:"eventsIn"`
	RecordsOut  int64 `json:"recordsOut"`
	DeadLetters int64 `json:"deadLetters"`
}

// producerPlan is pipeline p of the producer role: one process from the
// input topic to its own output (and dead-letter) topic, done once its
// group has committed every input record.
func (r *runner) producerPlan(p Pipeline) measurement {
	out, dlq, group := r.topic(string(p)+".out"), r.topic(string(p)+".dlq"), r.topic(string(p))
	topics := []string{out}
	if p != RefRaw {
		topics = append(topics, dlq)
	}
	events := int64(r.cfg.Events)
	common := []string{"--brokers", joinComma(r.brokers), "--from", r.input, "--to", out, "--group", group,
		"--batch-size", strconv.Itoa(r.cfg.BatchSize), "--log-level", "warn"}
	var args []string
	switch p {
	case Oink:
		args = append([]string{"produce", "--dlq", dlq, "--stop-when-idle", r.cfg.StopWhenIdle.String(),
			"--partitions", strconv.Itoa(r.cfg.Partitions), "--replication-factor", strconv.Itoa(r.cfg.ReplicationFactor), "--json"}, common...)
	case RefTransform:
		args = append([]string{"bench", "ref", string(RefModeTransform), "--dlq", dlq, "--events", strconv.Itoa(r.cfg.Events)}, common...)
	default:
		args = append([]string{"bench", "ref", string(RefModeRaw), "--events", strconv.Itoa(r.cfg.Events)}, common...)
	}
	return measurement{pipeline: p, unit: "events", units: events, target: events, topics: topics,
		procs: []procSpec{{name: p.Title(RoleProducer), args: args, untilEnd: true}},
		progress: func(ctx context.Context) (progressReader, error) {
			c, err := newCommitted(ctx, r.brokers, group, r.input)
			return c.until(events), err
		},
		check: func(ctx context.Context, res *Result, procs []*proc) error {
			var st childStats
			stdout := procs[0].Stdout()
			if err := json.Unmarshal(stdout, &st); err != nil {
				return procs[0].Failed(fmt.Errorf("reading its counts %q: %w", stdout, err))
			}
			res.RecordsOut, res.DeadLetters = st.RecordsOut, st.DeadLetters
			return r.checkProducer(ctx, p, out, dlq, group, st)
		}}
}

// checkProducer holds a finished producer pipeline to account: it read
// every event, reported one output per event, the output topics hold
// exactly what it reported, every invalid event (and only those) became a
// dead letter, and its group has no lag. Numbers from a pipeline that lost
// or duplicated records would measure something else.
func (r *runner) checkProducer(ctx context.Context, p Pipeline, out, dlq, group string, st childStats) error {
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
	if err := r.checkEnd(ctx, out, st.RecordsOut); err != nil {
		return err
	}
	if p != RefRaw {
		if err := r.checkEnd(ctx, dlq, st.DeadLetters); err != nil {
			return err
		}
	}
	return r.checkNoLag(ctx, group, r.input)
}

// checkNoLag checks that group has committed every record of topics.
func (r *runner) checkNoLag(ctx context.Context, group string, topics ...string) error {
	for _, t := range topics {
		lag, err := kafkaio.GroupLag(ctx, r.brokers, group, t)
		if err != nil {
			return err
		}
		if s := kafkaio.Sum(lag); s != 0 {
			return fmt.Errorf("group %s still lags %d records on %s", group, s, t)
		}
	}
	return nil
}

// checkEnd checks that topic holds want records.
func (r *runner) checkEnd(ctx context.Context, topic string, want int64) error {
	got, err := r.records(ctx, topic)
	if err != nil {
		return err
	}
	if got != want {
		return fmt.Errorf("topic %s holds %d records, the pipeline reported writing %d", topic, got, want)
	}
	return nil
}

// records is the number of records in topic (its partitions' end offsets:
// the run's topics are fresh).
func (r *runner) records(ctx context.Context, topic string) (int64, error) {
	ends, err := kafkaio.EndOffsets(ctx, r.brokers, topic)
	if err != nil {
		return 0, err
	}
	return kafkaio.Sum(ends), nil
}
