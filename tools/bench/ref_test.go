package bench

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/segmentio/kafka-go"
)

// refEnv is a broker with a loaded input topic.
type refEnv struct {
	env     *kafkatest.Env
	input   string
	summary loadgen.Summary
}

func newRefEnv(t *testing.T, events int) refEnv {
	t.Helper()
	env := kafkatest.New(t)
	input := env.Topic("orders")
	sum, err := loadgen.Load(t.Context(), loadgen.LoadConfig{Brokers: env.Brokers, Topic: input, Count: events, Topics: env.Spec,
		Gen: loadgen.Config{Seed: 7, InvalidRatio: 0.05, Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}})
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return refEnv{env: env, input: input, summary: sum}
}

func (e refEnv) run(t *testing.T, mode RefMode, out, dlq string) RefStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	st, err := RunRef(ctx, RefConfig{Brokers: e.env.Brokers, From: []string{e.input}, To: out, DLQ: dlq, Group: e.env.Group(string(mode)),
		Mode: mode, Events: int64(e.summary.Events), BatchSize: 300})
	if err != nil {
		t.Fatalf("RunRef(%s): %v", mode, err)
	}
	if st.EventsIn != int64(e.summary.Events) || st.Batches < 2 || st.BatchP99Ms < st.BatchP50Ms {
		t.Errorf("RunRef(%s) = %+v, want %d events in several batches", mode, st, e.summary.Events)
	}
	return st
}

// TestRunRefTransformDoesWhatOinkDoes checks the transform pipe with the
// producer's own invariant-1 check: one RTCIM or one dead letter per event.
func TestRunRefTransformDoesWhatOinkDoes(t *testing.T) {
	t.Parallel()
	e := newRefEnv(t, 2000)
	out, dlq := e.env.Topic("out"), e.env.Topic("dlq")
	st := e.run(t, RefModeTransform, out, dlq)
	invalid := int64(e.summary.Events - e.summary.Valid)
	if st.RecordsOut != int64(e.summary.Valid) || st.DeadLetters != invalid {
		t.Errorf("RunRef(transform) wrote %d records and %d dead letters, want %d and %d", st.RecordsOut, st.DeadLetters, e.summary.Valid, invalid)
	}
	acc, err := producer.CheckNoLoss(e.env.ReadAll(e.input), e.env.ReadAll(out), e.env.ReadAll(dlq))
	if err != nil {
		t.Fatalf("CheckNoLoss: %v", err)
	}
	if acc.Redelivered != 0 {
		t.Errorf("%d records written twice, want none", acc.Redelivered)
	}
}

// TestRunRefRawCopiesRecords checks the raw pipe: each input record arrives
// unchanged, on the same partition (kgo's key partitioner is murmur2, like
// the load generator's kafka-go writer).
func TestRunRefRawCopiesRecords(t *testing.T) {
	t.Parallel()
	e := newRefEnv(t, 1000)
	out := e.env.Topic("out")
	e.run(t, RefModeRaw, out, "")
	in := map[string][]sourceRecord{}
	for _, m := range e.env.ReadAll(e.input) {
		in[string(m.Key)] = append(in[string(m.Key)], sourceRecord{m.Partition, m.Value})
	}
	got := e.env.ReadAll(out)
	if len(got) != e.summary.Events {
		t.Fatalf("%d records copied, want %d", len(got), e.summary.Events)
	}
	for _, m := range got {
		if !copied(in[string(m.Key)], m) {
			t.Fatalf("output record key %s on partition %d is not an input record of that key and partition", m.Key, m.Partition)
		}
	}
}

// sourceRecord is where an input record was and what it held.
type sourceRecord struct {
	partition int
	value     []byte
}

// copied reports whether m is one of in, on the same partition.
func copied(in []sourceRecord, m kafka.Message) bool {
	for _, r := range in {
		if r.partition == m.Partition && bytes.Equal(r.value, m.Value) {
			return true
		}
	}
	return false
}

// TestRunRefStopsWhenContextEnds runs a pipe with no end, waits until it has
// committed the input, and cancels it: RunRef must return promptly and
// without error.
func TestRunRefStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	e := newRefEnv(t, 100)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	group := e.env.Group("endless")
	done := make(chan error, 1)
	go func() {
		_, err := RunRef(ctx, RefConfig{Brokers: e.env.Brokers, From: []string{e.input}, To: e.env.Topic("out"), Group: group, Mode: RefModeRaw})
		done <- err
	}()
	c, err := newCommitted(t.Context(), e.env.Brokers, group, e.input)
	if err != nil {
		t.Fatal(err)
	}
	kafkatest.WaitFor(t, 15*time.Second, "the pipe to commit its input", func() bool {
		n, _, err := c.read(t.Context())
		return err == nil && n == 100
	})
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("RunRef after cancel = %v, want nil", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("RunRef has not returned 15s after its context was cancelled")
	}
}

func TestRunRefRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  RefConfig
	}{
		{"a config without topics is refused", RefConfig{Brokers: []string{"127.0.0.1:1"}, Mode: RefModeRaw}},
		{"an unknown mode is refused", RefConfig{Brokers: []string{"127.0.0.1:1"}, From: []string{"a"}, To: "b", Group: "g", Mode: "copy"}},
		{"the transform pipe without a DLQ is refused", RefConfig{Brokers: []string{"127.0.0.1:1"}, From: []string{"a"}, To: "b", Group: "g", Mode: RefModeTransform}},
		{"the compare pipe without a run and a database is refused", RefConfig{Brokers: []string{"127.0.0.1:1"}, From: []string{"a", "b"}, Group: "g", Mode: RefModeCompare}},
		{"the switch pipe reading one topic is refused", RefConfig{Brokers: []string{"127.0.0.1:1"}, From: []string{"a"}, To: "b", Group: "g", Mode: RefModeSwitch, Run: "r"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := RunRef(t.Context(), tc.cfg); err == nil {
				t.Errorf("RunRef(%+v) = nil error, want one", tc.cfg)
			}
		})
	}
}
