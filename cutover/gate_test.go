package cutover

import (
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/diffstore"
)

func TestWorstOrdersVerdicts(t *testing.T) {
	t.Parallel()
	tests := []struct{ a, b, want Verdict }{
		{Passed, Passed, Passed},
		{Passed, Waiting, Waiting},
		{Waiting, Passed, Waiting},
		{Waiting, Failed, Failed},
		{Failed, Passed, Failed},
	}
	for _, tc := range tests {
		if got := Worst(tc.a, tc.b); got != tc.want {
			t.Errorf("Worst(%s, %s) = %s, want %s", tc.a, tc.b, got, tc.want)
		}
	}
}

// TestEvaluateGate checks each condition of the gate alone: the gate is the
// worst of its checks, and a check that cannot vouch waits.
func TestEvaluateGate(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 26, 12, 0, 30, 0, time.UTC)
	lag := func(s float64) *float64 { return &s }
	healthy := diffstore.ComparatorHealth{Instances: 2, Alive: 2, Partitions: 12, LagSeconds: lag(1)}
	plan := Plan{Run: "r", Steps: []Step{{Percent: 10, Hold: 10 * time.Minute, MinPairs: 100}, {Percent: 100, Hold: 0, MinPairs: 0}},
		OnDivergence: PolicyRollback, Margin: time.Second, MaxComparatorLag: 30 * time.Second}
	good := diffstore.GateStats{Pairs: 100, Health: healthy}
	later := start.Add(11 * time.Minute)
	with := func(f func(*diffstore.GateStats)) diffstore.GateStats {
		s := good
		f(&s)
		return s
	}
	tests := []struct {
		name        string
		stage       int
		stats       diffstore.GateStats
		now         time.Time
		want        Verdict
		wantWaiting string // a check that does not pass, "" when all do
	}{
		{"every condition met passes", 0, good, later, Passed, ""},
		{"a divergence fails the gate", 0, with(func(s *diffstore.GateStats) { s.Divergent = 1 }), later, Failed, CheckDivergence},
		{"a record missing from v2 fails the gate", 0, with(func(s *diffstore.GateStats) { s.MissingInCandidate = 1 }), later, Failed, CheckDivergence},
		{"a divergence fails even while waiting for pairs", 0, with(func(s *diffstore.GateStats) { s.Divergent, s.Pairs = 1, 0 }), start, Failed, CheckDivergence},
		{"too few pairs wait", 0, with(func(s *diffstore.GateStats) { s.Pairs = 99 }), later, Waiting, CheckPairs},
		{"no pairs wait even when min_pairs is 0", 1, with(func(s *diffstore.GateStats) { s.Pairs = 0 }), later, Waiting, CheckPairs},
		{"the hold must pass", 0, good, start.Add(9 * time.Minute), Waiting, CheckHold},
		{"a stage not yet in effect has not begun its hold", 1, good, start.Add(-time.Second), Waiting, CheckHold},
		{"no heartbeat ever waits", 0, with(func(s *diffstore.GateStats) { s.Health = diffstore.ComparatorHealth{} }), later, Waiting, CheckComparator},
		{"no live instance waits", 0, with(func(s *diffstore.GateStats) { s.Health.Alive = 0 }), later, Waiting, CheckComparator},
		{"no checkpoint waits", 0, with(func(s *diffstore.GateStats) { s.Health.Partitions = 0 }), later, Waiting, CheckComparator},
		{"an uncovered partition waits", 0, with(func(s *diffstore.GateStats) { s.Health.Uncovered = []int{3} }), later, Waiting, CheckComparator},
		{"a partition without a watermark waits", 0, with(func(s *diffstore.GateStats) { s.Health.WithoutWatermark = []int{3} }), later, Waiting, CheckComparator},
		{"an unknown lag waits", 0, with(func(s *diffstore.GateStats) { s.Health.LagSeconds = nil }), later, Waiting, CheckComparator},
		{"a lag over the limit waits", 0, with(func(s *diffstore.GateStats) { s.Health.LagSeconds = lag(31) }), later, Waiting, CheckComparator},
		{"v2 behind waits, and is no divergence", 0, with(func(s *diffstore.GateStats) {
			s.Health.CandidateBehind, s.Health.CandidateLagSeconds = true, 45
		}), later, Waiting, "sides: v2 behind by 45s"},
		{"v1 behind waits too: its pairs are not compared yet", 0, with(func(s *diffstore.GateStats) { s.Health.ControlBehind = true }),
			later, Waiting, "sides: v1 behind"},
		{"a side that lags without being behind passes", 0, with(func(s *diffstore.GateStats) { s.Health.CandidateLagSeconds = 0.2 }),
			later, Passed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := evaluateGate(gateInput{plan: plan, stage: tc.stage, window: diffstore.GateWindow{EventFrom: start},
				stats: tc.stats, aliveWithin: 5 * time.Second, now: tc.now})
			if g.Verdict != tc.want || g.Passed() != (tc.want == Passed) {
				t.Errorf("verdict = %s, want %s; checks %+v", g.Verdict, tc.want, g.Checks)
			}
			reasons := strings.Join(g.Reasons(), "\n")
			if tc.wantWaiting == "" && reasons != "" || !strings.Contains(reasons, tc.wantWaiting) {
				t.Errorf("reasons = %q, want one from the %q check", reasons, tc.wantWaiting)
			}
		})
	}
}

