package producer_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/producer"

	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// mutation breaks (or keeps) one valid event's bytes. want is the dead
// letter's code and field it must end as, or "" for an RTCIM.
type mutation struct {
	name        string
	weight      int // out of the weights' sum
	most        int // when positive, at most this many per load
	apply       func(rng *rand.Rand, raw []byte) []byte
	code, field string
}

// megabyte is the size of the "1 MB records": under the broker's default
// max.message.bytes (1 MiB + 12) with the key and framing.
const megabyte = 1_000_000

// mutations are the kinds of bad input at volume, each with the outcome
// the mutation alone determines.
var mutations = []mutation{
	{name: "valid", weight: 25, apply: func(_ *rand.Rand, raw []byte) []byte { return raw }},
	{name: "truncated JSON", weight: 12, code: oink.CodeBadJSON, field: "$",
		apply: func(rng *rand.Rand, raw []byte) []byte { return raw[:1+rng.IntN(len(raw)-1)] }},
	{name: "invalid UTF-8", weight: 10, code: oink.CodeBadJSON, field: "$",
		apply: func(rng *rand.Rand, raw []byte) []byte { return insert(raw, rng.IntN(len(raw)+1), "\xff\xfe") }},
	{name: "a NUL byte", weight: 10, code: oink.CodeBadJSON, field: "$",
		apply: func(rng *rand.Rand, raw []byte) []byte { return insert(raw, rng.IntN(len(raw)+1), "\x00") }},
	{name: "a number for the event type", weight: 8, code: oink.CodeBadJSON, field: "event_type",
		apply: func(_ *rand.Rand, raw []byte) []byte {
			return edit(raw, func(ev map[string]any) { ev["event_type"] = 42 })
		}},
	{name: "a string for a quantity", weight: 8, code: oink.CodeBadJSON, field: "order.lines.qty",
		apply: func(_ *rand.Rand, raw []byte) []byte {
			return edit(raw, func(ev map[string]any) { line0(ev)["qty"] = "3" })
		}},
	{name: "a huge quantity", weight: 6, code: oink.CodeBadJSON, field: "order.lines.qty",
		apply: func(_ *rand.Rand, raw []byte) []byte {
			return edit(raw, func(ev map[string]any) { line0(ev)["qty"] = json.Number("1e400") })
		}},
	{name: "a huge price", weight: 6, code: oink.CodeInvalidMoney, field: "order.lines[0].unit_price",
		apply: func(_ *rand.Rand, raw []byte) []byte {
			return edit(raw, func(ev map[string]any) { line0(ev)["unit_price"] = "99999999999999999999999999.99" })
		}},
	{name: "no event id", weight: 6, code: oink.CodeMissingField, field: "event_id",
		apply: func(_ *rand.Rand, raw []byte) []byte {
			return edit(raw, func(ev map[string]any) { delete(ev, "event_id") })
		}},
	{name: "random bytes", weight: 8, code: oink.CodeBadJSON, field: "$",
		apply: func(rng *rand.Rand, _ []byte) []byte { return randomBytes(rng, 1+rng.IntN(300)) }},
	{name: "a 1 MB unknown field", weight: 1, most: 4 * chaosScale, // unknown fields are ignored: a valid event
		apply: func(_ *rand.Rand, raw []byte) []byte {
			return edit(raw, func(ev map[string]any) { ev["padding"] = strings.Repeat("p", megabyte-len(raw)-20) })
		}},
	{name: "a 1 MB SKU", weight: 1, most: 4 * chaosScale, code: oink.CodeRecordTooLarge, field: "$",
		apply: func(_ *rand.Rand, raw []byte) []byte {
			return edit(raw, func(ev map[string]any) { line0(ev)["sku"] = strings.Repeat("S", megabyte-len(raw)) })
		}},
	{name: "1 MB of random bytes", weight: 1, most: 4 * chaosScale, code: oink.CodeBadJSON, field: "$",
		apply: func(rng *rand.Rand, _ []byte) []byte { return randomBytes(rng, megabyte) }},
}

func insert(raw []byte, at int, s string) []byte {
	return append(append(append([]byte{}, raw[:at]...), s...), raw[at:]...)
}

// randomBytes starts with a byte no JSON value starts with, so the record
// never decodes, whatever follows.
func randomBytes(rng *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rng.UintN(256))
	}
	b[0] = 0x01
	return b
}

// edit decodes raw, changes it and encodes it again.
func edit(raw []byte, f func(map[string]any)) []byte {
	var ev map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if err := d.Decode(&ev); err != nil {
		panic(fmt.Sprintf("a generated event does not decode: %v", err)) // a bug of the test itself
	}
	f(ev)
	out, err := json.Marshal(ev)
	if err != nil {
		panic(err)
	}
	return out
}

func line0(ev map[string]any) map[string]any {
	return ev["order"].(map[string]any)["lines"].([]any)[0].(map[string]any)
}

// fuzzedInput is one upstream record and what it must become.
type fuzzedInput struct {
	kind        string
	code, field string
}

