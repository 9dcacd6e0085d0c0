package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui"
	"github.com/oinkhq/oink/tui/header"
)

// dashboardOptions are the flags of `oink dashboard`.
type dashboardOptions struct {
	run         string
	refresh     time.Duration
	aliveWithin time.Duration
	actor       string // default: "dashboard:" and the OS user
	readOnly    bool
}

func newDashboardCmd(d deps, g *globalOptions, runF func(context.Context, deps, *globalOptions, *dashboardOptions) error) *cobra.Command {
	if runF == nil {
		runF = runDashboard
	}
	o := &dashboardOptions{}
	cmd := &cobra.Command{
		Use:   "dashboard",
		Short: "Watch a shadow run and drive its cutover in a terminal dashboard",
		Long: `A live view over the diffstore: the run and its cutover's stage and gate,
the comparator's health, totals and rates with the accounting identity, the
divergence rate per minute, the top diverging field paths and the recent
divergences, each of which enter opens side by side with the differing fields
marked.

a advances, p pauses (or resumes), r rolls back and x aborts the cutover: each
asks for a reason and a confirmation, and is recorded in the cutover's audit
log like the same oink cutover command, as --actor. ? lists every key.`,
		Example: "  oink dashboard --run shadow-2026-11\n  oink dashboard --run shadow-2026-11 --refresh 500ms --read-only",
		Args:    usageArgs(cobra.NoArgs),
		RunE:    func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), d, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.run, "run", "", "name of the shadow run (required)")
	f.DurationVar(&o.refresh, "refresh", tui.DefaultRefresh, "interval between two reads of the store")
	f.DurationVar(&o.aliveWithin, "alive-within", cutover.DefaultAliveWithin, "a comparator heartbeat older than this counts as dead")
	f.StringVar(&o.actor, "actor", "", `who the cutover commands are recorded as (default: "dashboard:" and the OS user)`)
	f.BoolVar(&o.readOnly, "read-only", false, "show only: the cutover keys do nothing")
	return cmd
}

// validate checks the options.
func (o *dashboardOptions) validate() error {
	switch {
	case o.run == "":
		return usageError{errors.New("--run is required: name the shadow run, e.g. --run shadow-2026-11 (oink runs list shows them)")}
	case o.refresh < 100*time.Millisecond:
		return usageError{fmt.Errorf("--refresh %v: want 100ms or more, e.g. --refresh 1s", o.refresh)}
	case o.aliveWithin <= 0:
		return usageError{fmt.Errorf("--alive-within %v: want a positive duration such as 5s", o.aliveWithin)}
	}
	return nil
}

func runDashboard(ctx context.Context, d deps, g *globalOptions, o *dashboardOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	if f, ok := d.stdout.(*os.File); !ok || !isTerminal(f) {
		return usageError{errors.New("oink dashboard needs a terminal on stdout; for scripts use oink diffs summary --json or oink cutover status --json")}
	}
	return withStore(ctx, g, func(s *diffstore.Store) error {
		cfg := tui.Config{Run: o.run, Refresh: o.refresh, AliveWithin: o.aliveWithin, Now: d.now,
			Source: dashboardSource{Store: s, aliveWithin: o.aliveWithin, now: d.now}}
		if !o.readOnly {
			cfg.Actions = dashboardActions{store: s, aliveWithin: o.aliveWithin, now: d.now}
			cfg.Actor = o.actor
			if cfg.Actor == "" {
				cfg.Actor = "dashboard:" + currentUser(d)
			}
		}
		return tui.Run(ctx, cfg)
	})
}

// dashboardSource is the dashboard's tui.Source: the store's reads, and the
// cutover's status from a cutover.Controller over the same store.
type dashboardSource struct {
	*diffstore.Store
	aliveWithin time.Duration
	now         func() time.Time
}

