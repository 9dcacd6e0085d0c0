package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/oinkhq/oink/diffstore"
)

// t0 is the fixed clock of the tests: shortly after the last minute of
// fixture data.
var t0 = time.Date(2026, 3, 8, 4, 30, 5, 0, time.UTC)

// stepClock returns t0, then t0+2s, t0+4s, … one step per call.
func stepClock() func() time.Time {
	var mu sync.Mutex
	n := 0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		t := t0.Add(time.Duration(n) * 2 * time.Second)
		n++
		return t
	}
}

// fakeSource is a hand-written Source over fixed data. Each Summary call
// returns the next of summaries (the last one again at the end), so two
// refreshes show rates.
type fakeSource struct {
	mu        sync.Mutex
	summaries []diffstore.Summary
	calls     int
	minutes   []diffstore.MinuteCounts // per 10-second bucket
	paths     []diffstore.PathStat
	divs      []diffstore.Divergence
	health    diffstore.ComparatorHealth
	cutover   *CutoverStatus // nil: no plan
	err       error          // returned by Summary when set
	filters   []string       // the paths Divergences was asked for
}

var _ Source = (*fakeSource)(nil)

func (f *fakeSource) Summary(context.Context, string) (diffstore.Summary, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return diffstore.Summary{}, f.err
	}
	s := f.summaries[min(f.calls, len(f.summaries)-1)]
	f.calls++
	return s, nil
}

func (f *fakeSource) CountsSpan(context.Context, string) (first, last time.Time, ok bool, err error) {
	if len(f.minutes) == 0 {
		return time.Time{}, time.Time{}, false, nil
	}
	return f.minutes[0].Minute, f.minutes[len(f.minutes)-1].Minute, true, nil
}

// CountsPer sums the fixture's counts into buckets of grain, as the store
// sums its own.
func (f *fakeSource) CountsPer(_ context.Context, _ string, from time.Time, grain time.Duration) ([]diffstore.MinuteCounts, error) {
	var out []diffstore.MinuteCounts
	for _, c := range f.minutes {
		start := c.Minute.Truncate(grain)
		if start.Before(from.Truncate(grain)) {
			continue
		}
		if n := len(out); n > 0 && out[n-1].Minute.Equal(start) {
			out[n-1].Counts = addCounts(out[n-1].Counts, c.Counts)
			continue
		}
		out = append(out, diffstore.MinuteCounts{Minute: start, Counts: c.Counts})
	}
	return out, nil
}

func addCounts(a, b diffstore.Counts) diffstore.Counts {
	a.ReadControl += b.ReadControl
	a.ReadCandidate += b.ReadCandidate
	a.Pairs += b.Pairs
	a.Equal += b.Equal
	a.Accepted += b.Accepted
	a.Divergent += b.Divergent
	a.MissingInControl += b.MissingInControl
	a.MissingInCandidate += b.MissingInCandidate
	return a
}

func (f *fakeSource) TopPaths(context.Context, string, int) ([]diffstore.PathStat, error) {
	return f.paths, nil
}

func (f *fakeSource) Divergences(_ context.Context, flt diffstore.Filter) ([]diffstore.Divergence, error) {
	f.mu.Lock()
	f.filters = append(f.filters, flt.PathContains)
	f.mu.Unlock()
	var out []diffstore.Divergence
	for _, d := range f.divs {
		if (flt.Path == "" || hasPath(d, flt.Path)) && (flt.PathContains == "" || hasPathContaining(d, flt.PathContains)) {
			out = append(out, d)
		}
	}
	return out, nil
}

func hasPathContaining(d diffstore.Divergence, part string) bool {
	for _, f := range d.Diff {
		if strings.Contains(f.Path, part) {
			return true
		}
	}
	return false
}

func hasPath(d diffstore.Divergence, path string) bool {
	for _, f := range d.Diff {
		if f.Path == path {
			return true
		}
	}
	return false
}

func (f *fakeSource) Divergence(_ context.Context, _, identity string) ([]diffstore.Divergence, error) {
	var out []diffstore.Divergence
	for _, d := range f.divs {
		if d.Identity == identity {
			out = append(out, d)
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("divergence %q: %w", identity, diffstore.ErrNotFound)
	}
	return out, nil
}

func (f *fakeSource) ComparatorHealth(context.Context, string, time.Duration) (diffstore.ComparatorHealth, error) {
	return f.health, nil
}

func (f *fakeSource) CutoverStatus(_ context.Context, run string) (CutoverStatus, error) {
	if f.cutover == nil {
		return CutoverStatus{}, fmt.Errorf("cutover of run %q: %w", run, diffstore.ErrNotFound)
	}
	return *f.cutover, nil
}

// call is one command the fake actions received.
type call struct {
	action, run string
	req         Request
}

// fakeActions records the commands and answers with a fixed outcome, or
// err.
type fakeActions struct {
	mu    sync.Mutex
	calls []call
	err   error
}

var _ Actions = (*fakeActions)(nil)

func (f *fakeActions) do(action, run string, r Request) (Outcome, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, call{action, run, r})
	if f.err != nil {
		return Outcome{}, f.err
	}
	return Outcome{Action: action, From: Position{Stage: 1, Phase: "running", Percent: 5},
		To: Position{Stage: 2, Phase: "running", Percent: 25}}, nil
}

