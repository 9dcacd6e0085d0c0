package bench

import (
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ten := func() []time.Duration {
		var ds []time.Duration
		for i := 10; i >= 1; i-- { // unsorted on purpose
			ds = append(ds, time.Duration(i)*time.Millisecond)
		}
		return ds
	}
	tests := []struct {
		name string
		ds   []time.Duration
		q    float64
		want time.Duration
	}{
		{"no samples give zero", nil, 0.5, 0},
		{"one sample is every percentile", []time.Duration{7}, 0.99, 7},
		{"the median of ten is the fifth by nearest rank", ten(), 0.5, 5 * time.Millisecond},
		{"p99 of ten is the largest", ten(), 0.99, 10 * time.Millisecond},
		{"p10 of ten is the smallest", ten(), 0.1, time.Millisecond},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := percentile(tc.ds, tc.q); got != tc.want {
				t.Errorf("percentile(%v, %v) = %v, want %v", tc.ds, tc.q, got, tc.want)
			}
		})
	}
}

// TestTimelineFill checks the numbers derived from the commits seen: start
// at 0, commits at 1s, 1.1s, 1.3s and 1.4s for 4000 events.
func TestTimelineFill(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	tl := timeline{start: t0, commits: []time.Time{at(1000), at(1100), at(1300), at(1400)}}
	var r Result
	tl.fill(&r, 4000)
	want := Result{Seconds: 1.4, EventsPerSecond: 4000 / 1.4, StartupSeconds: 1, SteadyEventsPerSecond: 3000 / 0.4,
		Commits: 4, BatchLatencyP50Ms: 100, BatchLatencyP99Ms: 200}
	if !near(r.Seconds, want.Seconds) || !near(r.EventsPerSecond, want.EventsPerSecond) || !near(r.StartupSeconds, want.StartupSeconds) ||
		!near(r.SteadyEventsPerSecond, want.SteadyEventsPerSecond) || r.Commits != want.Commits ||
		!near(r.BatchLatencyP50Ms, want.BatchLatencyP50Ms) || !near(r.BatchLatencyP99Ms, want.BatchLatencyP99Ms) {
		t.Errorf("fill = %+v, want %+v", r, want)
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

func TestRatioNeedsBothPipelines(t *testing.T) {
	t.Parallel()
	results := []Result{{Pipeline: Oink, EventsPerSecond: 50}, {Pipeline: RefRaw, EventsPerSecond: 200}}
	if got := ratio(results, Oink, RefRaw); got == nil || *got != 0.25 {
		t.Errorf("ratio(oink, ref-raw) = %v, want 0.25", got)
	}
	if got := ratio(results, Oink, RefTransform); got != nil {
		t.Errorf("ratio(oink, ref-transform) = %v without ref-transform, want nil", *got)
	}
}
