package header

import (
	"strings"
	"testing"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/style"
)

// TestComparatorLineShowsASideBehind: a version the comparator reports
// behind is named with its lag and the input events it has not converted;
// a version keeping pace is not mentioned.
func TestComparatorLineShowsASideBehind(t *testing.T) {
	t.Parallel()
	n := int64(1204)
	tests := []struct {
		name       string
		health     diffstore.ComparatorHealth
		want, none string
	}{
		{"v2 behind", diffstore.ComparatorHealth{Instances: 1, Alive: 1, SidesProgress: diffstore.SidesProgress{CandidateBehind: true, CandidateLagSeconds: 45, CandidateInputLag: &n}},
			"v2 behind 45s (1,204 events not converted)", "v1 behind"},
		{"v1 behind, its input progress unknown", diffstore.ComparatorHealth{Instances: 1, Alive: 1, SidesProgress: diffstore.SidesProgress{ControlBehind: true, ControlLagSeconds: 3}},
			"v1 behind 3.0s", "v2 behind"},
		{"both keep pace", diffstore.ComparatorHealth{Instances: 1, Alive: 1, SidesProgress: diffstore.SidesProgress{CandidateLagSeconds: 0.2}}, "1/1 alive", "behind"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := New(style.New())
			m.SetSize(200, 0)
			m.SetData(Data{Health: tc.health})
			line := m.comparatorLine()
			if !strings.Contains(line, tc.want) || strings.Contains(line, tc.none) {
				t.Errorf("comparator line = %q, want %q and no %q", line, tc.want, tc.none)
			}
		})
	}
}

// TestAdviceNamesTheSideAtFault: records missing in the candidate are v2's
// loss; divergent pairs say only that v1 and v2 disagree, and the advice
// then never presumes v2 is the one to fix.
func TestAdviceNamesTheSideAtFault(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		ch         Change
		want, none string
	}{
		{"missing in candidate: v2", Change{Automatic: true, MissingInCandidate: 3}, "v2 is at fault", "disagree"},
		{"divergent: both named, at the top path", Change{Automatic: true, Divergent: 12},
			"v1 and v2 disagree (most at totals.shipping_minor): fix whichever is wrong", "v2 is"},
		{"both", Change{Automatic: true, Divergent: 12, MissingInCandidate: 3}, "v2 lost records v1 wrote, and v1 and v2 disagree", "once v2"},
		{"by hand", Change{Actor: "alice"}, "rolled back by hand", "v2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := advice(tc.ch, "totals.shipping_minor", "p (resume)")
			if !strings.Contains(got, tc.want) || strings.Contains(got, tc.none) {
				t.Errorf("advice = %q, want %q and no %q", got, tc.want, tc.none)
			}
		})
	}
}
