package chart

import (
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/style"
)

func TestRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		c    diffstore.Counts
		want float64
	}{
		{"nothing compared is 0, not a division by zero", diffstore.Counts{ReadControl: 5}, 0},
		{"divergent of pairs", diffstore.Counts{Pairs: 100, Divergent: 5}, 0.05},
		{"missing in candidate counts as compared and as divergence", diffstore.Counts{Pairs: 9, MissingInCandidate: 1}, 0.1},
		{"missing in control does not count", diffstore.Counts{Pairs: 10, MissingInControl: 3}, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Rate(tc.c); got != tc.want {
				t.Errorf("Rate(%+v) = %v, want %v", tc.c, got, tc.want)
			}
		})
	}
}

func TestGrainIsTheFinestThatFits(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 8, 4, 0, 0, 0, time.UTC)
	tests := []struct {
		name    string
		span    time.Duration
		columns int
		want    time.Duration
	}{
		{"a demo's minute and a half in 80 columns: the store's 10s", 90 * time.Second, 80, 10 * time.Second},
		{"twenty minutes in 80 columns: 20s", 20 * time.Minute, 80, 20 * time.Second},
		{"a day in 80 columns: 30m", 24 * time.Hour, 80, 30 * time.Minute},
		{"a day in 160 columns: 10m", 24 * time.Hour, 160, 10 * time.Minute},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Grain(base, base.Add(tc.span), tc.columns); got != tc.want {
				t.Errorf("Grain(span %v, %d columns) = %v, want %v", tc.span, tc.columns, got, tc.want)
			}
		})
	}
}

// TestChartUsesTheWidthWithAxisScaleAndMarks: eight 10-second buckets at 80
// columns take 10 columns each; the title states the grain and the scale;
// the axis shows the time at both ends and each transition where it took
// effect: a stage change ▲ with its percent, a rollback ↺.
func TestChartUsesTheWidthWithAxisScaleAndMarks(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 8, 4, 0, 0, 0, time.UTC)
	at := func(i int, c diffstore.Counts) diffstore.MinuteCounts {
		return diffstore.MinuteCounts{Minute: base.Add(time.Duration(i) * 10 * time.Second), Counts: c}
	}
	m := New(style.New())
	m.SetSize(80, 3)
	m.SetData(Data{Grain: 10 * time.Second, Buckets: []diffstore.MinuteCounts{
		at(0, diffstore.Counts{Pairs: 1000}),
		at(1, diffstore.Counts{Pairs: 1000, MissingInControl: 50}), // does not count
		at(2, diffstore.Counts{Pairs: 1000, Divergent: 20}),        // the peak: 2%
		// at(3): no records
		at(4, diffstore.Counts{Pairs: 1000, Divergent: 1}), // tiny but visible
		at(5, diffstore.Counts{Pairs: 1000}),
		at(6, diffstore.Counts{Pairs: 1000}),
		at(7, diffstore.Counts{Pairs: 1000}),
	}, Marks: []Mark{{At: base.Add(15 * time.Second), Percent: 1}, {At: base.Add(25 * time.Second), Percent: 0}, {At: base.Add(45 * time.Second), Percent: 1}}})
	lines := strings.Split(m.View(), "\n")
	if len(lines) != 3 {
		t.Fatalf("View has %d lines, want 3:\n%s", len(lines), m.View())
	}
	for _, want := range []string{"divergence per 10s", "█ = 2.00% (peak 04:00:20)", "last 0.00%", "▲ stage ↺ rollback"} {
		if !strings.Contains(lines[0], want) {
			t.Errorf("title %q lacks %q", lines[0], want)
		}
	}
	bars := []rune(lines[1])
	cell := func(bucket int) rune { return bars[bucket*10+9] } // the last column of each: marks sit elsewhere
	want := []rune{Zero, Zero, '█', ' ', '▁', Zero, Zero, Zero}
	for i, w := range want {
		if got := cell(i); got != w {
			t.Errorf("bucket %d drawn %q, want %q (bars %q)", i, got, w, lines[1])
		}
	}
	if got := style.Width(strings.TrimRight(lines[1], " ")); got != 80 {
		t.Errorf("bars take %d columns, want the whole width, 80", got)
	}
	axis := lines[2]
	for _, want := range []string{"04:00:00", "▲1%", "↺0%", "04:01:20 UTC"} {
		if !strings.Contains(axis, want) {
			t.Errorf("axis %q lacks %q", axis, want)
		}
	}
	// The rollback took effect at +25s: half way into the third bucket.
	if got := strings.Index(string([]rune(axis)[25:]), "↺"); got != 0 {
		t.Errorf("axis %q: the rollback mark is not at column 25", axis)
	}
}
