package cutover

import (
	"fmt"
	"strings"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/human"
)

// Verdict is the outcome of a check, or of a gate: the worst of its checks.
type Verdict string

// The verdicts, from best to worst.
const (
	// Passed: the check holds.
	Passed Verdict = "passed"
	// Waiting: not enough evidence yet (pairs, hold time, a comparator that
	// is down or behind): the gate does not pass, and nothing is wrong yet.
	Waiting Verdict = "waiting"
	// Failed: a divergence; the controller acts by the plan's policy.
	Failed Verdict = "failed"
)

// verdictOrder ranks verdicts for Worst.
var verdictOrder = map[Verdict]int{Passed: 0, Waiting: 1, Failed: 2}

// Worst returns the worse of a and b.
func Worst(a, b Verdict) Verdict {
	if verdictOrder[b] > verdictOrder[a] {
		return b
	}
	return a
}

// The names of a gate's checks.
const (
	CheckDivergence = "divergence"
	CheckPairs      = "pairs"
	CheckComparator = "comparator"
	CheckSides      = "sides"
	CheckHold       = "hold"
	// CheckLevel holds a stage until every pair in its window reaches the
	// level the plan requires; only present when that is stricter than
	// accepted.
	CheckLevel = "level"
)

// Check is one condition of a gate, with the numbers read in Detail and, when
// it does not pass, what it waits for.
type Check struct {
	Name    string  `json:"name"`
	Verdict Verdict `json:"verdict"`
	Detail  string  `json:"detail"`
}

// Gate is the evaluation of a stage's gate at one moment (invariant 3): it
// passes only when, over the stage's window, at least MinPairs pairs were
// compared, none diverged and none went missing from v2, every partition's
// comparator is alive with a lag of at most MaxComparatorLag, neither v1
// nor v2 is behind (the comparator has records waiting for one of them
// with no evidence yet that it passed them: neither compared nor missing),
// the hold has passed, and, when the plan requires a level, every pair
// reached it (a pair below it makes the gate wait, never fail). Its Verdict
// is the worst of its Checks.
type Gate struct {
	Stage   int     `json:"stage"`
	Percent float64 `json:"percent"`
	// EventFrom and RecordedFrom are the stage's window (see
	// diffstore.GateWindow).
	EventFrom    time.Time `json:"eventFrom"`
	RecordedFrom time.Time `json:"recordedFrom"`
	// Stats are the numbers read from the store.
	Stats diffstore.GateStats `json:"stats"`
	// MinPairs is the step's min_pairs, or 1 when that is 0.
	MinPairs         int64         `json:"minPairs"`
	Hold             time.Duration `json:"hold"`
	Require          Level         `json:"require"`
	HoldLeft         time.Duration `json:"holdLeft"` // 0 once the hold has passed
	MaxComparatorLag time.Duration `json:"maxComparatorLag"`
	AliveWithin      time.Duration `json:"aliveWithin"`
	At               time.Time     `json:"at"` // the controller's clock
	Checks           []Check       `json:"checks"`
	Verdict          Verdict       `json:"verdict"`
}

// Passed reports whether the gate passed: every check passed.
func (g Gate) Passed() bool { return g.Verdict == Passed }

// Diverged reports whether the window holds a divergence or a record
// missing from v2.
func (g Gate) Diverged() bool { return g.Stats.Divergent+g.Stats.MissingInCandidate > 0 }

// Reasons returns the details of the checks that did not pass: why the gate
// waits, or why it failed.
func (g Gate) Reasons() []string {
	var out []string
	for _, c := range g.Checks {
		if c.Verdict != Passed {
			out = append(out, c.Name+": "+c.Detail)
		}
	}
	return out
}

// gateInput is what evaluateGate judges.
type gateInput struct {
	plan        Plan
	stage       int
	window      diffstore.GateWindow
	stats       diffstore.GateStats
	aliveWithin time.Duration
	now         time.Time
}

