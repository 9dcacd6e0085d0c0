package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes. exitCode is the only place that chooses one.
const (
	exitOK          = 0
	exitFailure     = 1
	exitUsage       = 2
	exitCheckFailed = 3
	exitInterrupted = 130
)

// deps are what commands get from the outside world; tests replace them.
type deps struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stdoutIsTTY    func() bool
	stderrIsTTY    func() bool
	stdinIsTTY     func() bool
	lookupEnv      func(string) (string, bool)
	now            func() time.Time
}

func defaultDeps() deps {
	return deps{
		stdin: os.Stdin, stdout: os.Stdout, stderr: os.Stderr,
		stdoutIsTTY: func() bool { return isTerminal(os.Stdout) },
		stderrIsTTY: func() bool { return isTerminal(os.Stderr) },
		stdinIsTTY:  func() bool { return isTerminal(os.Stdin) },
		lookupEnv:   os.LookupEnv,
		now:         time.Now,
	}
}

func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// globalOptions are the flags every command has.
type globalOptions struct {
	brokers     []string
	databaseURL string
	logLevel    string
	logFormat   string
	profile     profileOptions
	log         *slog.Logger // set before any command runs
}

const rootLong = `oink replaces a Kafka producer service with a new version with zero
downtime and without losing or duplicating one event: it runs OINK v2 beside
the legacy v1, compares their outputs record by record, and moves traffic in
stages only while they agree.

Every flag has an environment twin: --stop-when-idle is OINK_STOP_WHEN_IDLE,
or OINK_PRODUCE_STOP_WHEN_IDLE for one command only. DATABASE_URL names
Postgres.

Shell completion (run names from the diffstore, values of flags such as
--kind): oink completion bash|zsh|fish --help.

Exit codes:
  0    success (finding divergences is a normal result; a service stopped
       by SIGTERM after finishing its work in hand)
  1    failure
  2    usage error: a bad flag or argument, a run that does not exist, a
       missing or invalid rules or plan file
  3    a check failed (an invariant check, or --fail-on-divergence)
  130  interrupted (Ctrl-C, or SIGTERM before the work was done)`

func newRootCmd(d deps) *cobra.Command {
	root, _ := newRoot(d)
	return root
}

// newRoot returns the root command with every subcommand, and its global
// options.
func newRoot(d deps) (*cobra.Command, *globalOptions) {
	root, g := newBareRoot(d)
	root.AddCommand(
		newBrokerCmd(d, nil),
		newLoadgenCmd(d, g, nil),
		newProduceCmd(d, g, nil),
		newLegacyCmd(d, g, nil),
		newDLQCmd(d, g),
		newCompareCmd(d, g, nil),
		newDiffsCmd(d, g),
		newRunsCmd(d, g),
		newDBCmd(d, g),
		newSwitchCmd(d, g, nil),
		newDemoCmd(d, g, nil),
		newCutoverCmd(d, g, nil),
		newControllerCmd(d, g, nil),
		newBenchCmd(d, g),
		newCapacityCmd(d, g),
		newChaosCmd(d, g, nil),
		newDashboardCmd(d, g, nil),
		newReportCmd(d, g, nil),
	)
	registerCompletions(root, d, g)
	return root, g
}

// forEachCommand calls f on c and every command below it.
func forEachCommand(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		forEachCommand(sub, f)
	}
}

// newBareRoot returns the root command with its global flags and no
// subcommands; tests attach the one they exercise.
func newBareRoot(d deps) (*cobra.Command, *globalOptions) {
	g := &globalOptions{}
	root := groupCmd(&cobra.Command{
		Use:           "oink",
		Short:         "Shadow, compare and cut over a Kafka producer with zero loss",
		Long:          rootLong,
		Version:       versionText(debug.ReadBuildInfo()),
		SilenceUsage:  true,
		SilenceErrors: true,
		Example: `  oink broker &                                   # embedded Kafka on 127.0.0.1:9092
  oink loadgen --count 100000 --invalid-ratio 0.01 --seed 1
  oink produce --stop-when-idle 3s
  kcat -b 127.0.0.1:9092 -C -t rtcim.v2 -J -e | head`,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindEnv(cmd, d.lookupEnv); err != nil {
				return err
			}
			if err := setupLogging(g, d.stderr); err != nil {
				return err
			}
			return g.profile.start(g)
		},
	})
	root.SetOut(d.stdout)
	root.SetErr(d.stderr)
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	pf := root.PersistentFlags()
	pf.StringSliceVar(&g.brokers, "brokers", []string{"127.0.0.1:9092"}, "Kafka bootstrap brokers, comma-separated")
	pf.StringVar(&g.databaseURL, "database-url", "", "Postgres URL of the diffstore (env DATABASE_URL, preferred: a flag is visible to every user in the process list, so keep passwords out of it; default: a local server, else a throwaway one)")
	pf.StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	pf.StringVar(&g.logFormat, "log-format", "", "log format: text or json (default text on a terminal, json otherwise)")
	g.profile.addFlags(pf)
	return root, g
}

// usageError marks an error as the user's input being wrong (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// errRunRequired is the usage error of a command about one shadow run
// that was not told which.
var errRunRequired = usageError{errors.New("--run is required: name the shadow run, e.g. --run shadow-2026-11")}

