package producer_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/producer"

	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/segmentio/kafka-go"
)

// TestFutureEventTimeIsRejectedByV2: v2's converter rejects an event dated beyond clock + skew with
// oink.FutureEventTime on field event_time, and take one within the skew.
func TestFutureEventTimeIsRejectedByV2(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	base := mustDecode(t, eventFiles(t)["usd_sale"])
	tests := []struct {
		name   string
		skew   time.Duration
		at     time.Time
		reject bool
	}{
		{"an event a year ahead is rejected", 0, now.AddDate(1, 0, 0), true},
		{"an event just past the default 5m skew is rejected", 0, now.Add(5*time.Minute + time.Millisecond), true},
		{"an event at the default bound is taken", 0, now.Add(5 * time.Minute), false},
		{"an event in the past is taken", 0, now.Add(-time.Hour), false},
		{"a wider skew takes an event an hour ahead", 2 * time.Hour, now.Add(time.Hour), false},
		{"a narrower skew rejects an event a minute ahead", 30 * time.Second, now.Add(time.Minute), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ev := base
			ev.EventTime = tc.at.Format(time.RFC3339Nano)
			raw, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			fc := producer.NewFutureCheck(producer.Config{Now: clock, MaxFutureSkew: tc.skew})
			converters := map[string]producer.Converter{"v2": producer.V2Converter(fc)}
			for name, c := range converters {
				_, err := c.Convert(kafka.Message{Value: raw})
				ie, ok := oink.AsInputError(err)
				switch {
				case tc.reject && (!ok || ie.Code != oink.CodeFutureEventTime || ie.Field != "event_time"):
					t.Errorf("%s: convert(event at %s) = %v, want an InputError %s on event_time", name, ev.EventTime, err, oink.CodeFutureEventTime)
				case tc.reject && !strings.Contains(ie.Msg, "--max-future-skew"):
					t.Errorf("%s: message %q does not name the flag that sets the skew", name, ie.Msg)
				case !tc.reject && ok && ie.Code == oink.CodeFutureEventTime:
					t.Errorf("%s: convert(event at %s) = %v, want it taken", name, ev.EventTime, err)
				case !tc.reject && name == "v2" && err != nil:
					t.Errorf("%s: convert(event at %s) = %v, want nil", name, ev.EventTime, err)
				}
			}
		})
	}
}

// TestInvariantFarFutureEventsAreDeadLetteredNotLost (invariants 1 and 5):
// with far-future events in the load, v2 dead-letters exactly those with
// oink.FutureEventTime on event_time, every other event is unaffected, and
// the v1 simulator rejects the same events (legacy's
// TestInvariantFarFutureEventsNeverMeetAFault).
func TestInvariantFarFutureEventsAreDeadLetteredNotLost(t *testing.T) {
	p := newPipeline(t, 5, 0)
	p.gen.Start = time.Now().Add(-time.Hour).UTC().Truncate(time.Second)
	p.gen.FutureRatio = 0.02
	sum := p.load(t, 3000)
	if sum.Future == 0 {
		t.Fatalf("the load had no far-future event: %+v", sum)
	}
	if _, err := producer.Run(t.Context(), p.config(t, "v2")); err != nil {
		t.Fatalf("Run: %v", err)
	}
	acc, events, dlq := p.noLoss(t)
	future := futureValues(t, p.gen, events)
	for _, m := range dlq {
		info := deadletter.Parse(m)
		if info.ErrorCode != oink.CodeFutureEventTime || info.Field != "event_time" || !future[string(m.Value)] {
			t.Errorf("dead letter %s: %s on %q, want only far-future events, as %s on event_time", info.Key, info.ErrorCode, info.Field, oink.CodeFutureEventTime)
		}
	}
	if acc.DeadLetters != sum.Future || acc.Produced != sum.Valid {
		t.Fatalf("accounting %+v: want %d dead letters (the far-future events) and %d RTCIMs", acc, sum.Future, sum.Valid)
	}

}

// futureValues regenerates the n events of gen: the values of the
// far-future ones.
func futureValues(t *testing.T, gen loadgen.Config, n int) map[string]bool {
	t.Helper()
	g, err := loadgen.New(gen)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for range n {
		if e := g.Next(); e.Future {
			out[string(e.Value)] = true
		}
	}
	if len(out) == 0 {
		t.Fatal(errors.New("no far-future event regenerated"))
	}
	return out
}
