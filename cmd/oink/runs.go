package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/human"
)

func newRunsCmd(d deps, g *globalOptions) *cobra.Command {
	cmd := groupCmd(&cobra.Command{
		Use:   "runs",
		Short: "List, show and delete shadow runs",
	})
	cmd.AddCommand(newRunsListCmd(d, g), newRunsShowCmd(d, g), newRunsDeleteCmd(d, g))
	return cmd
}

func newRunsListCmd(d deps, g *globalOptions) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "list", Short: "List runs and cutovers, newest first, with the comparator's status and the cutover's phase",
		Long: `Lists every shadow run and every cutover (a plan may be applied before the
comparator creates its run). STATUS is the comparator's: finished (it
stopped once everything was compared, with --stop-when-idle; --json has
finishedAt), comparing (an
instance sent a heartbeat in the last 5s), or stopped (interrupted before
the end; run oink compare again to go on). CUTOVER is the cutover's phase,
stage and the share of key buckets v2 owns.`,
		Args:    usageArgs(cobra.NoArgs),
		Example: "  oink runs list\n  oink runs list --json | jq -r '.[].name'",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd.Context(), g, func(s *diffstore.Store) error {
				ls, err := s.RunListings(cmd.Context())
				if err != nil {
					return err
				}
				return printRuns(d, ls, asJSON)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// runJSON is one run of `runs list --json`: the run's fields (as `runs
// list` always printed them), its status and its cutover.
type runJSON struct {
	diffstore.Run
	Status        string                    `json:"status"`
	LastHeartbeat *time.Time                `json:"lastHeartbeat"`
	Cutover       *diffstore.CutoverListing `json:"cutover"`
}

// printRuns prints the listings as a table, or JSON.
func printRuns(d deps, ls []diffstore.RunListing, asJSON bool) error {
	now := d.now()
	if asJSON {
		out := make([]runJSON, len(ls))
		for i, l := range ls {
			out[i] = runJSON{Run: diffstore.Run{Name: l.Name}, Status: runStatus(l, now), LastHeartbeat: l.LastHeartbeat, Cutover: l.Cutover}
			if l.Run != nil {
				out[i].Run = *l.Run
			}
		}
		return writeJSON(d.stdout, out)
	}
	rows := make([][]string, len(ls))
	for i, l := range ls {
		control, candidate, rules, created := "–", "–", "–", "–"
		if r := l.Run; r != nil {
			control, candidate, rules, created = r.ControlTopic, r.CandidateTopic, r.RulesName, shortTime(r.CreatedAt)
		}
		rows[i] = []string{l.Name, control, candidate, rules, created, runStatus(l, now), cutoverText(l.Cutover)}
	}
	tableLayout{Width: outputWidth, Shrink: []int{3, 1, 2}}.write(d.stdout,
		[]string{"RUN", "CONTROL", "CANDIDATE", "RULES", "CREATED", "STATUS", "CUTOVER"}, rows)
	return nil
}

// runStatus says what the run's comparator is doing: finished, comparing,
// stopped, or "no comparator run" for a cutover alone (--json has the
// times).
func runStatus(l diffstore.RunListing, now time.Time) string {
	r, hb := l.Run, l.LastHeartbeat
	switch {
	case r == nil:
		return "no comparator run"
	case r.FinishedAt != nil && (hb == nil || !hb.After(*r.FinishedAt)):
		return "finished"
	case hb != nil && now.Sub(*hb) <= cutover.DefaultAliveWithin:
		return "comparing"
	}
	return "stopped"
}

// cutoverText spells a cutover's position: "running 2/4 (10%)",
// "promoted (100%)", "–" for none.
func cutoverText(c *diffstore.CutoverListing) string {
	if c == nil {
		return "–"
	}
	phase := strings.ReplaceAll(c.Phase, "_", " ")
	if c.Stage >= 0 && c.Stages > 0 {
		return fmt.Sprintf("%s %d/%d (%s)", phase, c.Stage+1, c.Stages, human.Percent(c.Percent))
	}
	return fmt.Sprintf("%s (%s)", phase, human.Percent(c.Percent))
}

// shortTime spells a time in UTC to the minute: 2026-03-08 06:00Z.
func shortTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04Z") }

func newRunsShowCmd(d deps, g *globalOptions) *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use: "show RUN", Short: "Show a run's summary (same as diffs summary)", Args: usageArgs(cobra.ExactArgs(1)),
		Example: "  oink runs show shadow-1",
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), g, func(s *diffstore.Store) error {
				sum, err := s.Summary(cmd.Context(), args[0])
				if errors.Is(err, diffstore.ErrNotFound) {
					return runNotFoundError{run: args[0], err: err, argument: true}
				}
				if err != nil {
					return err
				}
				return printSummary(d, sum, asJSON)
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

func newRunsDeleteCmd(d deps, g *globalOptions) *cobra.Command {
	var yes bool
	cmd := &cobra.Command{
		Use:   "delete RUN",
		Short: "Delete a run and everything stored for it, its cutover included",
		Long: `Deletes every row the store holds for the run, in one transaction: the
comparator's results (counts, divergences, field diffs, checkpoints,
heartbeats), the cutover (plans, state, route transitions, gate evaluations,
audit log) and the switch's provenance. A run that has only a cutover is
deleted too. A comparator still working on the run stops at its next commit.
It asks for the run's name on a terminal; otherwise pass --yes.`,
		Args:    usageArgs(cobra.ExactArgs(1)),
		Example: "  oink runs delete shadow-1 --yes",
		RunE: func(cmd *cobra.Command, args []string) error {
			return runRunsDelete(cmd.Context(), d, g, args[0], yes)
		},
	}
	cmd.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation")
	return cmd
}

// runRunsDelete deletes run after confirmation.
func runRunsDelete(ctx context.Context, d deps, g *globalOptions, run string, yes bool) error {
	if !yes {
		if err := confirmRun(d, run, "deleting run "+run, "Delete run "+run+", its results and its cutover?", "nothing deleted"); err != nil {
			return err
		}
	}
	return withStore(ctx, g, func(s *diffstore.Store) error {
		err := s.DeleteRun(ctx, run)
		if errors.Is(err, diffstore.ErrNotFound) {
			return runNotFoundError{run: run, err: err, argument: true}
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(d.stdout, "deleted run %s: its results, its cutover and the switch's provenance\n", run)
		return nil
	})
}
