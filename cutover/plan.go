package cutover

import (
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"github.com/oinkhq/oink/internal/yamlstrict"
)

// Plan is a cutover plan: the steps by which v2 takes over the live topic,
// and what to do on a divergence. It is data, in the manner of argo
// rollouts' CanaryStep list: the controller only walks it.
type Plan struct {
	// Run is the shadow run whose comparisons gate the cutover.
	Run string
	// Steps, in order. Percents strictly increase, the last is 100.
	Steps []Step
	// OnDivergence is what the controller does when a stage's gate sees a
	// divergence. Default: PolicyRollback.
	OnDivergence Policy
	// Margin is the lead time of every route transition: a transition
	// written at database time T takes effect from source event time
	// T+Margin. Default: 1s. At least 1ms.
	Margin time.Duration
	// MaxComparatorLag is the comparator lag over which a gate waits.
	// Default: 30s.
	MaxComparatorLag time.Duration
	// Require is the level every pair in a stage's window must reach before
	// its gate passes, for the steps that do not set their own. "" means
	// LevelAccepted: only divergence counts.
	Require Level
}

// Level is the comparison level a gate may require of every pair in its
// window (the comparator's levels, best first: identical, equivalent,
// accepted, divergent). A pair below it holds the stage: the gate waits,
// it does not fail, and nothing rolls back.
type Level string

// The levels a plan may require.
const (
	// LevelIdentical requires every pair identical: key, value bytes,
	// headers and timestamp equal, so downstream cannot tell the versions
	// apart.
	LevelIdentical Level = "identical"
	// LevelEquivalent requires every pair identical or equivalent: no
	// difference an accept rule had to explain.
	LevelEquivalent Level = "equivalent"
	// LevelAccepted requires nothing beyond no divergence: the default.
	LevelAccepted Level = "accepted"
)

// levelHint lists the levels for errors.
const levelHint = "want identical (every pair equal byte for byte, metadata included), equivalent (no accepted difference) or accepted (the default: only divergence counts)"

// valid reports whether l is a level a plan may require; "" is the default.
func (l Level) valid() bool {
	return l == "" || l == LevelIdentical || l == LevelEquivalent || l == LevelAccepted
}

// RequireAt returns the level stage's gate requires: the step's own, else
// the plan's, else LevelAccepted.
func (p Plan) RequireAt(stage int) Level {
	if stage >= 0 && stage < len(p.Steps) && p.Steps[stage].Require != "" {
		return p.Steps[stage].Require
	}
	if p.Require != "" {
		return p.Require
	}
	return LevelAccepted
}

// Step is one stage of a plan: v2 owns Percent of the key buckets, and the
// stage's gate passes once the stage has held Hold and at least MinPairs
// pairs were compared in its window with no divergence.
type Step struct {
	// Percent of key buckets owned by v2: bucket = murmur2(key) mod 10000,
	// v2 owns the buckets below Percent×100. In (0, 100], a multiple of
	// 0.01 (one bucket).
	Percent float64
	// Hold is how long the stage lasts at least, from its transition's
	// effective time. >= 0.
	Hold time.Duration
	// MinPairs is how many pairs must be compared in the stage's window.
	// >= 0; the gate needs at least one pair even when it is 0, since no
	// comparison is never read as no divergence (invariant 3).
	MinPairs int64
	// Require overrides the plan's Require for this stage; "" keeps it.
	Require Level
}

// Policy is what the controller does when a gate sees a divergence.
type Policy string

// The policies.
const (
	// PolicyRollback writes a transition to 0% and sets the phase
	// RolledBack.
	PolicyRollback Policy = "rollback"
	// PolicyPause holds the stage's percent and sets the phase Paused.
	PolicyPause Policy = "pause"
)

// Defaults of the optional plan fields.
const (
	DefaultMargin           = time.Second
	DefaultMaxComparatorLag = 30 * time.Second
	DefaultPolicy           = PolicyRollback
)