func TestGateHoldLeftCountsFromTheStagesEffectiveTime(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 26, 12, 0, 30, 0, time.UTC)
	plan := Plan{Steps: []Step{{Percent: 100, Hold: time.Minute, MinPairs: 1}}, MaxComparatorLag: time.Second}
	for _, tc := range []struct {
		now  time.Time
		want time.Duration
	}{
		{start.Add(-time.Second), time.Minute + time.Second}, // not in effect yet
		{start.Add(20 * time.Second), 40 * time.Second},
		{start.Add(2 * time.Minute), 0},
	} {
		g := evaluateGate(gateInput{plan: plan, window: diffstore.GateWindow{EventFrom: start}, now: tc.now})
		if g.HoldLeft != tc.want {
			t.Errorf("HoldLeft at %s = %v, want %v", tc.now, g.HoldLeft, tc.want)
		}
	}
}

func TestDescribeSide(t *testing.T) {
	t.Parallel()
	n := func(v int64) *int64 { return &v }
	tests := []struct {
		p    diffstore.SideProgress
		want string
	}{
		{diffstore.SideProgress{Behind: true, LagSeconds: 45.04, InputLag: n(1204)}, "v2 behind by 45s (1,204 events not yet converted)"},
		{diffstore.SideProgress{Behind: true, LagSeconds: 90}, "v2 behind by 1m30s (input progress unknown: no producer group evidence)"},
		{diffstore.SideProgress{InputLag: n(1234567)}, "v2 not behind (1,234,567 events not yet converted)"},
		{diffstore.SideProgress{InputLag: n(12)}, "v2 not behind (12 events not yet converted)"},
	}
	for _, tc := range tests {
		if got := DescribeSide("v2", tc.p); got != tc.want {
			t.Errorf("DescribeSide(v2, %+v) = %q, want %q", tc.p, got, tc.want)
		}
	}
}

