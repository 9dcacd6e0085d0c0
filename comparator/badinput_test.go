package comparator

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/pgtest"
	"github.com/segmentio/kafka-go"
)

// malformedKind makes one malformed RTCIM record from a good one. field is
// the field its dead letter must name, "" where the mutation does not
// determine it (a truncation may cut any field).
type malformedKind struct {
	name  string
	field string
	most  int // when positive, at most this many per side
	make  func(rng *rand.Rand, good string) string
}

var malformedKinds = []malformedKind{
	{name: "truncated JSON", make: func(rng *rand.Rand, g string) string { return g[:rng.IntN(len(g)-1)] }},
	{name: "invalid UTF-8", field: "$", make: func(rng *rand.Rand, g string) string {
		at := rng.IntN(len(g) + 1)
		return g[:at] + "\xff" + g[at:]
	}},
	{name: "a NUL byte", field: "$", make: func(_ *rand.Rand, g string) string { return "{\x00" + g[1:] }},
	{name: "an object for the order id", field: "order_id",
		make: func(_ *rand.Rand, g string) string {
			return strings.Replace(g, `{"order_id":"`, `{"order_id":{"x":1},"was":"`, 1)
		}},
	{name: "no order id", field: "order_id",
		make: func(_ *rand.Rand, g string) string { return strings.Replace(g, `"order_id"`, `"order_idx"`, 1) }},
	{name: "a word for the event time", field: "source_event_time",
		make: func(_ *rand.Rand, g string) string {
			return g[:strings.Index(g, `"source_event_time"`)] + `"source_event_time":"yesterday"}`
		}},
	{name: "a huge number for the event time", field: "source_event_time",
		make: func(_ *rand.Rand, g string) string {
			return g[:strings.Index(g, `"source_event_time"`)] + `"source_event_time":1e400}`
		}},
	{name: "random bytes", field: "$", make: func(rng *rand.Rand, _ string) string {
		b := make([]byte, 1+rng.IntN(200))
		for i := range b {
			b[i] = byte(rng.UintN(256))
		}
		b[0] = 0x01 // no JSON value starts so
		return string(b)
	}},
	{name: "an empty record", field: "$", make: func(*rand.Rand, string) string { return "" }},
	{name: "a 1 MB truncated record", most: 3, make: func(_ *rand.Rand, g string) string {
		return `{"order_id":"` + strings.Repeat("x", 1_000_000) // under max.message.bytes
	}},
}

// TestChaosBadInputAtVolumeComparator: ≥ 10,000 malformed RTCIM records
// (truncated JSON, invalid UTF-8, NUL bytes, wrong types, missing identity,
// bad and huge event times, random bytes, empty and 1 MB records) on the
// control and candidate topics, between good pairs: the comparator does
// not stop; each bad record is counted as undecodable on its side and
// dead-lettered once with the field named; the good pairs' counts are exact.
func TestChaosBadInputAtVolumeComparator(t *testing.T) {
	t.Parallel()
	r := newTopicRig(t)
	const goodPairs, badPerSide = 1000, 5000
	want, msgs := malformedLoad(t, r.v1, r.v2, goodPairs, badPerSide*chaosScale)
	r.write(t, msgs)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	sum := r.compare(ctx, t)
	bad := int64(badPerSide * chaosScale)
	if sum.UndecodableControl != bad || sum.UndecodableCandidate != bad || sum.Pairs != goodPairs || sum.Equal != goodPairs ||
		sum.ReadControl != goodPairs+bad || sum.ReadCandidate != goodPairs+bad {
		t.Fatalf("summary %+v; want %d undecodable per side and %d equal pairs", sum.Counts, bad, goodPairs)
	}
	checkMalformedLetters(t, r.env.ReadAll(r.dlq), want, int(2*bad))
}

// topicRig is a comparator run's control (v1), candidate (v2) and
// dead-letter topics on a test's broker, with a store, under the strict
// RTCIM rules: what the bad-input and far-future tests fill.
type topicRig struct {
	env         *kafkatest.Env
	v1, v2, dlq string
	store       *diffstore.Store
	rules       *Rules
}

func newTopicRig(t *testing.T) *topicRig {
	t.Helper()
	env := kafkatest.New(t)
	return &topicRig{env: env, v1: env.Topic("v1"), v2: env.Topic("v2"), dlq: env.Topic("dlq"),
		store: diffstore.New(pgtest.Schema(t)), rules: mustLoadRules(t, rtcimStrictPath)}
}