// evaluateGate judges in without I/O.
func evaluateGate(in gateInput) Gate {
	step := in.plan.Steps[in.stage]
	g := Gate{Stage: in.stage, Percent: step.Percent, EventFrom: in.window.EventFrom, RecordedFrom: in.window.RecordedFrom,
		Stats: in.stats, MinPairs: max(step.MinPairs, 1), Hold: step.Hold, Require: in.plan.RequireAt(in.stage),
		MaxComparatorLag: in.plan.MaxComparatorLag, AliveWithin: in.aliveWithin, At: in.now}
	g.HoldLeft = max(0, step.Hold-in.now.Sub(in.window.EventFrom))
	g.Checks = []Check{
		divergenceCheck(in.stats, in.plan.OnDivergence),
		pairsCheck(in.stats, g.MinPairs),
		comparatorCheck(in.stats.Health, in.plan.MaxComparatorLag, in.aliveWithin),
		sidesCheck(in.stats.Health),
		holdCheck(step.Hold, g.HoldLeft),
	}
	if g.Require != LevelAccepted {
		g.Checks = append(g.Checks, levelCheck(in.stats, g.Require))
	}
	g.Verdict = Passed
	for _, c := range g.Checks {
		g.Verdict = Worst(g.Verdict, c.Verdict)
	}
	return g
}

func divergenceCheck(s diffstore.GateStats, policy Policy) Check {
	if s.Divergent+s.MissingInCandidate > 0 {
		return Check{CheckDivergence, Failed, fmt.Sprintf("%s divergent and %s missing in candidate in the stage's window (policy: %s)",
			thousands(s.Divergent), thousands(s.MissingInCandidate), policy)}
	}
	return Check{CheckDivergence, Passed, "0 divergent, 0 missing in candidate"}
}

// levelCheck waits while a pair in the window is below require
// (identical or equivalent), saying how many, at which levels, and, for
// equivalent pairs, at which paths.
func levelCheck(s diffstore.GateStats, require Level) Check {
	below := s.Pairs - s.Identical
	if require == LevelEquivalent {
		below -= s.Equivalent
	}
	if below <= 0 {
		return Check{CheckLevel, Passed, fmt.Sprintf("all %s pairs in the window %s (require: %s)", thousands(s.Pairs), require, require)}
	}
	equivalent := s.Equivalent
	if require == LevelEquivalent {
		equivalent = 0
	}
	other := below - equivalent - s.Accepted
	var parts []string
	if equivalent > 0 {
		parts = append(parts, thousands(equivalent)+" only equivalent")
	}
	if s.Accepted > 0 {
		parts = append(parts, thousands(s.Accepted)+" accepted")
	}
	if other > 0 {
		parts = append(parts, thousands(other)+" divergent or of no known level")
	}
	paths := equivalentPaths(s.EquivalentPaths)
	if len(parts) == 1 && equivalent > 0 {
		return Check{CheckLevel, Waiting, fmt.Sprintf("%s of %s pairs in the window only equivalent: %s (require: %s)",
			thousands(below), thousands(s.Pairs), paths, require)}
	}
	detail := fmt.Sprintf("%s of %s pairs in the window below %s: %s", thousands(below), thousands(s.Pairs), require, strings.Join(parts, ", "))
	if equivalent > 0 {
		detail += "; equivalent at " + paths
	}
	return Check{CheckLevel, Waiting, detail}
}

// equivalentPaths renders paths as "$headers.trace-id 12, $value.order 3".
func equivalentPaths(ps []diffstore.PathCount) string {
	if len(ps) == 0 {
		return "no path recorded"
	}
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Path + " " + thousands(p.N)
	}
	return strings.Join(out, ", ")
}

// thousands writes n with a comma between groups of three digits: 4,000.
func thousands(n int64) string { return human.Count(n) }

func pairsCheck(s diffstore.GateStats, minPairs int64) Check {
	detail := fmt.Sprintf("%s/%s pairs compared (source event time from %s)", thousands(s.Pairs), thousands(minPairs), s.PairsFrom.UTC().Format(time.RFC3339))
	if s.Pairs < minPairs {
		return Check{CheckPairs, Waiting, detail}
	}
	return Check{CheckPairs, Passed, detail}
}

