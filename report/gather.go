package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/oinkhq/oink/diffstore"
)

// Options tune Gather. Zero fields take their defaults.
type Options struct {
	// TopPaths is how many diverging paths to show. Default: 10.
	TopPaths int
	// MaxEvents is how many audit entries to read, newest kept. Default:
	// 1000.
	MaxEvents int
	// Now stamps the report. Default: time.Now.
	Now func() time.Time
}

func (o Options) withDefaults() Options {
	if o.TopPaths <= 0 {
		o.TopPaths = 10
	}
	if o.MaxEvents <= 0 {
		o.MaxEvents = 1000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Gather reads run from st into a Data, without its DeadLetters. It returns
// an error wrapping diffstore.ErrNotFound when there is no such run.
func Gather(ctx context.Context, st Store, run string, o Options) (*Data, error) {
	o = o.withDefaults()
	sum, err := st.Summary(ctx, run)
	if err != nil {
		return nil, err
	}
	d := &Data{GeneratedAt: o.Now().UTC(), Summary: sum, Accounting: accountingOf(sum)}
	if d.Series, err = gatherSeries(ctx, st, run); err != nil {
		return nil, err
	}
	if d.Cutover, err = gatherCutover(ctx, st, run, o.MaxEvents); err != nil {
		return nil, err
	}
	d.Series.Markers = markersIn(d.Series, d.Cutover)
	if d.Paths, err = gatherPaths(ctx, st, run, o.TopPaths); err != nil {
		return nil, err
	}
	if d.Rules, err = rulesOf(sum); err != nil {
		return nil, err
	}
	d.Levels = levelsOf(sum.Counts)
	if d.Switch, err = gatherSwitch(ctx, st, sum.Run); err != nil {
		return nil, err
	}
	return d, nil
}

// accountingOf checks the accounting identity on a summary, as `oink diffs
// summary` does.
func accountingOf(s diffstore.Summary) Accounting {
	c := s.Counts
	a := Accounting{
		Control: Side{Topic: s.ControlTopic, Read: c.ReadControl, Paired: c.Pairs, MissingOther: c.MissingInCandidate,
			Pending: s.PendingControl, Duplicates: c.DuplicatesControl, Undecodable: c.UndecodableControl},
		Candidate: Side{Topic: s.CandidateTopic, Read: c.ReadCandidate, Paired: c.Pairs, MissingOther: c.MissingInControl,
			Pending: s.PendingCandidate, Duplicates: c.DuplicatesCandidate, Undecodable: c.UndecodableCandidate},
		Pairs:      c.Pairs,
		PairsSplit: c.Pairs == c.Equal+c.Accepted+c.Divergent,
	}
	a.Holds = a.Control.Holds() && a.Candidate.Holds() && a.PairsSplit
	return a
}

// Chart resolution: a run whose counts span at most fineSpan is drawn in
// the store's own buckets (diffstore.CountGrain, read with one CountsSince
// per bucket); a longer one in the first grain of coarseGrains that gives
// at most maxBuckets buckets.
const (
	fineSpan   = 15 * time.Minute
	maxBuckets = 120
)

var coarseGrains = []time.Duration{time.Minute, 2 * time.Minute, 5 * time.Minute, 10 * time.Minute,
	15 * time.Minute, 30 * time.Minute, time.Hour, 2 * time.Hour, 3 * time.Hour, 6 * time.Hour,
	12 * time.Hour, 24 * time.Hour, 7 * 24 * time.Hour}

// gatherSeries reads the run's counts over source event time.
func gatherSeries(ctx context.Context, st Store, run string) (Series, error) {
	minutes, err := st.CountsPerMinute(ctx, run, time.Time{})
	if err != nil {
		return Series{}, err
	}
	if len(minutes) == 0 {
		return Series{Grain: time.Minute}, nil
	}
	first, last := minutes[0].Minute.UTC(), minutes[len(minutes)-1].Minute.UTC()
	if last.Add(time.Minute).Sub(first) <= fineSpan {
		return fineSeries(ctx, st, run, first, last.Add(time.Minute))
	}
	return coarseSeries(minutes, first, last), nil
}

// fineSeries reads the buckets of [from, to) one CountsSince apart each,
// then trims leading and trailing buckets without records.
func fineSeries(ctx context.Context, st Store, run string, from, to time.Time) (Series, error) {
	grain := diffstore.CountGrain
	n := int(to.Sub(from) / grain)
	since := make([]diffstore.Counts, n+1)
	for i := range since {
		t, err := st.CountsSince(ctx, run, from.Add(time.Duration(i)*grain))
		if err != nil {
			return Series{}, err
		}
		since[i] = t.Counts
	}
	var bs []Bucket
	var empty []bool
	for i := range n {
		a, b := since[i], since[i+1]
		bs = append(bs, Bucket{Start: from.Add(time.Duration(i) * grain), Pairs: a.Pairs - b.Pairs,
			Divergent: a.Divergent - b.Divergent, MissingInControl: a.MissingInControl - b.MissingInControl,
			MissingInCandidate: a.MissingInCandidate - b.MissingInCandidate})
		empty = append(empty, a.ReadControl == b.ReadControl && a.ReadCandidate == b.ReadCandidate && a.Pairs == b.Pairs &&
			a.MissingInControl == b.MissingInControl && a.MissingInCandidate == b.MissingInCandidate)
	}
	lo, hi := 0, len(bs)
	for lo < hi && empty[lo] {
		lo++
	}
	for hi > lo && empty[hi-1] {
		hi--
	}
	return Series{Grain: grain, Buckets: bs[lo:hi]}, nil
}

// coarseSeries sums the minutes into buckets of the first grain that gives
// at most maxBuckets of them, zero buckets included.
func coarseSeries(minutes []diffstore.MinuteCounts, first, last time.Time) Series {
	grain := coarseGrains[len(coarseGrains)-1]
	for _, g := range coarseGrains {
		if last.Truncate(g).Sub(first.Truncate(g))/g < maxBuckets {
			grain = g
			break
		}
	}
	start := first.Truncate(grain)
	n := int(last.Truncate(grain).Sub(start)/grain) + 1
	bs := make([]Bucket, n)
	for i := range bs {
		bs[i].Start = start.Add(time.Duration(i) * grain)
	}
	for _, m := range minutes {
		b := &bs[int(m.Minute.UTC().Truncate(grain).Sub(start)/grain)]
		b.Pairs += m.Pairs
		b.Divergent += m.Divergent
		b.MissingInControl += m.MissingInControl
		b.MissingInCandidate += m.MissingInCandidate
	}
	return Series{Grain: grain, Buckets: bs}
}

// markersIn returns the route transitions that take effect within the
// series' span.
func markersIn(s Series, c *Cutover) []Marker {
	if c == nil || len(s.Buckets) == 0 {
		return nil
	}
	from, to := s.Buckets[0].Start, s.Buckets[len(s.Buckets)-1].Start.Add(s.Grain)
	var out []Marker
	for _, st := range c.Stages {
		at := st.Transition.EffectiveFrom.UTC()
		if !at.Before(from) && at.Before(to) {
			out = append(out, Marker{At: at, Percent: st.Transition.Percent, Action: st.Action})
		}
	}
	return out
}

// gatherCutover reads the run's cutover, or nil when it has none.
func gatherCutover(ctx context.Context, st Store, run string, maxEvents int) (*Cutover, error) {
	state, err := st.CutoverState(ctx, run)
	if errors.Is(err, diffstore.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	c := &Cutover{State: state}
	if p, err := st.Plan(ctx, run, state.PlanVersion); err == nil {
		var plan Plan
		if json.Unmarshal(p.Plan, &plan) == nil {
			c.Plan = &plan
		}
	} else if !errors.Is(err, diffstore.ErrNotFound) {
		return nil, err
	}
	route, err := st.Route(ctx, run)
	if err != nil {
		return nil, err
	}
	history, err := st.History(ctx, run, maxEvents+1)
	if err != nil {
		return nil, err
	}
	if len(history) > maxEvents {
		history, c.Truncated = history[:maxEvents], true
	}
	slices.Reverse(history)
	// The route is the record of transitions; an audit entry's copy of
	// its transition is matched to it by seq.
	bySeq := map[int64]*diffstore.Transition{}
	for i := range route.Transitions {
		bySeq[route.Transitions[i].Seq] = &route.Transitions[i]
	}
	actions := map[int64]string{}
	for _, h := range history {
		e := eventOf(h)
		if e.Transition != nil {
			actions[e.Transition.Seq] = e.Action
			if tr, ok := bySeq[e.Transition.Seq]; ok {
				e.Transition = tr
			}
		}
		c.Events = append(c.Events, e)
	}
	for i, tr := range route.Transitions {
		s := Stage{Transition: tr, Action: actions[tr.Seq]}
		if i+1 < len(route.Transitions) {
			next := route.Transitions[i+1].EffectiveFrom
			s.Until = &next
		}
		c.Stages = append(c.Stages, s)
	}
	return c, nil
}

// auditDetails is what the cutover package writes in an audit entry's
// details.
type auditDetails struct {
	From       *Position             `json:"from"`
	To         *Position             `json:"to"`
	Transition *diffstore.Transition `json:"transition"`
	Gate       *struct {
		Verdict string `json:"verdict"`
		Stats   struct {
			Pairs              int64 `json:"pairs"`
			Divergent          int64 `json:"divergent"`
			MissingInCandidate int64 `json:"missingInCandidate"`
		} `json:"stats"`
	} `json:"gate"`
}

// eventOf decodes an audit entry's details; details it cannot read leave
// the event's extra fields nil.
func eventOf(h diffstore.AuditEntry) Event {
	e := Event{AuditEntry: h}
	var det auditDetails
	if len(h.Details) == 0 || json.Unmarshal(h.Details, &det) != nil {
		return e
	}
	e.From, e.To, e.Transition = det.From, det.To, det.Transition
	if g := det.Gate; g != nil && g.Verdict != "" {
		e.Gate = &GateSummary{Verdict: g.Verdict, Pairs: g.Stats.Pairs, Divergent: g.Stats.Divergent,
			MissingInCandidate: g.Stats.MissingInCandidate}
	}
	return e
}

// gatherPaths reads the top diverging paths (Divergent > 0) with the
// example pair of each.
func gatherPaths(ctx context.Context, st Store, run string, limit int) ([]PathExample, error) {
	stats, err := st.TopPaths(ctx, run, limit)
	if err != nil {
		return nil, err
	}
	var out []PathExample
	for _, p := range stats {
		if p.Divergent == 0 {
			break // ordered by divergent first: the rest are accepted only
		}
		pe := PathExample{PathStat: p}
		divs, err := st.Divergence(ctx, run, p.Example)
		if err != nil && !errors.Is(err, diffstore.ErrNotFound) {
			return nil, err
		}
		for i := range divs {
			if divs[i].Kind != diffstore.KindDivergent {
				continue
			}
			pe.Example = &divs[i]
			for j := range divs[i].Diff {
				if divs[i].Diff[j].Path == p.Path {
					pe.Field = &divs[i].Diff[j]
				}
			}
		}
		out = append(out, pe)
	}
	return out, nil
}

// storedRules is the part of a run's stored rules (comparator.Rules.JSON)
// a report shows.
type storedRules struct {
	Accept []struct {
		Name  string   `json:"name"`
		Paths []string `json:"paths"`
		When  *struct {
			Tolerance json.Number `json:"tolerance"`
			MaxDays   *int        `json:"max_days"`
			Pattern   string      `json:"pattern"`
		} `json:"when"`
		Reason string `json:"reason"`
	} `json:"accept"`
}

// rulesOf lists the run's accept rules with the pairs each accepted, and
// any rule that accepted pairs without being in the stored rules.
func rulesOf(s diffstore.Summary) ([]RuleUse, error) {
	var sr storedRules
	if len(s.Rules) > 0 {
		if err := json.Unmarshal(s.Rules, &sr); err != nil {
			return nil, fmt.Errorf("rules stored with run %q: %w", s.Name, err)
		}
	}
	var out []RuleUse
	seen := map[string]bool{}
	for _, a := range sr.Accept {
		r := RuleUse{Name: a.Name, Reason: a.Reason, Paths: a.Paths, Pairs: s.AcceptedByRule[a.Name], Stored: true}
		if w := a.When; w != nil {
			r.When = whenText(w.Tolerance, w.MaxDays, w.Pattern)
		}
		seen[a.Name] = true
		out = append(out, r)
	}
	for _, name := range slices.Sorted(maps.Keys(s.AcceptedByRule)) {
		if !seen[name] {
			out = append(out, RuleUse{Name: name, Pairs: s.AcceptedByRule[name]})
		}
	}
	return out, nil
}

// whenText spells an accept rule's condition.
func whenText(tol json.Number, maxDays *int, pattern string) string {
	var parts []string
	if tol != "" {
		parts = append(parts, "tolerance "+tol.String())
	}
	if maxDays != nil {
		parts = append(parts, "at most "+count(int64(*maxDays), "day")+" apart")
	}
	if pattern != "" {
		parts = append(parts, fmt.Sprintf("matching %q", pattern))
	}
	return joinAnd(parts)
}
