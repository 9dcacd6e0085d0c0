package comparator

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/segmentio/kafka-go"
)

// futureTopics are the topics of a far-future test, with a writer and the
// time its records start at.
type futureTopics struct {
	*topicRig
	w        *kafka.Writer
	baseTime time.Time
}

func newFutureTopics(t *testing.T) *futureTopics {
	t.Helper()
	r := newTopicRig(t)
	if err := kafkaio.EnsureTopics(t.Context(), r.env.Brokers, r.env.Spec, r.v1, r.v2); err != nil {
		t.Fatal(err)
	}
	w := kafkaio.NewWriter(r.env.Brokers)
	t.Cleanup(func() { w.Close() })
	return &futureTopics{topicRig: r, w: w, baseTime: time.Now().Add(-time.Minute).UTC().Truncate(time.Millisecond)}
}

// record is an RTCIM-like record of identity id|E at time at. Every record
// has the same Kafka key, so all land on one partition: the test controls
// what lies in one partition's replay range. Its Kafka timestamp is at,
// but never later than now: a real broker refuses a timestamp more than
// message.timestamp.after.max.ms (1h in Kafka 4) ahead; the comparator
// reads the rules' event_time field anyway.
func (f *futureTopics) record(topic, id string, at time.Time) kafka.Message {
	v := fmt.Sprintf(`{"order_id":%q,"source_event_id":"E","source_event_time":%q,"total":1}`, id, at.Format(time.RFC3339Nano))
	ts := at
	if now := time.Now(); ts.After(now) {
		ts = now
	}
	return kafka.Message{Topic: topic, Key: []byte("k"), Value: []byte(v), Time: ts}
}

// pairs returns the records of identities O-from..O-to-1 on topic.
func (f *futureTopics) pairs(topic string, from, to int) []kafka.Message {
	var out []kafka.Message
	for i := from; i < to; i++ {
		out = append(out, f.record(topic, fmt.Sprintf("O-%03d", i), f.baseTime.Add(time.Duration(i)*time.Millisecond)))
	}
	return out
}

func (f *futureTopics) write(t *testing.T, msgs ...kafka.Message) {
	t.Helper()
	if err := f.w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
}

// futureWindow is the match window of the far-future tests' runs.
const futureWindow = 2 * time.Second

// start runs cfg in the background; the returned func waits for its end.
func start(t *testing.T, cfg Config) func() {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	return func() {
		t.Helper()
		defer cancel()
		if err := <-done; err != nil {
			t.Fatalf("comparator: %v", err)
		}
		if ctx.Err() != nil {
			t.Fatalf("the comparator did not finish: records still wait for a partner")
		}
	}
}

// TestInvariantFarFutureRecordNeverMovesTheWatermark: one candidate record
// dated a year ahead, read between the two halves of 100 pairs whose
// control records wait for their partners: it is counted undecodable and
// dead-lettered with oink.CodeFutureEventTime naming the rules' time
// field, the candidate's watermark stays within the clock plus the skew,
// and every pair still pairs (without the bound the watermark jumps a year
// and the second half is counted missing on both sides). Invariants 2
// and 5.
func TestInvariantFarFutureRecordNeverMovesTheWatermark(t *testing.T) {
	t.Parallel()
	f := newFutureTopics(t)
	f.write(t, f.pairs(f.v1, 0, 100)...)
	wait := start(t, f.config(t, "future", futureWindow))
	kafkatest.WaitFor(t, time.Minute, "the control records read", func() bool {
		sum, err := f.store.Summary(t.Context(), "future")
		return err == nil && sum.ReadControl == 100
	})
	ahead := time.Now().AddDate(1, 0, 0).UTC()
	f.write(t, append(f.pairs(f.v2, 0, 50), f.record(f.v2, "O-FUTURE", ahead))...)
	kafkatest.WaitFor(t, time.Minute, "the first candidate half and the future record read", func() bool {
		sum, err := f.store.Summary(t.Context(), "future")
		return err == nil && sum.ReadCandidate == 51
	})
	f.write(t, f.pairs(f.v2, 50, 100)...)
	wait()

	sum := f.summary(t, "future")
	assertAccounting(t, sum)
	if sum.Pairs != 100 || sum.Equal != 100 || sum.UndecodableCandidate != 1 || sum.MissingInControl+sum.MissingInCandidate != 0 {
		t.Fatalf("summary %+v; want 100 equal pairs, 1 undecodable candidate record and nothing missing", sum.Counts)
	}
	cps, err := f.store.Checkpoints(t.Context(), "future")
	if err != nil {
		t.Fatal(err)
	}
	bound := oink.FutureBound(time.Now(), oink.DefaultMaxFutureSkew)
	for _, cp := range cps {
		if cp.WatermarkCandidate != nil && cp.WatermarkCandidate.After(bound) {
			t.Errorf("partition %d: candidate watermark %s, past the clock plus the skew", cp.Partition, cp.WatermarkCandidate)
		}
	}
	letters := f.env.ReadAll(f.dlq)
	if len(letters) != 1 {
		t.Fatalf("%d dead letters, want 1", len(letters))
	}
	info := deadletter.Parse(letters[0])
	if info.ErrorCode != oink.CodeFutureEventTime || info.Field != "source_event_time" || info.Source.Topic != f.v2 {
		t.Errorf("dead letter %+v; want %s naming source_event_time, from %s", info, oink.CodeFutureEventTime, f.v2)
	}
}

// TestInvariantFutureJudgmentSurvivesRestart: a record judged dated in the
// future when first read stays undecodable when a restarted comparator
// replays it, though the clock has since passed its time (invariant 2).
// The record's identity comes back later, dated normally, on both sides:
// an uninterrupted run pairs it; a restart that trusted the replayed
// record would count the control copy a duplicate and never pair the
// candidate's.
func TestInvariantFutureJudgmentSurvivesRestart(t *testing.T) {
	t.Parallel()
	f := newFutureTopics(t)
	soon := time.Now().Add(time.Hour).UTC()
	f.write(t, append(f.pairs(f.v1, 0, 50), f.record(f.v1, "O-LATER", soon))...)
	f.write(t, f.pairs(f.v2, 0, 50)...)
	start(t, f.config(t, "restarted", futureWindow))()
	cps, err := f.store.Checkpoints(t.Context(), "restarted")
	if err != nil {
		t.Fatal(err)
	}
	ranges := 0
	for _, cp := range cps {
		ranges += len(cp.Future)
	}
	if ranges != 1 {
		t.Fatalf("checkpoints %+v: want the future record's range kept (it lies in the replay range)", cps)
	}

	later := f.baseTime.Add(100 * time.Millisecond)
	f.write(t, f.record(f.v1, "O-LATER", later), f.record(f.v2, "O-LATER", later))
	cfg := f.config(t, "restarted", futureWindow)
	cfg.Now = func() time.Time { return time.Now().Add(2 * time.Hour) } // the future record's time has passed
	start(t, cfg)()
	start(t, f.config(t, "uninterrupted", futureWindow))()

	got, want := f.summary(t, "restarted"), f.summary(t, "uninterrupted")
	assertAccounting(t, got)
	if got.Counts != want.Counts || want.Pairs != 51 || want.UndecodableControl != 1 {
		t.Fatalf("restarted run %+v\nuninterrupted %+v; want the same, with 51 pairs and 1 undecodable control record", got.Counts, want.Counts)
	}
}
