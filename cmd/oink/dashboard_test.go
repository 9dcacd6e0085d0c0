package main

import (
	"context"
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