func (f *fakeActions) Advance(_ context.Context, run string, r Request) (Outcome, error) {
	return f.do("advance", run, r)
}
func (f *fakeActions) Pause(_ context.Context, run string, r Request) (Outcome, error) {
	return f.do("pause", run, r)
}
func (f *fakeActions) Resume(_ context.Context, run string, r Request) (Outcome, error) {
	return f.do("resume", run, r)
}
func (f *fakeActions) Rollback(_ context.Context, run string, r Request) (Outcome, error) {
	return f.do("rollback", run, r)
}
func (f *fakeActions) Abort(_ context.Context, run string, r Request) (Outcome, error) {
	return f.do("abort", run, r)
}

func (f *fakeActions) recorded() []call {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]call(nil), f.calls...)
}

// fixtureSource returns a fake over one run mid-cutover: two summaries 2s
// apart (250 pairs/s), 30 minutes of counts with a gap and two divergent
// minutes, four paths and twelve divergences.
func fixtureSource() *fakeSource {
	run := diffstore.Run{Name: "shadow-1", ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2", RulesName: "shipped",
		CreatedAt: t0.Add(-time.Hour)}
	later := diffstore.Summary{Run: run, Totals: diffstore.Totals{Counts: diffstore.Counts{
		ReadControl: 30120, ReadCandidate: 30089, Pairs: 30000, Equal: 29100, Identical: 28900, Equivalent: 200, Accepted: 850, Divergent: 50,
		MissingInControl: 30, DuplicatesControl: 30, UndecodableControl: 30, UndecodableCandidate: 59},
		AcceptedByRule: map[string]int64{"v1-half-up-rounding": 600, "v1-utc-business-date": 250}},
		Partitions: 8, PendingControl: 60, Instances: 2, Lag: 12, CaughtUp: false}
	earlier := later
	earlier.Counts = diffstore.Counts{ReadControl: 29610, ReadCandidate: 29579, Pairs: 29500, Equal: 28600, Identical: 28400, Equivalent: 200, Accepted: 850,
		Divergent: 50, MissingInControl: 30, DuplicatesControl: 30, UndecodableControl: 30, UndecodableCandidate: 49}
	earlier.PendingControl = 50
	lag := 0.4
	f := &fakeSource{
		summaries: []diffstore.Summary{earlier, later},
		health:    diffstore.ComparatorHealth{Instances: 2, Alive: 2, Partitions: 8, LagSeconds: &lag},
		cutover: &CutoverStatus{Stage: 1, Stages: 4, Steps: []float64{1, 5, 25, 100}, Percent: 5, Phase: diffstore.PhaseRunning, OnDivergence: "rollback",
			ControllerActive: true, UpdatedBy: "controller", Reason: "gate: passed at stage 1 (1%)", UpdatedAt: t0.Add(-6 * time.Minute),
			Gate:    &Gate{Verdict: "waiting", Pairs: 812, MinPairs: 1000, HoldLeft: 12 * time.Second},
			Waiting: []string{"pairs: 812/1000 pairs compared (source event time from 2026-03-08T04:25:00Z)", "hold: 12s left of 1m0s"},
			Changes: []Change{
				{ID: 3, At: t0.Add(-6 * time.Minute), Action: "advance", Actor: "controller", Reason: "gate: passed at stage 1 (1%)",
					From: Position{Stage: 0, Phase: "running", Percent: 1}, To: Position{Stage: 1, Phase: "running", Percent: 5}, Automatic: true},
				{ID: 2, At: t0.Add(-14 * time.Minute), Action: "start", Actor: "alice", Reason: "go",
					From: Position{Stage: -1, Phase: "pending"}, To: Position{Stage: 0, Phase: "running", Percent: 1}},
				{ID: 1, At: t0.Add(-15 * time.Minute), Action: "apply", Actor: "alice", Reason: "plan",
					From: Position{Stage: -1, Phase: "pending"}, To: Position{Stage: -1, Phase: "pending"}},
			},
			Transitions: []Transition{{At: t0.Truncate(time.Hour).Add(16 * time.Minute), Percent: 1}, {At: t0.Truncate(time.Hour).Add(24 * time.Minute), Percent: 5}}},
	}
	for i := range 30 {
		if i == 10 {
			continue // a minute without records
		}
		c := diffstore.Counts{ReadControl: 1000, ReadCandidate: 1000, Pairs: 1000, Equal: 970, Accepted: 30}
		switch i {
		case 12:
			c.Equal, c.Divergent = 920, 50
		case 20:
			c.Equal, c.Divergent = 960, 10
		}
		for b := range 6 { // the store's 10-second buckets
			f.minutes = append(f.minutes, diffstore.MinuteCounts{Minute: t0.Truncate(time.Hour).Add(time.Duration(i)*time.Minute + time.Duration(b)*10*time.Second), Counts: c})
		}
	}
	one, two := -1.0, 1.0
	f.paths = []diffstore.PathStat{
		{Path: "lines[line_no=2].tax_minor", Divergent: 42, Share: 0.0014, Example: "O1-000000042|E1-000000042", MinDelta: &one, MaxDelta: &two},
		{Path: "totals.tax_minor", Divergent: 8, Share: 0.00027, Example: "O1-000000043|E1-000000043", MinDelta: &one, MaxDelta: &one},
		{Path: "business_date", Accepted: 250, Example: "O1-000000007|E1-000000007"},
		{Path: "lines[line_no=1].unit_price_minor", Accepted: 600, Example: "O1-000000008|E1-000000008"},
	}
	for i := range 12 {
		f.divs = append(f.divs, fixtureDivergence(i))
	}
	return f
}

