package sparkline

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

func TestOneLineMarksZerosGapsAndAnyDivergence(t *testing.T) {
	t.Parallel()
	base := time.Date(2026, 3, 8, 4, 0, 0, 0, time.UTC)
	at := func(i int, c diffstore.Counts) diffstore.MinuteCounts {
		return diffstore.MinuteCounts{Minute: base.Add(time.Duration(i) * time.Minute), Counts: c}
	}
	m := New(style.New())
	m.SetSize(80, 1)
	m.SetData([]diffstore.MinuteCounts{
		at(0, diffstore.Counts{Pairs: 1000}),
		at(2, diffstore.Counts{Pairs: 1000, Divergent: 1}),   // 0.1%: tiny but visible
		at(3, diffstore.Counts{Pairs: 1000, Divergent: 100}), // the peak
		at(4, diffstore.Counts{ReadControl: 5}),              // records, none compared
	})
	v := m.View()
	if !strings.Contains(v, "· ▁█·") {
		t.Errorf("View = %q, want a zero ·, a gap, the smallest bar for any divergence, a full bar, and · for nothing compared", v)
	}
	if !strings.Contains(v, "peak 10.00% 04:03") || !strings.Contains(v, "last 10.00%") {
		t.Errorf("View = %q, want the peak minute and the last compared minute's rate", v)
	}
}
