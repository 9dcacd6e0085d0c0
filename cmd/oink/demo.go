package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/spf13/cobra"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tools/demo"
	"github.com/oinkhq/oink/tui"
)

type demoOptions struct {
	noTUI   bool
	json    bool
	rate    float64
	rules   string
	plan    string
	logFile string
}

func newDemoCmd(d deps, g *globalOptions, runF runFunc[demoOptions]) *cobra.Command {
	cmd, o := newCommand(d, g, runF, runDemo, &cobra.Command{
		Use:   "demo",
		Short: "The whole migration on one machine, in one command (about a minute and a half)",
		Long: `Starts the embedded broker, finds or starts Postgres, and runs live upstream
traffic, the v1 simulator with its known faults, OINK v2, the comparator with
the shipped rules, the switch and the cutover controller with a short plan.

The story: v1 and v2 agree (v1's known bugs accepted by named rules), the
gate opens stage by stage; then v1 starts a fault no rule accepts, the
controller rolls back to 0% by itself; the fault stops, an operator resumes,
and the cutover reaches 100%. At the end oink reads the topics and the
diffstore and checks the invariants: nothing lost, the accounting adds up,
every RTCIM on the live topic exactly once, byte for byte as its owning
version wrote it. It exits 3 if any check fails, 130 when interrupted
(Ctrl-C), without checking.

On a terminal the dashboard shows the run, with the story told in it as it
happens; logs then go to --log-file, not to the screen. When the story ends
the dashboard stays until a key is pressed, then the summary is printed.`,
		Example: `  oink demo
  oink demo --no-tui
  oink demo --json > summary.json`,
		Args: usageArgs(cobra.NoArgs),
	})
	f := cmd.Flags()
	f.BoolVar(&o.noTUI, "no-tui", false, "print the story as progress lines instead of opening the dashboard")
	f.BoolVar(&o.json, "json", false, "print the final summary as JSON (implies --no-tui)")
	f.Float64Var(&o.rate, "rate", 1000, "upstream events per second")
	f.StringVar(&o.rules, "rules", "shipped/rules/rtcim.yaml", "comparator rules (this path, or the copy built into oink when it does not exist here)")
	f.StringVar(&o.plan, "plan", "shipped/plans/demo.yaml", "cutover plan (this path, or the copy built into oink when it does not exist here)")
	f.StringVar(&o.logFile, "log-file", "", "where the logs go while the dashboard shows (default: oink-demo-<time>.log in the temporary directory); with --no-tui, logs go to stderr unless this is set")
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
	f, ok := d.stdout.(*os.File)
	withTUI := ok && isTerminal(f) && !o.noTUI && !o.json
	logPath := o.logFile
	if withTUI && logPath == "" {
		logPath = filepath.Join(os.TempDir(), "oink-demo-"+d.now().UTC().Format("20060102-150405")+".log")
	}
	if logPath != "" {
		closeLog, err := demoLogFile(g, logPath, &cfg)
		if err != nil {
			return err
		}
		defer closeLog()
	}
	var sum demo.Summary
	if withTUI {
		sum, err = demoWithDashboard(ctx, d, cfg, logPath)
	} else {
		cfg.Events = func(e demo.Event) {
			fmt.Fprintf(d.stderr, "%s  %s\n", e.At.Format("15:04:05"), e.Message)
		}
		sum, err = demo.Run(ctx, cfg)
	}
	// Interrupted: a check would judge a pipeline stopped half way, so
	// nothing is printed here; exitCode prints "oink: interrupted" once,
	// as for every command.
	switch {
	case ctx.Err() != nil: // a signal: main's handler chooses exit 130
		return ctx.Err()
	case errors.Is(err, errViewerStopped): // a key: the signal is raised again
		return interrupted(ctx, tui.ErrInterrupted)
	}
	if err != nil {
		return err
	}
	if o.json {
		if err := writeJSON(d.stdout, sum); err != nil {
			return err
		}
	} else {
		printDemo(d.stdout, sum, logPath)
	}
	if !sum.OK {
		return checkFailed{fmt.Errorf("an invariant check of the demo failed (see above)")}
	}
	return nil
}

