package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
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

func newDashboardCmd(d deps, g *globalOptions, runF runFunc[dashboardOptions]) *cobra.Command {
	cmd, o := newCommand(d, g, runF, runDashboard, &cobra.Command{
		Use:   "dashboard",
		Short: "Watch a shadow run and drive its cutover in a terminal dashboard",
		Long: `A live view over the diffstore: the run and its cutover's stage and gate
(after a rollback, its whole reason and what to do), the comparator's health,
totals and rates with the accounting identity, the divergence chart over
source event time with stage changes and rollbacks marked, the top diverging
field paths and the recent divergences, each of which enter opens side by
side with the differing fields marked. / filters them by any part of a path.

a advances, p pauses (or resumes), r rolls back and x aborts the cutover: each
asks for a reason and a confirmation naming where the cutover goes, and is
recorded in the cutover's audit log like the same oink cutover command, as
--actor. Only the keys the cutover's phase allows are shown; --read-only
shows none. ? lists every key. q quits; Ctrl-C exits 130.`,
		Example: "  oink dashboard --run shadow-2026-11\n  oink dashboard --run shadow-2026-11 --refresh 500ms --read-only",
		Args:    usageArgs(cobra.NoArgs),
	})
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
		return interrupted(ctx, tui.Run(ctx, cfg))
	})
}

// interrupted passes err through, except tui.ErrInterrupted: Ctrl-C in the
// dashboard is the terminal's interrupt, which the dashboard's raw mode
// turned into a key. It raises SIGINT again so that the command ends as
// any interrupted one does, through the one place that chooses exit codes
// (130), and returns ctx's error once the signal has ended ctx. Only the
// dashboard's commands call it, and only with a terminal on stdout: main's
// signal handler is then installed.
func interrupted(ctx context.Context, err error) error {
	if !errors.Is(err, tui.ErrInterrupted) {
		return err
	}
	p, ferr := os.FindProcess(os.Getpid())
	if ferr == nil {
		ferr = p.Signal(os.Interrupt)
	}
	if ferr != nil {
		return fmt.Errorf("raising the interrupt: %w", ferr)
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Second): // liveness only: the handler cancels ctx at once
		return err
	}
}

// dashboardSource is the dashboard's tui.Source: the store's reads, and the
// cutover's status from a cutover.Controller over the same store.
type dashboardSource struct {
	*diffstore.Store
	aliveWithin time.Duration
	now         func() time.Time
}

// changesShown is how many of the cutover's latest changes the dashboard
// reads from the audit log: enough to find the last rollback.
const changesShown = 20

// CutoverStatus returns the status `oink cutover status` shows, in the
// dashboard's terms, with the latest changes from the audit log and the
// route's transitions. A run without a plan is an error wrapping
// diffstore.ErrNotFound, as cutover.Controller.Status returns it.
func (s dashboardSource) CutoverStatus(ctx context.Context, run string) (tui.CutoverStatus, error) {
	c := &cutover.Controller{Store: s.Store, RunName: run, AliveWithin: s.aliveWithin, Now: s.now}
	st, err := c.Status(ctx)
	if err != nil {
		return tui.CutoverStatus{}, err
	}
	out := dashboardStatus(st)
	history, err := s.History(ctx, run, changesShown)
	if err != nil {
		return tui.CutoverStatus{}, err
	}
	out.Changes = dashboardChanges(history)
	route, err := s.Route(ctx, run)
	if err != nil {
		return tui.CutoverStatus{}, err
	}
	for _, t := range route.Transitions {
		out.Transitions = append(out.Transitions, tui.Transition{At: t.EffectiveFrom, Percent: t.Percent})
	}
	return out, nil
}

// dashboardChanges converts audit entries (newest first) to the
// dashboard's changes, reading the positions and the gate from their
// details. A change is automatic when the controller decided it on its
// gate: the entry holds the gate and the controller's "gate: " reason (a
// manual advance holds the gate it skipped, with the operator's reason).
func dashboardChanges(entries []diffstore.AuditEntry) []tui.Change {
	out := make([]tui.Change, 0, len(entries))
	for _, e := range entries {
		var d struct {
			From, To cutover.Position
			Gate     *cutover.Gate
		}
		_ = json.Unmarshal(e.Details, &d) // best effort: an apply's details hold a plan; positions then stay zero
		ch := tui.Change{ID: e.ID, At: e.At.Local(), Action: e.Action, Actor: e.Actor, Reason: e.Reason,
			From: tui.Position{Stage: d.From.Stage, Phase: string(d.From.Phase), Percent: d.From.Percent},
			To:   tui.Position{Stage: d.To.Stage, Phase: string(d.To.Phase), Percent: d.To.Percent}}
		if g := d.Gate; g != nil && strings.HasPrefix(e.Reason, "gate: ") {
			ch.Automatic, ch.Divergent, ch.MissingInCandidate = true, g.Stats.Divergent, g.Stats.MissingInCandidate
		}
		out = append(out, ch)
	}
	return out
}

// dashboardStatus converts a cutover.Status.
func dashboardStatus(st cutover.Status) tui.CutoverStatus {
	policy := st.Plan.OnDivergence
	if policy == "" {
		policy = cutover.DefaultPolicy
	}
	out := tui.CutoverStatus{Stage: st.Stage, Stages: st.Stages, Percent: st.Percent, Phase: string(st.Phase),
		OnDivergence: string(policy), ControllerActive: st.ControllerActive, UpdatedBy: st.UpdatedBy,
		Reason: st.Reason, UpdatedAt: st.UpdatedAt.Local(), Waiting: st.Waiting}
	for _, step := range st.Plan.Steps {
		out.Steps = append(out.Steps, step.Percent)
	}
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