// TestGateRequireHoldsTheStageUntilEveryPairReachesTheLevel: a plan that
// requires identical (or equivalent) pairs holds a stage while its window
// has a pair below that level — a hold (Waiting), not a failure, so the
// controller never rolls back for it — and says why. The default counts
// only divergence.
func TestGateRequireHoldsTheStageUntilEveryPairReachesTheLevel(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 11, 26, 12, 0, 30, 0, time.UTC)
	lag := 1.0
	healthy := diffstore.ComparatorHealth{Instances: 1, Alive: 1, Partitions: 12, LagSeconds: &lag}
	paths := []diffstore.PathCount{{Path: "$headers.trace-id", N: 12}}
	tests := []struct {
		name       string
		plan, step Level
		stats      diffstore.GateStats
		want       Verdict
		wantDetail string // the level check's detail; "" when there is no level check
	}{
		{"the default passes equivalent and accepted pairs", "", "", diffstore.GateStats{Pairs: 4000, Identical: 3900, Equivalent: 90, Accepted: 10, EquivalentPaths: paths}, Passed, ""},
		{"require identical passes when every pair is identical", LevelIdentical, "", diffstore.GateStats{Pairs: 4000, Identical: 4000}, Passed, "all 4,000 pairs in the window identical (require: identical)"},
		{"require identical holds on equivalent pairs and names their paths", LevelIdentical, "", diffstore.GateStats{Pairs: 4000, Identical: 3988, Equivalent: 12, EquivalentPaths: paths}, Waiting,
			"12 of 4,000 pairs in the window only equivalent: $headers.trace-id 12 (require: identical)"},
		{"require identical holds on accepted pairs too", LevelIdentical, "", diffstore.GateStats{Pairs: 4000, Identical: 3985, Equivalent: 12, Accepted: 3, EquivalentPaths: paths}, Waiting,
			"15 of 4,000 pairs in the window below identical: 12 only equivalent, 3 accepted; equivalent at $headers.trace-id 12"},
		{"require equivalent passes equivalent pairs", LevelEquivalent, "", diffstore.GateStats{Pairs: 4000, Identical: 3988, Equivalent: 12, EquivalentPaths: paths}, Passed, "all 4,000 pairs in the window equivalent (require: equivalent)"},
		{"require equivalent holds on accepted pairs", LevelEquivalent, "", diffstore.GateStats{Pairs: 4000, Identical: 3985, Equivalent: 12, Accepted: 3}, Waiting,
			"3 of 4,000 pairs in the window below equivalent: 3 accepted"},
		{"a step's require overrides the plan's", LevelIdentical, LevelAccepted, diffstore.GateStats{Pairs: 4000, Identical: 1}, Passed, ""},
		{"a step may require more than the plan", "", LevelIdentical, diffstore.GateStats{Pairs: 10, Identical: 9, Equivalent: 1}, Waiting,
			"1 of 10 pairs in the window only equivalent: no path recorded (require: identical)"},
		{"a divergence still fails, whatever the level", LevelIdentical, "", diffstore.GateStats{Pairs: 10, Identical: 9, Divergent: 1}, Failed,
			"1 of 10 pairs in the window below identical: 1 divergent or of no known level"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			plan := Plan{Run: "r", Steps: []Step{{Percent: 100, Hold: 0, MinPairs: 10, Require: tc.step}},
				OnDivergence: PolicyRollback, Margin: time.Second, MaxComparatorLag: 30 * time.Second, Require: tc.plan}
			stats := tc.stats
			stats.Health = healthy
			g := evaluateGate(gateInput{plan: plan, window: diffstore.GateWindow{EventFrom: start}, stats: stats,
				aliveWithin: 5 * time.Second, now: start.Add(time.Minute)})
			if g.Verdict != tc.want {
				t.Errorf("verdict = %s, want %s; checks %+v", g.Verdict, tc.want, g.Checks)
			}
			var detail string
			for _, c := range g.Checks {
				if c.Name == CheckLevel {
					detail = c.Detail
				}
			}
			if detail != tc.wantDetail {
				t.Errorf("level check = %q, want %q", detail, tc.wantDetail)
			}
			if g.Diverged() != (tc.stats.Divergent > 0) {
				t.Errorf("Diverged() = %v; a level below the required one must not count as divergence", g.Diverged())
			}
		})
	}
}

func TestThousandsSeparatesGroupsOfThree(t *testing.T) {
	t.Parallel()
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 54350: "54,350", 1234567: "1,234,567", -4000: "-4,000"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}
