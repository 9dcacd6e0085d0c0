// Package codectest holds what the JSON codec tests of producer/,
// comparator/ and legacy/ share: the generated events they run on, v2's
// record of an event, the tally of the records on which a JSON library
// parts ways with encoding/json, and the benchmark loop over a set of
// inputs (BENCHMARKS.md, "JSON").
package codectest

import (
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/loadgen"
	"github.com/oinkhq/oink/producer"
)

// Events returns the values of the first n events of the load generator
// with seed 1, a share invalid of them made invalid in every way it knows.
func Events(tb testing.TB, n int, invalid float64) [][]byte {
	tb.Helper()
	g, err := loadgen.New(loadgen.Config{Seed: 1, InvalidRatio: invalid, Start: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		tb.Fatal(err)
	}
	out := make([][]byte, n)
	for i := range out {
		out[i] = g.Next().Value
	}
	return out
}

// Record returns the record v2 writes for ev: its RTCIM
// (producer.Transform), encoded (producer.Record).
func Record(tb testing.TB, ev oink.OrderEvent) kafka.Message {
	tb.Helper()
	rt, err := producer.Transform(ev)
	if err != nil {
		tb.Fatal(err)
	}
	rec, err := producer.Record(rt)
	if err != nil {
		tb.Fatal(err)
	}
	return rec
}

// Disagreement counts the records on which a codec parts ways with
// encoding/json, by how.
type Disagreement struct {
	AcceptsRefused   int // decodes a record encoding/json refuses
	RefusesAccepted  int // refuses a record encoding/json decodes
	DecodesOtherwise int // decodes it to another value
	OfInvalidUTF8    int // of the above, records that are not valid UTF-8 (v2 and the comparator refuse them first)
}

// Count counts rec if the codec parted ways with encoding/json on it:
// refErr is encoding/json's error, err the codec's, and differs whether
// both decoded it, to different values. It returns how the codec parted
// ways, for the test's log, or "" when it did not.
func (d *Disagreement) Count(rec []byte, refErr, err error, differs bool) string {
	var how string
	switch {
	case refErr != nil && err == nil:
		d.AcceptsRefused++
		how = "accepts what encoding/json refuses (" + refErr.Error() + ")"
	case refErr == nil && err != nil:
		d.RefusesAccepted++
		how = "refuses what encoding/json accepts: " + err.Error()
	case refErr == nil && differs:
		d.DecodesOtherwise++
		how = "decodes otherwise"
	default:
		return ""
	}
	if !utf8.Valid(rec) {
		d.OfInvalidUTF8++
	}
	return how
}

// Check fails t when d, the disagreements of codec on n records, is not
// want, those recorded in BENCHMARKS.md: a change is to be looked at and
// written down.
func (d Disagreement) Check(t testing.TB, codec string, n int, want Disagreement) {
	t.Helper()
	if diff := cmp.Diff(want, d); diff != "" {
		t.Errorf("%s's disagreements with encoding/json on %d records changed (-recorded +now):\n%s", codec, n, diff)
	}
}

// Cycle runs f once per iteration of b, on the inputs 0, 1, … n-1 in
// turn and again, and stops the benchmark at f's first error. It reports
// allocations and returns how many iterations ran.
func Cycle(b *testing.B, n int, f func(i int) error) int {
	b.Helper()
	b.ReportAllocs()
	ran := 0
	for b.Loop() {
		if err := f(ran % n); err != nil {
			b.Fatal(err)
		}
		ran++
	}
	return ran
}