// comparatorCheck passes only when the comparator can vouch for every
// partition; each way it cannot is a reason to wait (fail closed).
func comparatorCheck(h diffstore.ComparatorHealth, maxLag, aliveWithin time.Duration) Check {
	wait := func(format string, args ...any) Check {
		return Check{CheckComparator, Waiting, fmt.Sprintf(format, args...)}
	}
	lag, lagKnown := h.Lag()
	switch {
	case h.Instances == 0:
		return wait("no comparator instance has ever sent a heartbeat for this run; start oink compare")
	case h.Alive == 0:
		return wait("no comparator instance sent a heartbeat in the last %s (%d known)", human.Duration(aliveWithin), h.Instances)
	case h.Partitions == 0:
		return wait("the comparator has not checkpointed any partition yet")
	case len(h.Uncovered) > 0:
		return wait("partitions %v are not owned by a live comparator instance", h.Uncovered)
	case len(h.WithoutWatermark) > 0:
		return wait("partitions %v have no watermark yet", h.WithoutWatermark)
	case !lagKnown:
		return wait("comparator lag is unknown")
	case lag > maxLag:
		return wait("comparator lag %s is over max_comparator_lag %s", human.Duration(lag), human.Duration(maxLag))
	}
	return Check{CheckComparator, Passed, fmt.Sprintf("%d instance(s) alive, %d partition(s), lag %s (max %s)",
		h.Alive, h.Partitions, human.Duration(lag), human.Duration(maxLag))}
}

// sidesCheck waits while the comparator reports v2 or v1 behind: records of
// one side wait for partners the other has not written yet, so the window
// holds comparisons not made yet. It waits, never fails: a slow version is
// not a version that loses records (that shows as missing, once evidence
// says so).
func sidesCheck(h diffstore.ComparatorHealth) Check {
	if h.Alive == 0 {
		return Check{CheckSides, Waiting, "unknown: no live comparator instance reports whether v1 and v2 keep pace"}
	}
	var behind []string
	for _, sd := range []struct {
		name string
		side diffstore.Side
	}{{"v2", diffstore.SideCandidate}, {"v1", diffstore.SideControl}} {
		if p := h.Side(sd.side); p.Behind {
			behind = append(behind, DescribeSide(sd.name, p))
		}
	}
	if len(behind) > 0 {
		return Check{CheckSides, Waiting, strings.Join(behind, "; ")}
	}
	return Check{CheckSides, Passed, "v1 and v2 keep pace: " + DescribeSide("v2", h.Side(diffstore.SideCandidate))}
}

// DescribeSide says in words how side name (v1 or v2) keeps pace: "v2
// behind by 45s (1,204 events not yet converted)", or "v2 not behind (12
// events not yet converted)".
func DescribeSide(name string, p diffstore.SideProgress) string {
	converted := "input progress unknown: no producer group evidence"
	if p.InputLag != nil {
		converted = thousands(*p.InputLag) + " events not yet converted"
	}
	if !p.Behind {
		return fmt.Sprintf("%s not behind (%s)", name, converted)
	}
	return fmt.Sprintf("%s behind by %s (%s)", name, human.Seconds(&p.LagSeconds), converted)
}

func holdCheck(hold, left time.Duration) Check {
	if left > hold {
		return Check{CheckHold, Waiting, fmt.Sprintf("%s left: the stage takes effect in %s, then holds %s",
			human.Duration(left), human.Duration(left-hold), human.Duration(hold))}
	}
	if left > 0 {
		return Check{CheckHold, Waiting, fmt.Sprintf("%s left of %s", human.Duration(left), human.Duration(hold))}
	}
	return Check{CheckHold, Passed, fmt.Sprintf("held %s", human.Duration(hold))}
}

// evaluation returns the row RecordGate stores for g.
func (g Gate) evaluation(run string) diffstore.GateEvaluation {
	return diffstore.GateEvaluation{Run: run, Stage: g.Stage, Percent: g.Percent, Pairs: g.Stats.Pairs,
		MinPairs: g.MinPairs, Divergent: g.Stats.Divergent, MissingInCandidate: g.Stats.MissingInCandidate,
		InstancesAlive: g.Stats.Health.Alive, LagSeconds: g.Stats.Health.LagSeconds,
		HoldLeftSeconds: g.HoldLeft.Seconds(), Passed: g.Passed(), Reasons: g.Reasons()}
}
