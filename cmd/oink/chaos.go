package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/oinkhq/oink/internal/human"
	"github.com/oinkhq/oink/internal/pglocal"
	"github.com/oinkhq/oink/tools/chaos"
	"github.com/spf13/cobra"
)

type chaosOptions struct {
	roles    []string
	trials   int
	seed     uint64
	events   int
	rate     float64
	kills    int
	parallel int
	rules    string
	keep     bool
	json     bool
	external bool   // --brokers (or its env twin) was given
	exe      string // the oink binary the roles run as; "" is this one
}

func newChaosCmd(d deps, g *globalOptions, runF runFunc[chaosOptions]) *cobra.Command {
	cmd, o := newCommand(d, g, runF, runChaos, &cobra.Command{
		Use:   "chaos",
		Short: "Kill each role with SIGKILL at random moments and check every invariant from outside",
		Long: `Runs trials of the whole migration, each with its own topics, groups and
run: upstream events (1% invalid), the v1 simulator with seeded faults the
rules accept (rounding, UTC business date, drops, duplicates, reordered
lines), OINK v2, the comparator, the switch and the cutover controller
walking a plan from 0% to 100%, every role an oink process of its own. In a
trial of role R, R is killed with SIGKILL --kills times, each when its
progress reaches a moment drawn from the trial's seed, and restarted at
once:

  producer     oink produce     progress: records on rtcim.v2 and its DLQ
  comparator   oink compare     progress: records read (from Postgres)
  switch       oink switch      progress: records on the live topic
  controller   oink controller  progress: upstream events written

Upstream runs at --rate until --events are written and the cutover has
ended. Then every role drains and stops, and oink reads the topics and
Postgres to check:

  invariant 1  every upstream event is an RTCIM on rtcim.v2 or a dead letter
  invariant 2  the comparator's totals and divergences equal those of a
               second comparator run over the same topics that was never
               killed, and match v1's fault log
  invariant 4  every identity is on the live topic exactly once, from the
               version that owned it, with no gap
  controller   each decision made from where the previous one left the run,
               no stage decided twice, the route only growing, and the
               cutover promoted

Each trial prints its role, seed, kills and result. A trial's seed alone
chooses its events, v1's faults and its kill moments: --seed S runs trials
S, S+1, … for every role, so --roles R --trials 1 --seed S (with the same
--events and --rate) replays a failed trial. Trials take about 30 seconds
each (the cutover's gate counts pairs in 10-second buckets) and run
--parallel at a time.

It runs on an embedded broker (a child oink broker) unless --brokers is
given, and on DATABASE_URL or a local Postgres, in a schema of its own that
is dropped at the end (with the topics) unless --keep. The default --rules
is built into oink, so it runs from any directory. It exits 3 if any check
fails.`,
		Example: `  oink chaos
  oink chaos --roles switch,controller --trials 20 --parallel 4
  oink chaos --roles producer --trials 1 --seed 3253587601662741 --events 3000
  oink chaos --roles stall --trials 1 --kills 1
  oink chaos --json > chaos.json`,
		Args: usageArgs(cobra.NoArgs),
	})
	cmd.PreRun = func(cmd *cobra.Command, _ []string) { o.external = cmd.Flags().Changed("brokers") }
	f := cmd.Flags()
	f.StringSliceVar(&o.roles, "roles", []string{"producer", "comparator", "switch", "controller", "zombie-switch"},
		"roles to hit, comma-separated: producer, comparator, switch, controller (SIGKILL); zombie-switch (two switches, one frozen with SIGSTOP "+
			"past its session timeout); or stall (SIGSTOP v2 for 10 comparator windows of 6s, then SIGCONT, --kills times)")
	f.IntVar(&o.trials, "trials", chaos.DefaultTrials, "trials per role (the long suite runs 20)")
	f.Uint64Var(&o.seed, "seed", 0, "seed of each role's first trial; trial i has seed+i (0: from the clock)")
	f.IntVar(&o.events, "events", chaos.DefaultEvents, "least upstream events per trial (upstream goes on until the cutover ends)")
	f.Float64Var(&o.rate, "rate", chaos.DefaultRate, "upstream events per second")
	f.IntVar(&o.kills, "kills", chaos.DefaultKills, "SIGKILLs per trial (0: an uninterrupted baseline)")
	f.IntVar(&o.parallel, "parallel", chaos.DefaultParallel, "trials running at once")
	f.StringVar(&o.rules, "rules", "shipped/rules/rtcim.yaml", "comparator rules, which must accept v1's rounding and UTC-date faults (the default is built into oink too)")
	f.BoolVar(&o.keep, "keep", false, "keep each trial's topics and the Postgres schema for inspection")
	f.BoolVar(&o.json, "json", false, "print the report as one JSON document (trial lines go to stderr)")
	return cmd
}