// CutoverStatus returns the status `oink cutover status` shows, in the
// dashboard's terms. A run without a plan is an error wrapping
// diffstore.ErrNotFound, as cutover.Controller.Status returns it.
func (s dashboardSource) CutoverStatus(ctx context.Context, run string) (tui.CutoverStatus, error) {
	c := &cutover.Controller{Store: s.Store, RunName: run, AliveWithin: s.aliveWithin, Now: s.now}
	st, err := c.Status(ctx)
	if err != nil {
		return tui.CutoverStatus{}, err
	}
	return dashboardStatus(st), nil
}

// dashboardStatus converts a cutover.Status.
func dashboardStatus(st cutover.Status) tui.CutoverStatus {
	policy := st.Plan.OnDivergence
	if policy == "" {
		policy = cutover.DefaultPolicy
	}
	out := tui.CutoverStatus{Stage: st.Stage, Stages: st.Stages, Percent: st.Percent, Phase: string(st.Phase),
		OnDivergence: string(policy), ControllerActive: st.ControllerActive, UpdatedBy: st.UpdatedBy,
		Reason: st.Reason, Waiting: st.Waiting}
	if g := st.Gate; g != nil {
		out.Gate = &tui.Gate{Verdict: string(g.Verdict), Pairs: g.Stats.Pairs, MinPairs: g.MinPairs, HoldLeft: g.HoldLeft,
			Divergent: g.Stats.Divergent, MissingInCandidate: g.Stats.MissingInCandidate}
	}
	if l := st.Live; l != nil {
		t := l.Totals
		out.Live = &header.Live{Forwarded: t.Forwarded, Duplicates: t.Duplicates, Collisions: t.Collisions, Parked: l.Parked}
	}
	return out
}

// dashboardActions are the dashboard's tui.Actions: the cutover
// controller's manual commands, as `oink cutover advance|pause|…` runs them.
type dashboardActions struct {
	store       *diffstore.Store
	aliveWithin time.Duration
	now         func() time.Time
}

var _ tui.Actions = dashboardActions{}

func (a dashboardActions) controller(run string) *cutover.Controller {
	return &cutover.Controller{Store: a.store, RunName: run, AliveWithin: a.aliveWithin, Now: a.now}
}

func cutoverRequest(r tui.Request) cutover.Request {
	return cutover.Request{Actor: r.Actor, Reason: r.Reason}
}

// Advance runs cutover.Controller.Advance.
func (a dashboardActions) Advance(ctx context.Context, run string, r tui.Request) (tui.Outcome, error) {
	return dashboardOutcome(a.controller(run).Advance(ctx, cutoverRequest(r)))
}

// Pause runs cutover.Controller.Pause.
func (a dashboardActions) Pause(ctx context.Context, run string, r tui.Request) (tui.Outcome, error) {
	return dashboardOutcome(a.controller(run).Pause(ctx, cutoverRequest(r)))
}

// Resume runs cutover.Controller.Resume.
func (a dashboardActions) Resume(ctx context.Context, run string, r tui.Request) (tui.Outcome, error) {
	return dashboardOutcome(a.controller(run).Resume(ctx, cutoverRequest(r)))
}

// Rollback runs cutover.Controller.Rollback.
func (a dashboardActions) Rollback(ctx context.Context, run string, r tui.Request) (tui.Outcome, error) {
	return dashboardOutcome(a.controller(run).Rollback(ctx, cutoverRequest(r)))
}

// Abort runs cutover.Controller.Abort.
func (a dashboardActions) Abort(ctx context.Context, run string, r tui.Request) (tui.Outcome, error) {
	return dashboardOutcome(a.controller(run).Abort(ctx, cutoverRequest(r)))
}

// dashboardOutcome converts a command's decision.
func dashboardOutcome(d cutover.Decision, err error) (tui.Outcome, error) {
	if err != nil {
		return tui.Outcome{}, err
	}
	pos := func(p cutover.Position) tui.Position {
		return tui.Position{Stage: p.Stage, Phase: string(p.Phase), Percent: p.Percent}
	}
	return tui.Outcome{Action: string(d.Action), From: pos(d.From), To: pos(d.To)}, nil
}