// rolledBack turns f's cutover into one the controller rolled back at
// stage 3 (25%) on divergent pairs, at 04:27:20.
func rolledBack(f *fakeSource) *fakeSource {
	c := *f.cutover
	rb := Change{ID: 5, At: t0.Add(-165 * time.Second), Action: "rollback", Actor: "controller",
		Reason: "gate: divergence: 50 divergent and 0 missing in candidate in the stage's window (policy: rollback)",
		From:   Position{Stage: 2, Phase: "running", Percent: 25}, To: Position{Stage: -1, Phase: "rolled_back"},
		Automatic: true, Divergent: 50}
	adv := Change{ID: 4, At: t0.Add(-4 * time.Minute), Action: "advance", Actor: "controller", Reason: "gate: passed at stage 2 (5%)",
		From: Position{Stage: 1, Phase: "running", Percent: 5}, To: Position{Stage: 2, Phase: "running", Percent: 25}, Automatic: true}
	c.Stage, c.Percent, c.Phase, c.Gate = -1, 0, diffstore.PhaseRolledBack, nil
	c.UpdatedAt, c.Reason = rb.At, rb.Reason
	c.Changes = append([]Change{rb, adv}, c.Changes...)
	c.Transitions = append(append([]Transition(nil), c.Transitions...),
		Transition{At: t0.Truncate(time.Hour).Add(26 * time.Minute), Percent: 25}, Transition{At: t0.Truncate(time.Hour).Add(27*time.Minute + 20*time.Second), Percent: 0})
	c.Waiting = []string{"rolled back by controller (" + rb.Reason + "): find the version at fault"}
	f.cutover = &c
	return f
}

// fixtureDivergence is the i-th divergence of the fixture, newest first.
func fixtureDivergence(i int) diffstore.Divergence {
	id := fmt.Sprintf("O1-%09d|E1-%09d", 42+i, 42+i)
	d := diffstore.Divergence{Run: "shadow-1", Identity: id, Kind: diffstore.KindDivergent, Partition: i % 8,
		EventTime: t0.Add(-time.Duration(i) * 37 * time.Second).Truncate(time.Second), FirstSeen: t0.Add(-time.Duration(i) * time.Second)}
	control := rtcim(42+i, "2026-03-07", 145)
	candidate := rtcim(42+i, "2026-03-08", 146)
	switch i % 4 {
	case 0, 2:
		d.Control, d.Candidate = control, candidate
		d.Diff = []diffstore.FieldDiff{
			{Path: "business_date", Control: json.RawMessage(`"2026-03-07"`), Candidate: json.RawMessage(`"2026-03-08"`), Rule: "v1-utc-business-date"},
			{Path: "lines[line_no=2].tax_minor", Control: json.RawMessage(`145`), Candidate: json.RawMessage(`146`)},
			{Path: "totals.tax_minor", Control: json.RawMessage(`145`), Candidate: json.RawMessage(`146`)},
		}
		d.AcceptedBy = []string{"v1-utc-business-date"}
	case 1:
		d.Kind, d.Candidate = diffstore.KindMissingInControl, candidate
	case 3:
		d.Kind, d.Control = diffstore.KindDuplicateControl, control
	}
	return d
}

// rtcim is an RTCIM record of order n with the given business date and tax
// of its second line.
func rtcim(n int, businessDate string, tax int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"rtcim_id":"r-%d","rtcim_type":"SALE","order_id":"O1-%09d","business_date":%q,`+
		`"store_id":"S-014","channel":"WEB","currency":"USD","lines":[`+
		`{"line_no":1,"sku":"SKU-1","qty":1,"unit_price_minor":1999,"tax_minor":160,"net_minor":1999},`+
		`{"line_no":2,"sku":"SKU-2","qty":2,"unit_price_minor":899,"tax_minor":%d,"net_minor":1798}],`+
		`"totals":{"gross_minor":3797,"discount_minor":0,"tax_minor":%d,"shipping_minor":0,"net_minor":3797},`+
		`"tenders":[{"tender":"CARD","amount_minor":4102}]}`, n, n, businessDate, tax, tax))
}