// loadFuzzed writes n seeded mutations of valid generated events to topic
// and returns, per event id of its valid source, what each must become,
// keyed by upstream value.
func loadFuzzed(t *testing.T, p *pipeline, seed uint64, n int) map[string]fuzzedInput {
	t.Helper()
	gen, err := loadgen.New(loadgen.Config{Seed: seed, Start: time.Date(2026, 3, 7, 20, 0, 0, 0, time.UTC), Step: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(seed, 99))
	total := 0
	for _, m := range mutations {
		total += m.weight
	}
	// A 1 MB record needs a batch of its own: kafkaio's writer caps
	// batches at 900 KiB, the broker at max.message.bytes (1 MiB).
	w := kafkaio.NewWriter(p.env.Brokers)
	w.BatchBytes = 1<<20 - 1<<10
	defer w.Close()
	want := make(map[string]fuzzedInput, n)
	msgs := make([]kafka.Message, 0, 1000)
	flush := func() {
		if err := w.WriteMessages(t.Context(), msgs...); err != nil {
			t.Fatalf("loading fuzzed events: %v", err)
		}
		msgs = msgs[:0]
	}
	used := map[string]int{}
	for len(want) < n {
		ev := gen.Next()
		r := rng.IntN(total)
		m := mutations[0]
		for _, c := range mutations {
			if r < c.weight {
				m = c
				break
			}
			r -= c.weight
		}
		if m.most > 0 && used[m.name] >= m.most {
			m = mutations[0]
		}
		if m.code == oink.CodeRecordTooLarge && !bytes.Contains(ev.Value, []byte(`"ORDER_FULFILLED"`)) {
			m = mutations[0] // a return or a void does not carry line 0's SKU into its RTCIM
		}
		used[m.name]++
		raw := m.apply(rng, ev.Value)
		if _, dup := want[string(raw)]; dup {
			continue // two truncations to one prefix: producer.CheckNoLoss counts identical records once
		}
		want[string(raw)] = fuzzedInput{kind: m.name, code: m.code, field: m.field}
		msgs = append(msgs, kafka.Message{Topic: p.orders, Key: ev.Key, Value: raw, Time: ev.Time})
		if len(msgs) == cap(msgs) {
			flush()
		}
	}
	flush()
	return want
}

// TestChaosBadInputAtVolumeProducer: ≥ 10,000 fuzzed upstream events
// (truncated JSON, invalid UTF-8, NUL bytes, wrong types, huge values, 1 MB
// records, random bytes) mixed with valid ones go through v2 without a
// crash; read back from the topics, every input is exactly one RTCIM or one
// dead letter, each dead letter carries the code and the field its mutation
// calls for, a dead letter over 512 KiB holds the value's start and says how
// large it was, and the counts per code are exact.
func TestChaosBadInputAtVolumeProducer(t *testing.T) {
	p := newPipeline(t, 5, 0)
	n := 14000 * chaosScale // ~75% fuzzed: ≥ 10,000 bad events
	want := loadFuzzed(t, p, 5, n)
	cfg := p.config(t, "v2")
	st, err := producer.Run(t.Context(), cfg)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	up, out, dlq := p.env.ReadAll(p.orders), p.env.ReadAll(p.out), p.env.ReadAll(p.dlq)
	acc, err := producer.CheckNoLoss(up, out, dlq)
	if err != nil {
		t.Fatalf("invariant 1 violated: %v", err)
	}
	wantCodes, wantOut, bad := map[string]int{}, 0, 0
	for _, in := range want {
		if in.code == "" {
			wantOut++
			continue
		}
		wantCodes[in.code]++
		bad++
	}
	if bad < 10000*chaosScale {
		t.Fatalf("only %d bad events among %d: raise n", bad, n)
	}
	byPosition := map[string][]byte{}
	for _, m := range up {
		byPosition[producer.PositionKey(m.Partition, m.Offset)] = m.Value
	}
	gotCodes := map[string]int{}
	for _, m := range dlq {
		info := deadletter.Parse(m)
		orig := byPosition[producer.PositionKey(info.Source.Partition, info.Source.Offset)]
		in := want[string(orig)]
		gotCodes[info.ErrorCode]++
		if info.ErrorCode != in.code || info.Field != in.field || !strings.HasPrefix(info.Message, in.field+": ") {
			t.Errorf("%s: dead letter %s, field %q, message %.80q; want %s, field %q", in.kind, info.ErrorCode, info.Field, info.Message, in.code, in.field)
		}
		checkCopiedValue(t, in.kind, info, m.Value, orig)
	}
	if acc.Produced != wantOut || acc.DeadLetters != bad || acc.Upstream != n {
		t.Errorf("accounting %+v; want %d upstream, %d RTCIMs, %d dead letters", acc, n, wantOut, bad)
	}
	for code, c := range wantCodes {
		if gotCodes[code] != c || st.ByCode[code] < int64(c) {
			t.Errorf("%s: %d dead letters (stats say %d), want %d", code, gotCodes[code], st.ByCode[code], c)
		}
	}
	t.Logf("%d events: %d RTCIMs, %d dead letters by code %v", n, acc.Produced, acc.DeadLetters, gotCodes)
}

// checkCopiedValue: a dead letter holds its record's value, cut to
// deadletter.MaxValueBytes with the original size named when larger.
func checkCopiedValue(t *testing.T, kind string, info deadletter.Info, got, orig []byte) {
	t.Helper()
	switch {
	case len(orig) <= deadletter.MaxValueBytes && (!bytes.Equal(got, orig) || info.OriginalSize != 0):
		t.Errorf("%s: the dead letter's value differs from the upstream record's", kind)
	case len(orig) > deadletter.MaxValueBytes && (!bytes.Equal(got, orig[:deadletter.MaxValueBytes]) || info.OriginalSize != len(orig)):
		t.Errorf("%s: a %d-byte record's dead letter holds %d bytes and names %d as the original size; want its first %d and %d",
			kind, len(orig), len(got), info.OriginalSize, deadletter.MaxValueBytes, len(orig))
	}
}
