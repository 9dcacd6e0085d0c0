package comparator

import (
	"testing"
	"time"
)

// BenchmarkIdentify measures identifying a realistic RTCIM by its key fields
// and event time, as the join does for every record.
func BenchmarkIdentify(b *testing.B) {
	r := mustLoadRules(b, rtcimRulesPath)
	rt := multiLine(b, 3)
	value := marshal(b, rt)
	key := []byte(rt.OrderID)
	now := time.Now()
	b.SetBytes(int64(len(value)))
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, _, err := r.Identify(key, value, now); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "records/s")
}
