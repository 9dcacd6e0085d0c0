package comparator

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// BenchmarkCompareEqualBytes measures the fast path: identical records.
func BenchmarkCompareEqualBytes(b *testing.B) {
	r := mustLoadRules(b, rtcimRulesPath)
	rt := multiLine(b, 3)
	x, y := marshal(b, rt), marshal(b, rt)
	benchmarkCompare(b, r, x, y, Identical)
}

// BenchmarkCompareReordered measures a full comparison: v1's reorder fault,
// which the rules make equivalent.
func BenchmarkCompareReordered(b *testing.B) {
	r := mustLoadRules(b, rtcimRulesPath)
	rt := multiLine(b, 3)
	benchmarkCompare(b, r, marshal(b, rt), marshal(b, reordered(rt)), Equivalent)
}

// BenchmarkCompareAccepted measures a pair with accepted differences: the
// rounding fault on two lines of a reordered record.
func BenchmarkCompareAccepted(b *testing.B) {
	r := mustLoadRules(b, rtcimRulesPath)
	rt := multiLine(b, 3)
	benchmarkCompare(b, r, marshal(b, rt), marshal(b, reordered(halfUp(rt, 0, 1))), Accepted)
}

// BenchmarkCompareRecordsIdentical measures the fast path of whole records:
// key, value, two headers and timestamp byte-equal. It must cost no more
// than BenchmarkCompareEqualBytes plus the metadata's bytes, and allocate
// nothing.
func BenchmarkCompareRecordsIdentical(b *testing.B) {
	r := mustLoadRules(b, rtcimRulesPath)
	rt := multiLine(b, 3)
	x := Record{Key: []byte(rt.OrderID), Value: marshal(b, rt), Time: time.Unix(1772942400, 0),
		Headers: []kafka.Header{{Key: "traceparent", Value: []byte("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")},
			{Key: "content-type", Value: []byte("application/json")}}}
	y := x
	y.Value = marshal(b, rt)
	benchmarkRecords(b, r, x, y, Identical)
}

// BenchmarkCompareFieldOrder measures a value whose members come in another
// order (v1's field-order fault): decoded, compared and classified.
func BenchmarkCompareFieldOrder(b *testing.B) {
	r := mustLoadRules(b, rtcimRulesPath)
	rt := multiLine(b, 3)
	x := marshal(b, rt)
	var m map[string]any // re-encoding a map sorts its members
	if err := json.Unmarshal(x, &m); err != nil {
		b.Fatal(err)
	}
	benchmarkCompare(b, r, x, marshal(b, m), Equivalent)
}

func benchmarkRecords(b *testing.B, r *Rules, x, y Record, want Outcome) {
	b.Helper()
	if res, err := r.CompareRecords(&x, &y); err != nil || res.Outcome != want {
		b.Fatalf("CompareRecords = %v, %v; want %v", res.Outcome, err, want)
	}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := r.CompareRecords(&x, &y); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}

func benchmarkCompare(b *testing.B, r *Rules, x, y []byte, want Outcome) {
	b.Helper()
	if res, err := r.Compare(x, y); err != nil || res.Outcome != want {
		b.Fatalf("Compare = %v, %v; want %v", res.Outcome, err, want)
	}
	b.SetBytes(int64(len(x) + len(y)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := r.Compare(x, y); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
