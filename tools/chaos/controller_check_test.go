package chaos

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
)

// history builds a cutover record the way the controller writes one: each
// step is an action to a stage, and a start, advance or rollback writes a
// transition to that stage's percent (0 for a rollback).
type history struct {
	plan  cutover.Plan
	audit []diffstore.AuditEntry
	route diffstore.Route
	at    cutover.Position
	t0    time.Time
}

func newHistory(t *testing.T, percents ...float64) *history {
	t.Helper()
	p := cutover.Plan{Run: "r", OnDivergence: cutover.PolicyRollback, Margin: time.Second, MaxComparatorLag: time.Second}
	for _, pct := range percents {
		p.Steps = append(p.Steps, cutover.Step{Percent: pct, MinPairs: 1})
	}
	h := &history{plan: p, at: cutover.Position{Stage: -1, Phase: cutover.Pending}, t0: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	h.entry(t, cutover.ActionApply, h.at, nil)
	return h
}

func (h *history) entry(t *testing.T, a cutover.Action, to cutover.Position, tr *diffstore.Transition) {
	t.Helper()
	det := map[string]any{"from": h.at, "to": to}
	if tr != nil {
		det["transition"] = tr
	}
	b, err := json.Marshal(det)
	if err != nil {
		t.Fatal(err)
	}
	h.audit = append(h.audit, diffstore.AuditEntry{Run: "r", ID: int64(len(h.audit) + 1), Actor: "controller", Action: string(a), Details: b})
	h.at = to
}

// do records action a to stage (with phase), writing a transition when the
// action moves the route.
func (h *history) do(t *testing.T, a cutover.Action, stage int, phase cutover.Phase) *history {
	t.Helper()
	to := cutover.Position{Stage: stage, Phase: phase, Percent: h.plan.PercentOf(stage)}
	var tr *diffstore.Transition
	if a == cutover.ActionStart || a == cutover.ActionAdvance || a == cutover.ActionRollback {
		n := len(h.route.Transitions)
		tr = &diffstore.Transition{Seq: int64(n + 1), Percent: to.Percent, EffectiveFrom: h.t0.Add(time.Duration(n) * time.Second)}
		h.route.Transitions = append(h.route.Transitions, *tr)
	}
	h.entry(t, a, to, tr)
	return h
}

func (h *history) state() diffstore.CutoverState {
	return diffstore.CutoverState{Run: "r", Stage: h.at.Stage, Phase: string(h.at.Phase)}
}

func TestCheckControllerAcceptsAWalkToPromotion(t *testing.T) {
	t.Parallel()
	h := newHistory(t, 10, 50, 100).
		do(t, cutover.ActionStart, 0, cutover.Running).
		do(t, cutover.ActionAdvance, 1, cutover.Running).
		do(t, cutover.ActionAdvance, 2, cutover.Running).
		do(t, cutover.ActionPromote, 2, cutover.Promoted)
	got, err := checkController(h.plan, h.state(), h.route, h.audit)
	if err != nil {
		t.Fatalf("checkController(a clean walk) = %v", err)
	}
	if want := "apply, start→10%, advance→50%, advance→100%, promote→100%"; got != want {
		t.Errorf("checkController(a clean walk) = %q, want %q", got, want)
	}
}

func TestCheckControllerCatchesInconsistentRecords(t *testing.T) {
	t.Parallel()
	walk := func(t *testing.T) *history {
		return newHistory(t, 10, 50, 100).
			do(t, cutover.ActionStart, 0, cutover.Running).
			do(t, cutover.ActionAdvance, 1, cutover.Running).
			do(t, cutover.ActionAdvance, 2, cutover.Running).
			do(t, cutover.ActionPromote, 2, cutover.Promoted)
	}
	tests := []struct {
		name  string
		mess  func(t *testing.T, h *history)
		wants string
	}{
		{"a stage entered twice is caught", func(t *testing.T, h *history) {
			h.audit, h.route.Transitions = h.audit[:3], h.route.Transitions[:2]
			h.at = cutover.Position{Stage: 1, Phase: cutover.Running, Percent: 50}
			h.do(t, cutover.ActionAdvance, 1, cutover.Running)
		}, "stage 1 (50%) was decided twice"},
		{"a cutover left rolled back is caught", func(t *testing.T, h *history) {
			h.audit, h.route.Transitions = h.audit[:3], h.route.Transitions[:2]
			h.at = cutover.Position{Stage: 1, Phase: cutover.Running, Percent: 50}
			h.do(t, cutover.ActionRollback, -1, cutover.RolledBack)
		}, "ended rolled_back"},
		{"a decision made from a stale position is caught", func(t *testing.T, h *history) {
			var det map[string]any
			_ = json.Unmarshal(h.audit[3].Details, &det)
			det["from"] = cutover.Position{Stage: 0, Phase: cutover.Running, Percent: 10}
			h.audit[3].Details, _ = json.Marshal(det)
		}, "but the run stood at"},
		{"a transition missing from the route is caught", func(t *testing.T, h *history) {
			h.route.Transitions = h.route.Transitions[:2]
		}, "the route has 2 transitions, the audit log 3"},
		{"a route that shrinks without a rollback is caught", func(t *testing.T, h *history) {
			h.route.Transitions[2].Percent = 5
			var det map[string]any
			_ = json.Unmarshal(h.audit[3].Details, &det)
			det["transition"] = h.route.Transitions[2]
			h.audit[3].Details, _ = json.Marshal(det)
		}, "want one to 100%"},
		{"a route whose effective times go back is caught", func(t *testing.T, h *history) {
			h.route.Transitions[2].EffectiveFrom = h.t0.Add(-time.Hour)
		}, "the audit's"},
		{"an operator's action is caught", func(t *testing.T, h *history) {
			h.at = cutover.Position{Stage: 2, Phase: cutover.Promoted, Percent: 100}
			h.do(t, cutover.ActionPause, 2, cutover.Paused)
		}, "unexpected pause"},
		{"a cutover that never promoted is caught", func(t *testing.T, h *history) {
			h.audit = h.audit[:4]
			h.at = cutover.Position{Stage: 2, Phase: cutover.Running, Percent: 100}
		}, "want promoted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := walk(t)
			tc.mess(t, h)
			_, err := checkController(h.plan, h.state(), h.route, h.audit)
			if err == nil || !strings.Contains(err.Error(), tc.wants) {
				t.Fatalf("checkController = %v, want an error containing %q", err, tc.wants)
			}
		})
	}
}

func TestCheckRouteCatchesAShrinkingRoute(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	trs := []diffstore.Transition{{Seq: 1, Percent: 50, EffectiveFrom: t0}, {Seq: 2, Percent: 10, EffectiveFrom: t0.Add(time.Second)}}
	err := checkRoute(diffstore.Route{Transitions: trs}, trs)
	if err == nil || !strings.Contains(err.Error(), "goes from 50% to 10%") {
		t.Fatalf("checkRoute(50%% then 10%%) = %v, want an error", err)
	}
	trs[1].Percent = 0 // a rollback
	if err := checkRoute(diffstore.Route{Transitions: trs}, trs); err != nil {
		t.Fatalf("checkRoute(50%% then a rollback to 0) = %v", err)
	}
	trs[1].EffectiveFrom = t0.Add(-time.Second)
	if err := checkRoute(diffstore.Route{Transitions: trs}, trs); err == nil || !strings.Contains(err.Error(), "before transition 1") {
		t.Fatalf("checkRoute(effective times going back) = %v, want an error", err)
	}
}