// config checks the flags and builds the harness's configuration.
func (o *chaosOptions) config(g *globalOptions) (chaos.Config, error) {
	cfg := chaos.Config{Trials: o.trials, Seed: o.seed, Events: o.events, Rate: o.rate, Kills: o.kills,
		Parallel: o.parallel, RulesFile: o.rules, KeepData: o.keep}
	if o.external {
		cfg.Brokers = g.brokers
	}
	var bad flagProblems
	roles, err := chaos.ParseRoles(o.roles)
	if err != nil {
		bad.add("--roles: %w (e.g. --roles producer,switch)", err)
	}
	cfg.Roles = roles
	if o.trials < 1 || o.trials > 1000 {
		bad.add("--trials %d: want 1 to 1000 trials per role", o.trials)
	}
	if o.events < 500 || o.events > 10_000_000 {
		bad.add("--events %d: want 500 to 10000000 (fewer leave v1's faults too rare to check)", o.events)
	}
	if o.rate <= 0 || o.rate > 50000 {
		bad.add("--rate %v: want 1 to 50000 events per second", o.rate)
	}
	if o.kills < 0 || o.kills > 100 {
		bad.add("--kills %d: want 0 to 100 per trial", o.kills)
	}
	if o.parallel < 1 || o.parallel > 32 {
		bad.add("--parallel %d: want 1 to 32 trials at once", o.parallel)
	}
	if _, err := os.Stat(o.rules); err != nil {
		bad.add("--rules %s: %v (name a rules file that exists, or leave the default)", o.rules, err)
	}
	return cfg, bad.err()
}

func runChaos(ctx context.Context, d deps, g *globalOptions, o *chaosOptions) error {
	cleanup, err := useShipped(fileFlag{"--rules", &o.rules})
	if err != nil {
		return err
	}
	defer cleanup()
	cfg, err := o.config(g)
	if err != nil {
		return err
	}
	if cfg.Exe = o.exe; cfg.Exe == "" {
		if cfg.Exe, err = os.Executable(); err != nil {
			return fmt.Errorf("finding the oink binary to run the roles with: %w", err)
		}
	}
	url, stopPG, err := pglocal.Resolve(ctx, g.databaseURL, g.log)
	if err != nil {
		return err
	}
	defer stopPG()
	cfg.DatabaseURL, cfg.Log = url, g.log
	lines := d.stdout
	if o.json {
		lines = d.stderr
	}
	cfg.OnTrial = func(r chaos.TrialResult) { printTrial(lines, r, cfg) }
	rep, err := chaos.Run(ctx, cfg)
	if err != nil {
		return err
	}
	if o.json {
		err = writeJSON(d.stdout, rep)
	} else {
		printChaosSummary(d.stdout, rep)
	}
	if err != nil {
		return err
	}
	if !rep.OK {
		return checkFailed{fmt.Errorf("%d of %d chaos trials failed an invariant check (see above)", rep.Failed, len(rep.Trials))}
	}
	return nil
}

// printTrial prints one line for a trial and, when it failed, its failed
// checks and the command that replays it.
func printTrial(w io.Writer, r chaos.TrialResult, cfg chaos.Config) {
	mark := "ok  "
	if !r.OK {
		mark = "FAIL"
	}
	fmt.Fprintf(w, "%s %-10s seed %d  %d kills at %v (%s)  %s events  %s\n",
		mark, r.Role, r.Seed, r.Kills, r.KillsAt, r.Progress, human.Count(int64(r.Events)), seconds(r.Seconds))
	if r.OK {
		return
	}
	for _, c := range r.Checks {
		if !c.OK {
			fmt.Fprintf(w, "     %s: %s\n", c.Name, strings.ReplaceAll(c.Detail, "\n", "\n       "))
		}
	}
	fmt.Fprintf(w, "     replay: oink chaos --roles %s --trials 1 --seed %d --events %d --rate %g --kills %d\n",
		r.Role, r.Seed, cfg.Events, cfg.Rate, cfg.Kills)
}

func printChaosSummary(w io.Writer, rep chaos.Report) {
	verdict := "every invariant held"
	if !rep.OK {
		verdict = fmt.Sprintf("%d FAILED", rep.Failed)
	}
	fmt.Fprintf(w, "\n%d trials (%d per role, seeds %d to %d), %d kills, %d passed in %s: %s\n",
		len(rep.Trials), rep.TrialsPerRole, rep.Seed, rep.Seed+uint64(max(rep.TrialsPerRole-1, 0)), rep.Kills, rep.Passed,
		seconds(rep.Seconds), verdict)
}
