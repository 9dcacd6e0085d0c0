package main

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
	"github.com/oinkhq/oink/tui"
)

func TestDashboardFlagsAndEnvironmentTwins(t *testing.T) {
	t.Parallel()
	checkFlagCases(t, newDashboardCmd, []string{"dashboard"}, []flagCase[dashboardOptions]{
		{"defaults refresh every second and judge heartbeats over 5s", []string{"--run", "r"}, nil,
			dashboardOptions{run: "r", refresh: time.Second, aliveWithin: 5 * time.Second}},
		{"flags set every option", []string{"--run", "r", "--refresh", "500ms", "--alive-within", "3s", "--actor", "alice", "--read-only"}, nil,
			dashboardOptions{run: "r", refresh: 500 * time.Millisecond, aliveWithin: 3 * time.Second, actor: "alice", readOnly: true}},
		{"OINK_RUN sets --run", nil, map[string]string{"OINK_RUN": "from-env"},
			dashboardOptions{run: "from-env", refresh: time.Second, aliveWithin: 5 * time.Second}},
		{"OINK_DASHBOARD_REFRESH sets --refresh of the dashboard only", []string{"--run", "r"}, map[string]string{"OINK_DASHBOARD_REFRESH": "2s"},
			dashboardOptions{run: "r", refresh: 2 * time.Second, aliveWithin: 5 * time.Second}},
	})
}

// TestDashboardUsageErrorsNameTheFlag: bad input is exit 2 with the flag
// named and nothing on stdout; none reaches Postgres.
func TestDashboardUsageErrorsNameTheFlag(t *testing.T) {
	t.Parallel()
	checkUsageCases(t, nil, []usageCase{
		{"no --run", []string{"dashboard"}, "--run"},
		{"a refresh too short", []string{"dashboard", "--run", "r", "--refresh", "10ms"}, "--refresh"},
		{"a zero heartbeat window", []string{"dashboard", "--run", "r", "--alive-within", "0s"}, "--alive-within"},
		{"stdout is not a terminal", []string{"dashboard", "--run", "r"}, "terminal"},
	})
}