// minMargin is the smallest margin: the store keeps microseconds, and a
// transition must take effect strictly after it is written.
const minMargin = time.Millisecond

// PlanError is one problem in a plan: its file, line and column, field and
// fix (see yamlstrict.Error). ParsePlan joins every PlanError it finds
// (errors.Join); use errors.As to reach the first.
type PlanError = yamlstrict.Error

// LoadPlan reads and parses the plan file at path (see ParsePlan).
func LoadPlan(path string) (Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Plan{}, fmt.Errorf("read plan: %w", err)
	}
	return ParsePlan(path, data)
}

// PercentOf returns the percent of stage (an index into Steps), 0 for
// StageBeforeFirst or any stage out of range.
func (p Plan) PercentOf(stage int) float64 {
	if stage < 0 || stage >= len(p.Steps) {
		return 0
	}
	return p.Steps[stage].Percent
}

// StageOf returns the index of the step whose percent is percent, or false.
func (p Plan) StageOf(percent float64) (int, bool) {
	for i, s := range p.Steps {
		if s.Percent == percent {
			return i, true
		}
	}
	return 0, false
}

// Validate checks a plan built in code (ParsePlan already did, naming the
// lines). It reports every problem at once.
func (p Plan) Validate() error {
	var errs []error
	bad := func(field, format string, args ...any) {
		errs = append(errs, &PlanError{File: "plan", Field: field, Msg: fmt.Sprintf(format, args...)})
	}
	if p.Run == "" {
		bad("run", "missing; name the shadow run, e.g. run: shadow-2026-11")
	}
	if len(p.Steps) == 0 {
		bad("steps", "missing; list at least one step, the last at percent 100")
	}
	prev := 0.0
	for i, s := range p.Steps {
		field := fmt.Sprintf("steps[%d]", i)
		if msg := percentProblem(s.Percent, prev, i == len(p.Steps)-1); msg != "" {
			bad(field+".percent", "%s", msg)
		}
		prev = s.Percent
		if s.Hold < 0 {
			bad(field+".hold", "%v is negative; use 0s or more", s.Hold)
		}
		if s.MinPairs < 0 {
			bad(field+".min_pairs", "%d is negative; use 0 or more", s.MinPairs)
		}
		if !s.Require.valid() {
			bad(field+".require", "%q: %s", s.Require, levelHint)
		}
	}
	if !p.Require.valid() {
		bad("require", "%q: %s", p.Require, levelHint)
	}
	if p.OnDivergence != PolicyRollback && p.OnDivergence != PolicyPause {
		bad("on_divergence", "%q: want rollback or pause", p.OnDivergence)
	}
	if p.Margin < minMargin {
		bad("margin", "%v: want at least %v, e.g. margin: 1s", p.Margin, minMargin)
	}
	if p.MaxComparatorLag <= 0 {
		bad("max_comparator_lag", "%v: want a positive duration, e.g. max_comparator_lag: 30s", p.MaxComparatorLag)
	}
	return errors.Join(errs...)
}

// percentProblem says what is wrong with a step's percent, given the
// previous step's (0 for the first), or "".
func percentProblem(p, prev float64, last bool) string {
	switch {
	case math.IsNaN(p) || p <= 0 || p > 100:
		return fmt.Sprintf("%v is out of range; want a percent above 0 and at most 100", p)
	case math.Abs(p*100-math.Round(p*100)) > 1e-9:
		return fmt.Sprintf("%v is not a whole number of key buckets; use a multiple of 0.01", p)
	case p <= prev:
		return fmt.Sprintf("%v does not increase on the previous step's %v; percents must strictly increase", p, prev)
	case last && p != 100:
		return fmt.Sprintf("%v ends the plan; the last step must be percent 100 (add a step {percent: 100, hold: 0s, min_pairs: 0})", p)
	}
	return ""
}
