package main

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui"

	"github.com/oinkhq/oink/tools/demo"
	"github.com/spf13/cobra"
)

type demoOptions struct {
	noTUI bool
	json  bool
	rate  float64
	rules string
	plan  string
}

func newDemoCmd(d deps, g *globalOptions, runF func(context.Context, deps, *globalOptions, *demoOptions) error) *cobra.Command {
	if runF == nil {
		runF = runDemo
	}
	o := &demoOptions{}
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "The whole migration on one machine, in one command (about two minutes)",
		Long: `Starts the embedded broker, finds or starts Postgres, and runs live upstream
traffic, the v1 simulator with its known faults, OINK v2, the comparator with
the shipped rules, the switch and the cutover controller with a short plan.

The story: v1 and v2 agree (v1's known bugs accepted by named rules), the
gate opens stage by stage; then v1 starts a fault no rule accepts, the
controller rolls back to 0% by itself; the fault stops, an operator resumes,
and the cutover reaches 100%. At the end oink reads the topics and the
diffstore and checks the invariants: nothing lost, the accounting adds up,
every RTCIM on the live topic exactly once. It exits 3 if any check fails.`,
		Example: `  oink demo --no-tui
  oink demo --json > summary.json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), d, g, o) },
	}
	f := cmd.Flags()
	f.BoolVar(&o.noTUI, "no-tui", false, "print the story as progress lines instead of opening the dashboard")
	f.BoolVar(&o.json, "json", false, "print the final summary as JSON (implies --no-tui)")
	f.Float64Var(&o.rate, "rate", 1000, "upstream events per second")
	f.StringVar(&o.rules, "rules", "shipped/rules/rtcim.yaml", "comparator rules (this path, or the copy built into oink when it does not exist here)")
	f.StringVar(&o.plan, "plan", "shipped/plans/demo.yaml", "cutover plan (this path, or the copy built into oink when it does not exist here)")
	return cmd
}

func runDemo(ctx context.Context, d deps, g *globalOptions, o *demoOptions) error {
	if o.rate <= 0 || o.rate > 50000 {
		return usageError{fmt.Errorf("--rate %v: want 1 to 50000 events per second", o.rate)}
	}
	cleanup, err := useShipped(fileFlag{"--rules", &o.rules}, fileFlag{"--plan", &o.plan})
	if err != nil {
		return err
	}
	defer cleanup()
	cfg := demo.Config{DatabaseURL: g.databaseURL, Rate: o.rate, RulesFile: o.rules, PlanFile: o.plan,
		Log: g.log.With("role", "demo")}
	var sum demo.Summary
	if f, ok := d.stdout.(*os.File); ok && isTerminal(f) && !o.noTUI && !o.json {
		sum, err = demoWithDashboard(ctx, d, cfg)
	} else {
		cfg.Events = func(e demo.Event) {
			fmt.Fprintf(d.stderr, "%s  %s\n", e.At.Format("15:04:05"), e.Message)
		}
		sum, err = demo.Run(ctx, cfg)
	}
	if err != nil {
		return err
	}
	if o.json {
		if err := writeJSON(d.stdout, sum); err != nil {
			return err
		}
	} else {
		printDemo(d, sum)
	}
	if !sum.OK {
		return checkFailed{fmt.Errorf("an invariant check of the demo failed (see above)")}
	}
	return nil
}

// demoWithDashboard runs the demo behind the dashboard: the dashboard opens
// once the pipeline runs and closes when the demo ends (or the viewer quits,
// which stops the demo). The story's lines are printed afterwards.
func demoWithDashboard(ctx context.Context, d deps, cfg demo.Config) (demo.Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var mu sync.Mutex
	var story []demo.Event
	cfg.Events = func(e demo.Event) {
		mu.Lock()
		story = append(story, e)
		mu.Unlock()
	}
	ready := make(chan tui.Config, 1)
	cfg.Ready = func(store *diffstore.Store, run string, _ *cutover.Controller) {
		ready <- tui.Config{Run: run, Now: d.now, Actor: "dashboard:" + currentUser(d),
			Source:  dashboardSource{Store: store, aliveWithin: 5 * time.Second, now: d.now},
			Actions: dashboardActions{store: store, aliveWithin: 5 * time.Second, now: d.now}}
	}
	type result struct {
		sum demo.Summary
		err error
	}
	done := make(chan result, 1)
	go func() {
		s, err := demo.Run(ctx, cfg)
		done <- result{s, err}
	}()
	var res result
	select {
	case res = <-done:
	case tc := <-ready:
		uiCtx, stopUI := context.WithCancel(ctx)
		uiDone := make(chan error, 1)
		go func() { uiDone <- tui.Run(uiCtx, tc) }()
		select {
		case res = <-done:
			stopUI()
			<-uiDone
		case err := <-uiDone: // the viewer quit: stop the demo
			stopUI()
			cancel()
			res = <-done
			if err != nil && res.err == nil {
				res.err = err
			}
		}
	}
	for _, e := range story {
		fmt.Fprintf(d.stderr, "%s  %s\n", e.At.Format("15:04:05"), e.Message)
	}
	return res.sum, res.err
}

func printDemo(d deps, s demo.Summary) {
	w := d.stdout
	fmt.Fprintf(w, "\ndemo run %s: %d events in %.0fs\n", s.Run, s.Events, s.Seconds)
	fmt.Fprintf(w, "  cutover: %v\n", s.Stages)
	fmt.Fprintf(w, "  comparator: %d pairs, %d identical, %d equivalent, %d accepted %v, %d divergent\n",
		s.Comparator.Pairs, s.Comparator.Identical, s.Comparator.Equivalent, s.Comparator.Accepted, s.Comparator.AcceptedByRule, s.Comparator.Divergent)
	fmt.Fprintf(w, "  live topic: %d records, %d from v1, %d from v2\n", s.Live.Live, s.Live.FromV1, s.Live.FromV2)
	for _, c := range s.Checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "  [%s] %s: %s\n", mark, c.Name, c.Detail)
	}
}