// TestDashboardAdaptersOverARealStore drives a cutover through the
// dashboard's Source and Actions adapters, as its keys do, and checks what
// they report against the controller's own record.
func TestDashboardAdaptersOverARealStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := diffstore.New(pgtest.Schema(t))
	const run = "dash"
	if err := st.EnsureRun(ctx, diffstore.Run{Name: run, ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2"}); err != nil {
		t.Fatal(err)
	}
	src := dashboardSource{Store: st, aliveWithin: time.Second, now: time.Now}
	act := dashboardActions{store: st, aliveWithin: time.Second, now: time.Now}
	var _ tui.Source = src

	if _, err := src.CutoverStatus(ctx, run); !errors.Is(err, diffstore.ErrNotFound) {
		t.Fatalf("CutoverStatus without a plan = %v, want an error wrapping diffstore.ErrNotFound", err)
	}

	ctl := &cutover.Controller{Store: st, RunName: run}
	plan := cutover.Plan{Run: run, OnDivergence: cutover.PolicyRollback, Margin: time.Second, MaxComparatorLag: 10 * time.Second,
		Steps: []cutover.Step{{Percent: 1, Hold: 5 * time.Second, MinPairs: 10}, {Percent: 10, Hold: 5 * time.Second, MinPairs: 10}, {Percent: 100, MinPairs: 1}}}
	if _, err := ctl.Apply(ctx, plan, cutover.Request{Actor: "test", Reason: "plan"}); err != nil {
		t.Fatal(err)
	}
	if _, err := ctl.Start(ctx, cutover.Request{Actor: "test", Reason: "go"}); err != nil {
		t.Fatal(err)
	}

	got, err := src.CutoverStatus(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if got.Stage != 0 || got.Stages != 3 || got.Percent != 1 || got.Phase != diffstore.PhaseRunning || got.OnDivergence != "rollback" ||
		got.ControllerActive || got.Gate == nil || got.Gate.MinPairs != 10 || got.Gate.Verdict != "waiting" || len(got.Waiting) == 0 {
		t.Errorf("CutoverStatus after start = %+v (gate %+v); want stage 1/3 at 1%% running, a waiting gate of 10 pairs, no controller", got, got.Gate)
	}

	req := tui.Request{Actor: "dashboard:test", Reason: "from the dashboard"}
	pos := func(stage int, phase string, percent float64) tui.Position {
		return tui.Position{Stage: stage, Phase: phase, Percent: percent}
	}
	steps := []struct {
		name string
		do   func(context.Context, string, tui.Request) (tui.Outcome, error)
		want tui.Outcome
	}{
		{"pause", act.Pause, tui.Outcome{Action: "pause", From: pos(0, "running", 1), To: pos(0, "paused", 1)}},
		{"resume", act.Resume, tui.Outcome{Action: "resume", From: pos(0, "paused", 1), To: pos(0, "running", 1)}},
		{"advance", act.Advance, tui.Outcome{Action: "advance", From: pos(0, "running", 1), To: pos(1, "running", 10)}},
		{"rollback", act.Rollback, tui.Outcome{Action: "rollback", From: pos(1, "running", 10), To: pos(-1, "rolled_back", 0)}},
		{"abort", act.Abort, tui.Outcome{Action: "abort", From: pos(-1, "rolled_back", 0), To: pos(-1, "aborted", 0)}},
	}
	for _, s := range steps {
		o, err := s.do(ctx, run, req)
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if diff := cmp.Diff(s.want, o); diff != "" {
			t.Errorf("%s outcome (-want +got):\n%s", s.name, diff)
		}
	}
	// The status carries the plan's steps, the changes from the audit log
	// (newest first, the dashboard's own marked as manual) and the route.
	got, err = src.CutoverStatus(ctx, run)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]float64{1, 10, 100}, got.Steps); diff != "" {
		t.Errorf("Steps (-want +got):\n%s", diff)
	}
	var actions []string
	for _, ch := range got.Changes {
		actions = append(actions, ch.Action)
		if ch.Automatic {
			t.Errorf("change %s by %s marked automatic; want manual", ch.Action, ch.Actor)
		}
	}
	if diff := cmp.Diff([]string{"abort", "rollback", "advance", "resume", "pause", "start", "apply"}, actions); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if rb := got.Changes[1]; rb.From.Percent != 10 || rb.To.Phase != "rolled_back" || rb.Reason != req.Reason {
		t.Errorf("rollback change = %+v, want from 10%% to rolled_back with the dashboard's reason", rb)
	}
	var percents []float64
	for _, tr := range got.Transitions {
		percents = append(percents, tr.Percent)
	}
	if diff := cmp.Diff([]float64{1, 1, 10, 0}, percents); diff != "" {
		t.Errorf("transitions' percents (-want +got):\n%s", diff)
	}

	if _, err := act.Pause(ctx, run, req); !errors.Is(err, cutover.ErrPhase) {
		t.Errorf("pause of an aborted cutover = %v, want an error wrapping cutover.ErrPhase", err)
	}

	h, err := st.History(ctx, run, 5)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range h {
		if e.Actor != req.Actor || e.Reason != req.Reason {
			t.Errorf("audit entry %s by %q (%q), want the dashboard's actor and reason", e.Action, e.Actor, e.Reason)
		}
	}
}

// TestDashboardChangesTellAutomaticRollbacks: a rollback the controller
// decided on its gate (its details hold the gate, its reason is the
// gate's) is automatic, with the gate's counts; an operator's is not.
func TestDashboardChangesTellAutomaticRollbacks(t *testing.T) {
	t.Parallel()
	details := func(g *cutover.Gate) []byte {
		b, err := json.Marshal(map[string]any{"from": cutover.Position{Stage: 2, Phase: cutover.Running, Percent: 50},
			"to": cutover.Position{Stage: -1, Phase: cutover.RolledBack}, "gate": g, "planVersion": 1})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	gate := &cutover.Gate{Stats: diffstore.GateStats{Divergent: 145, MissingInCandidate: 2}}
	got := dashboardChanges([]diffstore.AuditEntry{
		{ID: 2, Action: "rollback", Actor: "controller", Reason: "gate: divergence: 145 divergent and 2 missing in candidate", Details: details(gate)},
		{ID: 1, Action: "rollback", Actor: "alice", Reason: "alarm", Details: details(nil)},
	})
	want := []tui.Change{
		{ID: 2, Action: "rollback", Actor: "controller", Reason: "gate: divergence: 145 divergent and 2 missing in candidate",
			From: tui.Position{Stage: 2, Phase: "running", Percent: 50}, To: tui.Position{Stage: -1, Phase: "rolled_back"},
			Automatic: true, Divergent: 145, MissingInCandidate: 2},
		{ID: 1, Action: "rollback", Actor: "alice", Reason: "alarm",
			From: tui.Position{Stage: 2, Phase: "running", Percent: 50}, To: tui.Position{Stage: -1, Phase: "rolled_back"}},
	}
	for i := range got {
		got[i].At = time.Time{}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dashboardChanges (-want +got):\n%s", diff)
	}
}