// config is the run of a comparator over the rig's topics that pairs
// records within window and stops once idle for a second.
func (r *topicRig) config(t *testing.T, run string, window time.Duration) Config {
	return Config{Run: run, Brokers: r.env.Brokers, Control: r.v1, Candidate: r.v2, Group: r.env.Group(run), Rules: r.rules,
		Window: window, StopWhenIdle: time.Second, DLQ: r.dlq, Store: r.store, Topics: r.env.Spec, Log: warnLog(t)}
}

// summary returns the stored summary of run.
func (r *topicRig) summary(t *testing.T, run string) diffstore.Summary {
	t.Helper()
	sum, err := r.store.Summary(t.Context(), run)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// write writes msgs, each as one record even at 1 MB (under the broker's
// 1 MiB).
func (r *topicRig) write(t *testing.T, msgs []kafka.Message) {
	t.Helper()
	w := kafkaio.NewWriter(r.env.Brokers)
	w.BatchBytes = 1<<20 - 1<<10
	defer w.Close()
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
}

// compare runs the comparator over both topics until they are idle and
// returns the run's summary, whose accounting identity must hold.
func (r *topicRig) compare(ctx context.Context, t *testing.T) diffstore.Summary {
	t.Helper()
	if err := Run(ctx, r.config(t, "bad", time.Second)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	sum := r.summary(t, "bad")
	assertAccounting(t, sum)
	return sum
}

// malformedLoad returns the records of both topics, shuffled per topic, and
// what each malformed one (by topic and value) must be dead-lettered as.
func malformedLoad(t *testing.T, v1, v2 string, goodPairs, badPerSide int) (map[string]malformedKind, []kafka.Message) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	at := time.Date(2026, 3, 8, 4, 0, 0, 0, time.UTC)
	good := func(i int) string {
		return fmt.Sprintf(`{"order_id":"O-%06d","source_event_id":"E-%06d","source_event_time":%q,"total":%d}`,
			i, i, at.Add(time.Duration(i)*time.Millisecond).Format(time.RFC3339Nano), i)
	}
	want := map[string]malformedKind{}
	var msgs []kafka.Message
	for _, topic := range []string{v1, v2} {
		var side []kafka.Message
		for i := range goodPairs {
			side = append(side, kafka.Message{Topic: topic, Key: fmt.Appendf(nil, "O-%06d", i), Value: []byte(good(i)), Time: at})
		}
		used := map[string]int{}
		for i := 0; i < badPerSide; {
			k := malformedKinds[rng.IntN(len(malformedKinds))]
			if k.most > 0 && used[k.name] >= k.most {
				continue
			}
			v := k.make(rng, good(goodPairs+rng.IntN(1_000_000)))
			if _, dup := want[topic+"\x00"+v]; dup && k.field == "" {
				continue // identical truncations may differ in nothing but the kind's expectation
			}
			used[k.name]++
			want[topic+"\x00"+v] = k
			side = append(side, kafka.Message{Topic: topic, Key: fmt.Appendf(nil, "B-%d", rng.IntN(1<<20)), Value: []byte(v), Time: at})
			i++
		}
		rng.Shuffle(len(side), func(i, j int) { side[i], side[j] = side[j], side[i] })
		msgs = append(msgs, side...)
	}
	return want, msgs
}

// checkMalformedLetters: one dead letter per malformed record, each naming
// oink.BadJSON, its source and the field its kind calls for.
func checkMalformedLetters(t *testing.T, letters []kafka.Message, want map[string]malformedKind, n int) {
	t.Helper()
	if len(letters) != n {
		t.Fatalf("%d dead letters, want %d", len(letters), n)
	}
	sources := map[deadletter.Position]bool{}
	for _, m := range letters {
		info := deadletter.Parse(m)
		if sources[info.Source] {
			t.Fatalf("two dead letters for %+v", info.Source)
		}
		sources[info.Source] = true
		value := m.Value
		k, ok := want[info.Source.Topic+"\x00"+string(value)]
		if info.OriginalSize > 0 { // a cut letter: its kind is the 1 MB one
			k, ok = malformedKinds[len(malformedKinds)-1], len(value) == deadletter.MaxValueBytes && bytes.HasPrefix(value, []byte(`{"order_id":"x`))
		}
		switch {
		case !ok:
			t.Errorf("dead letter %+v is for no malformed record", info)
		case info.ErrorCode != oink.CodeBadJSON || info.Connector != "oink-compare" || info.Field == "" ||
			!strings.HasPrefix(info.Message, info.Field+": ") || (k.field != "" && info.Field != k.field):
			t.Errorf("%s: dead letter %s, field %q, message %.80q; want %s naming field %q", k.name, info.ErrorCode, info.Field, info.Message, oink.CodeBadJSON, k.field)
		}
	}
}