// flagProblems collects every bad flag of a command, so that one run names
// them all instead of the first.
type flagProblems []error

// add records one problem; format names the flag and the fix.
func (p *flagProblems) add(format string, args ...any) { *p = append(*p, fmt.Errorf(format, args...)) }

// err is nil when nothing was added, otherwise a usageError naming every
// problem.
func (p flagProblems) err() error {
	if len(p) == 0 {
		return nil
	}
	return usageError{errors.Join(p...)}
}

// usageArgs makes cobra's argument checks usage errors.
func usageArgs(check cobra.PositionalArgs) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{fmt.Errorf("%w (see %s --help)", err, cmd.CommandPath())}
		}
		return nil
	}
}

// runFunc runs a command on the options its flags were parsed into. The
// commands' constructors take one as their test seam: nil runs the real
// thing, a test passes one that records the options instead
// (parsedOptions).
type runFunc[O any] func(context.Context, deps, *globalOptions, *O) error

// newCommand completes cmd to run run (def when run is nil) on a new O,
// and returns cmd and that O for the caller to bind the flags to.
func newCommand[O any](d deps, g *globalOptions, run, def runFunc[O], cmd *cobra.Command) (*cobra.Command, *O) {
	if run == nil {
		run = def
	}
	o := new(O)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return run(cmd.Context(), d, g, o) }
	return cmd, o
}

// groupCmd completes cmd as a command that only groups subcommands: run
// without one, it prints its help (subcommandArgs checks the word after
// it).
func groupCmd(cmd *cobra.Command) *cobra.Command {
	cmd.Args = subcommandArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return cmd.Help() }
	return cmd
}

// checkFailed marks a failed check (exit 3).
type checkFailed struct{ err error }

func (e checkFailed) Error() string { return e.err.Error() }
func (e checkFailed) Unwrap() error { return e.err }

// exitCode maps the outcome of a command to the process exit code and prints
// the error. A signal that ended the work before it was done prints
// "interrupted", never the "context canceled" it caused; a service that
// finished its work in hand after SIGTERM returns nil and exits 0.
func exitCode(err error, sig os.Signal, stderr io.Writer) int {
	switch {
	case sig != nil && (err == nil || errors.Is(err, context.Canceled)):
		if sig == os.Interrupt || err != nil {
			fmt.Fprintln(stderr, "oink: interrupted")
			return exitInterrupted
		}
		return exitOK
	case err == nil:
		return exitOK
	}
	fmt.Fprintln(stderr, "oink:", err)
	var c codedError
	switch {
	case errors.As(err, &c):
		return c.exitCode()
	case isConfigFileError(err):
		return exitUsage
	case sig != nil:
		return exitInterrupted
	}
	return exitFailure
}

// signalContext returns a context ended by SIGINT or SIGTERM, and a function
// telling which signal ended it.
func signalContext() (context.Context, func() os.Signal, func()) {
	ctx, cancel := context.WithCancel(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	var got atomic.Value
	go func() {
		s, ok := <-ch
		if ok {
			got.Store(s)
			cancel()
		}
	}()
	which := func() os.Signal {
		s, _ := got.Load().(os.Signal)
		return s
	}
	return ctx, which, func() { signal.Stop(ch); cancel() }
}

// bindEnv sets each flag the user did not give from its environment twin:
// OINK_<COMMAND>_<FLAG> first, then OINK_<FLAG> (dashes become underscores).
func bindEnv(cmd *cobra.Command, lookup func(string) (string, bool)) error {
	var firstErr error
	prefix := "OINK_" + envName(strings.TrimPrefix(strings.ReplaceAll(cmd.CommandPath(), " ", "_"), "oink")) + "_"
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Changed || firstErr != nil {
			return
		}
		names := []string{prefix + envName(f.Name), "OINK_" + envName(f.Name)}
		if f.Name == "database-url" {
			names = append(names, "DATABASE_URL") // the name every Postgres tool knows
		}
		for _, name := range names {
			if v, ok := lookup(name); ok {
				if err := cmd.Flags().Set(f.Name, v); err != nil {
					firstErr = usageError{fmt.Errorf("%s=%q: %w (it sets --%s)", name, v, err, f.Name)}
				}
				return
			}
		}
	})
	return firstErr
}

func envName(s string) string {
	return strings.Trim(strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(s)), "_")
}

// setupLogging builds the logger every command gets (g.log), on stderr.
func setupLogging(g *globalOptions, stderr io.Writer) error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(g.logLevel)); err != nil {
		return usageError{fmt.Errorf("--log-level %q: want debug, info, warn or error", g.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	var h slog.Handler
	switch g.logFormat {
	case "text":
		h = slog.NewTextHandler(stderr, opts)
	case "json":
		h = slog.NewJSONHandler(stderr, opts)
	case "":
		if f, ok := stderr.(*os.File); ok && isTerminal(f) {
			h = slog.NewTextHandler(stderr, opts)
		} else {
			h = slog.NewJSONHandler(stderr, opts)
		}
	default:
		return usageError{fmt.Errorf("--log-format %q: want text or json", g.logFormat)}
	}
	g.log = slog.New(h)
	return nil
}
