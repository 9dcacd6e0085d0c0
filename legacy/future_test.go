package legacy

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/loadgen"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/segmentio/kafka-go"
)

// mustDecode decodes an order event or fails the test.
func mustDecode(tb testing.TB, raw []byte) oink.OrderEvent {
	tb.Helper()
	ev, err := producer.Decode(raw)
	if err != nil {
		tb.Fatalf("Decode(%s) = %v", raw, err)
	}
	return ev
}

// TestFutureEventTimeIsRejectedByV1: the v1 simulator's converter rejects an
// event dated beyond clock + skew with oink.FutureEventTime on event_time,
// before any of its faults (a drop rate of 1 would otherwise drop it), and
// takes one within the skew.
func TestFutureEventTimeIsRejectedByV1(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	g, err := loadgen.New(loadgen.Config{Seed: 1, Start: now.Add(-time.Hour), Step: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ev := mustDecode(t, g.Next().Value)
	for _, tc := range []struct {
		at     time.Time
		reject bool
	}{{now.AddDate(1, 0, 0), true}, {now.Add(5*time.Minute + time.Millisecond), true}, {now.Add(5 * time.Minute), false}} {
		ev.EventTime = tc.at.Format(time.RFC3339Nano)
		raw, err := json.Marshal(ev)
		if err != nil {
			t.Fatal(err)
		}
		l := &legacy{faults: NewLiveFaults(Faults{Drop: 1}), seed: 1,
			future: producer.NewFutureCheck(producer.Config{Now: func() time.Time { return now }})}
		_, err = l.Convert(kafka.Message{Value: raw})
		ie, ok := oink.AsInputError(err)
		rejected := ok && ie.Code == oink.CodeFutureEventTime && ie.Field == "event_time"
		if rejected != tc.reject {
			t.Errorf("Convert(event at %s) = %v, want rejected %v", ev.EventTime, err, tc.reject)
		}
	}
}

// TestInvariantFarFutureEventsNeverMeetAFault (invariants 1 and 5): with
// far-future events in the load, the v1 simulator with a DLQ dead-letters
// exactly those, before any of its faults: drops and duplicates hit only
// the events it takes, and its fault log names none of them.
func TestInvariantFarFutureEventsNeverMeetAFault(t *testing.T) {
	env := kafkatest.New(t)
	orders, v1, dlq := env.Topic("orders"), env.Topic("rtcim.v1"), env.Topic("orders.v1.dlq")
	gen := loadgen.Config{Seed: 5, Start: time.Now().Add(-time.Hour).UTC().Truncate(time.Second), Step: time.Second, FutureRatio: 0.02}
	sum, err := loadgen.Load(t.Context(), loadgen.LoadConfig{Brokers: env.Brokers, Topic: orders, Count: 3000, Gen: gen, Topics: env.Spec})
	if err != nil || sum.Future == 0 {
		t.Fatalf("Load = %+v, %v: want far-future events", sum, err)
	}
	cfg := producer.Config{Brokers: env.Brokers, From: orders, To: v1, DLQ: dlq, Group: env.Group("v1"),
		StopWhenIdle: 1500 * time.Millisecond, SessionTimeout: 6 * time.Second, Topics: env.Spec}
	var faultLog bytes.Buffer
	if _, err := Run(t.Context(), Config{Config: cfg, Faults: Faults{Drop: 0.05, Dup: 0.05}, Seed: 3, FaultLog: &faultLog}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	g, err := loadgen.New(gen)
	if err != nil {
		t.Fatal(err)
	}
	future := map[string]bool{}
	for range sum.Events {
		if e := g.Next(); e.Future {
			future[string(e.Value)] = true
		}
	}
	rejected := 0
	for _, m := range env.ReadAll(dlq) {
		if info := deadletter.Parse(m); info.ErrorCode == oink.CodeFutureEventTime && future[string(m.Value)] {
			rejected++
		}
	}
	if rejected != sum.Future {
		t.Fatalf("v1 dead-lettered %d far-future events, want %d", rejected, sum.Future)
	}
	futureIDs := map[string]bool{}
	for v := range future {
		futureIDs[mustDecode(t, []byte(v)).EventID] = true
	}
	entries, err := ReadFaultLog(&faultLog)
	if err != nil {
		t.Fatal(err)
	}
	for _, fe := range entries {
		if futureIDs[fe.SourceEventID] {
			t.Errorf("the fault log names far-future event %s (%s): a rejected event met a fault", fe.SourceEventID, fe.Fault)
		}
	}
}