// demoLogFile sends the demo's logs to path, at the level --log-level
// asks, as text unless --log-format json; the returned function closes it.
func demoLogFile(g *globalOptions, path string, cfg *demo.Config) (func(), error) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return nil, usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--log-file %s: %w (give a writable path)", path, err)
	}
	var h slog.Handler = slog.NewTextHandler(f, &slog.HandlerOptions{Level: level})
	if g.logFormat == "json" {
		h = slog.NewJSONHandler(f, &slog.HandlerOptions{Level: level})
	}
	cfg.Log = slog.New(h).With("role", "demo")
	return func() { _ = f.Close() }, nil // best effort: the logs are written as they come
}

// errViewerStopped says the viewer closed the dashboard before the story
// ended, which stops the demo: an interruption.
var errViewerStopped = errors.New("the dashboard was closed before the demo ended")

// storyBuffer bounds the notes waiting for the dashboard: the story has
// about twenty.
const storyBuffer = 64

// demoWithDashboard runs the demo behind the dashboard. The dashboard opens
// once the pipeline runs and tells the story as it happens; when the checks
// are done it shows their outcome and stays until a key is pressed, and
// only then does the demo tear its pipeline down. Closing the dashboard
// before (q, Ctrl-C) stops the demo: errViewerStopped, or, for Ctrl-C, the
// interrupt raised again.
func demoWithDashboard(ctx context.Context, d deps, cfg demo.Config, logPath string) (demo.Summary, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	notes := make(chan tui.Note, storyBuffer)
	closed := make(chan struct{}) // the dashboard has exited (uiErr is then set)
	var uiErr error
	var started, ended atomic.Bool
	cfg.Events = func(e demo.Event) {
		select {
		case notes <- tui.Note{At: e.At, Text: e.Message}:
		case <-closed:
		case <-ctx.Done():
		}
	}
	cfg.Events(demo.Event{At: d.now(), Message: "logs go to " + logPath + " (not to this screen)"})
	cfg.Ready = func(store *diffstore.Store, run string, _ *cutover.Controller) {
		tc := tui.Config{Run: run, Now: d.now, Actor: "dashboard:" + currentUser(d), Story: notes,
			Source:  dashboardSource{Store: store, aliveWithin: 5 * time.Second, now: d.now},
			Actions: dashboardActions{store: store, aliveWithin: 5 * time.Second, now: d.now}}
		started.Store(true)
		go func() {
			uiErr = tui.Run(ctx, tc)
			close(closed)
		}()
	}
	cfg.End = func(sum demo.Summary) {
		for _, n := range endNotes(sum) {
			cfg.Events(demo.Event{At: d.now(), Message: n})
		}
		ended.Store(true)
		close(notes)
		select { // the viewer reads the end; the pipeline stays up meanwhile
		case <-closed:
		case <-ctx.Done():
		}
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
	case <-closed:
		if errors.Is(uiErr, tui.ErrInterrupted) || (uiErr == nil && !ended.Load()) {
			cancel()
		}
		res = <-done
	}
	if started.Load() {
		cancel() // a dashboard still up after a failure closes
		<-closed
	}
	switch {
	case errors.Is(uiErr, tui.ErrInterrupted), uiErr == nil && started.Load() && !ended.Load():
		return res.sum, errViewerStopped
	case uiErr != nil && res.err == nil:
		res.err = uiErr
	}
	return res.sum, res.err
}

// endNotes are the story's last notes: what the checks found, the
// downstream criterion, and what a key does, in one note that the story
// pane shows whole.
func endNotes(s demo.Summary) []string {
	held := 0
	for _, c := range s.Checks {
		if c.OK {
			held++
		}
	}
	verdict := fmt.Sprintf("the end: %d of %d checks held", held, len(s.Checks))
	if held < len(s.Checks) {
		verdict += " (the summary says which failed)"
	}
	return []string{verdict + " · " + downstreamLine(s) + " · any key shows the summary"}
}

// printDemo writes the summary for people (demo_summary.go).
func printDemo(w io.Writer, s demo.Summary, logPath string) {
	writeDemoSummary(w, s, logPath)
}
