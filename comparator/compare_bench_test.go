package comparator

import (
	"testing"
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
