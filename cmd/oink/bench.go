package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/oinkhq/oink/internal/bench"
	"github.com/spf13/cobra"
)

func newBenchCmd(d deps, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure oink's pipelines: throughput, batch latency, memory and CPU",
		Example: `  oink bench producer
  oink bench producer --events 100000 --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newBenchProducerCmd(d, g, nil), newBenchRefCmd(d, g, nil))
	return cmd
}

type benchProducerOptions struct {
	events, partitions, rf, batchSize int
	seed                              uint64
	invalidRatio                      float64
	pipelines                         []string
	stopWhenIdle, timeout             time.Duration
	env                               []string
	keepTopics                        bool
	json                              bool
	external                          bool // --brokers (or its env twin) was given
}

func newBenchProducerCmd(d deps, g *globalOptions, runF func(context.Context, deps, *globalOptions, *benchProducerOptions) error) *cobra.Command {
	if runF == nil {
		runF = runBenchProducer
	}
	o := &benchProducerOptions{}
	cmd := &cobra.Command{
		Use:   "producer",
		Short: "Benchmark oink produce against franz-go reference pipelines",
		Long: `Loads --events generated events (seed --seed, --invalid-ratio of them invalid)
into a fresh topic once, then pushes them through three pipelines, each a
process of its own with its own output topics and consumer group, from
offset 0 to the end, acks from all in-sync replicas:

  oink produce    the real command
  ref transform   a franz-go consumer-group → producer pipe running oink's
                  Decode, Transform and JSON encoding, same dead letters
  ref raw         the same pipe copying bytes unchanged: the broker's ceiling

For each it reports events/s (process start until the group has committed
every event; the idle wait of oink produce is not counted), batch latency
p50/p99 (the time between consecutive commits of the group, polled every
5ms: one batch's fetch → ack → commit, as each pipeline handles one batch
at a time), peak RSS and CPU seconds of the process (rusage), and the
embedded broker's CPU seconds while it ran. ratio is oink's events/s over
ref transform's, ratio_raw over ref raw's.

Without --brokers (or OINK_BROKERS) it runs an embedded broker as a separate
process, so no pipeline's numbers include it. That broker keeps every record
in memory: it peaks at about 4 GB per million events, although each
pipeline's output topics are deleted once it is measured and the input at
the end (--keep-topics keeps them: about 5.7 GB per million). Every run
checks that each pipeline read every event and wrote exactly one record or
dead letter for it.`,
		Example: `  oink bench producer
  oink bench producer --events 100000 --json
  oink bench producer --pipelines oink --env GOGC=200 --batch-size 10000
  oink bench producer --brokers kafka-1:9092 --replication-factor 3`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.external = cmd.Flags().Changed("brokers")
			return runF(cmd.Context(), d, g, o)
		},
	}
	f := cmd.Flags()
	f.IntVar(&o.events, "events", 1_000_000, "events to load and push through each pipeline")
	f.IntVar(&o.partitions, "partitions", 12, "partitions of every topic the benchmark creates")
	f.IntVar(&o.rf, "replication-factor", 1, "replication factor of every topic the benchmark creates")
	f.IntVar(&o.batchSize, "batch-size", 5000, "most events per write and commit, in every pipeline")
	f.Uint64Var(&o.seed, "seed", 1, "load generator seed; the same seed loads the same bytes")
	f.Float64Var(&o.invalidRatio, "invalid-ratio", 0.01, "share of invalid events (dead letters), 0 to 1")
	f.StringSliceVar(&o.pipelines, "pipelines", []string{string(bench.Oink), string(bench.RefTransform), string(bench.RefRaw)},
		"pipelines to measure, in order")
	f.DurationVar(&o.stopWhenIdle, "stop-when-idle", time.Second, "oink produce --stop-when-idle (not counted in its time)")
	f.DurationVar(&o.timeout, "timeout", 0, "longest a pipeline may take (0: 60s plus 1s per 5000 events)")
	f.StringArrayVar(&o.env, "env", nil, "KEY=VALUE added to the environment of the measured processes, e.g. GOGC=200 (repeatable)")
	f.BoolVar(&o.keepTopics, "keep-topics", false, "keep the benchmark's topics instead of deleting them once measured")
	f.BoolVar(&o.json, "json", false, "print the report as one JSON document")
	return cmd
}

func (o *benchProducerOptions) config(g *globalOptions) (bench.Config, error) {
	cfg := bench.Config{Events: o.events, Partitions: o.partitions, ReplicationFactor: o.rf, BatchSize: o.batchSize,
		Seed: o.seed, InvalidRatio: o.invalidRatio, StopWhenIdle: o.stopWhenIdle, Timeout: o.timeout, Env: o.env, KeepTopics: o.keepTopics}
	if o.external {
		cfg.Brokers = g.brokers
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if o.events < 1 {
		bad("--events %d: want at least 1, e.g. --events 100000", o.events)
	}
	if o.partitions < 1 || o.partitions > 1000 || o.rf < 1 {
		bad("--partitions %d / --replication-factor %d: want 1 to 1000 partitions and at least 1 replica", o.partitions, o.rf)
	}
	if o.batchSize < 1 || o.batchSize > 100000 {
		bad("--batch-size %d: want 1 to 100000", o.batchSize)
	}
	if o.invalidRatio < 0 || o.invalidRatio > 1 {
		bad("--invalid-ratio %v: want a share between 0 and 1, e.g. 0.01", o.invalidRatio)
	}
	if o.stopWhenIdle <= 0 || o.timeout < 0 {
		bad("--stop-when-idle %v / --timeout %v: want a positive duration such as 1s (--timeout 0 for the default)", o.stopWhenIdle, o.timeout)
	}
	for _, name := range o.pipelines {
		p := bench.Pipeline(strings.TrimSpace(name))
		if !slices.Contains(bench.AllPipelines(), p) {
			bad("--pipelines: unknown %q; want some of oink, ref-transform, ref-raw (e.g. --pipelines oink,ref-raw)", name)
		}
		cfg.Pipelines = append(cfg.Pipelines, p)
	}
	for _, kv := range o.env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			bad("--env %q: want KEY=VALUE, e.g. --env GOGC=200", kv)
		}
	}
	if len(errs) > 0 {
		return cfg, usageError{errors.Join(errs...)}
	}
	return cfg, nil
}

func runBenchProducer(ctx context.Context, d deps, g *globalOptions, o *benchProducerOptions) error {
	cfg, err := o.config(g)
	if err != nil {
		return err
	}
	if cfg.Exe, err = os.Executable(); err != nil {
		return fmt.Errorf("finding the oink binary to run the pipelines with: %w", err)
	}
	cfg.Log = g.log
	p := newProgress(d, o.json && d.stderrIsTTY())
	cfg.Progress = func(pr bench.Progress) {
		p.Update("bench: %s %d/%d events (%.0f/s)", pr.Step, pr.Done, pr.Total, float64(pr.Done)/max(pr.Elapsed.Seconds(), 1e-9))
	}
	rep, err := bench.Run(ctx, cfg)
	p.Done()
	if err != nil {
		return err
	}
	if o.json {
		return writeJSON(d.stdout, rep)
	}
	printBenchReport(d.stdout, rep)
	return nil
}

// printBenchReport prints rep as a header, a table and the ratios.
func printBenchReport(w io.Writer, rep bench.Report) {
	fmt.Fprintf(w, "%d events (%d invalid), %d partitions, batch size %d, broker %s, %d CPUs, %s\n",
		rep.Events, rep.Load.Invalid, rep.Partitions, rep.BatchSize, rep.Broker, rep.CPUs, rep.GoVersion)
	fmt.Fprintf(w, "loaded in %.1fs (%.0f events/s)\n\n", rep.Load.Seconds, rep.Load.EventsPerSecond)
	rows := make([][]string, 0, len(rep.Pipelines))
	for _, r := range rep.Pipelines {
		rows = append(rows, []string{r.Pipeline.Title(), fmt.Sprintf("%.0f", r.EventsPerSecond), fmt.Sprintf("%.2f", r.Seconds),
			fmt.Sprintf("%.2f", r.StartupSeconds), fmt.Sprintf("%.0f", r.BatchLatencyP50Ms), fmt.Sprintf("%.0f", r.BatchLatencyP99Ms),
			fmt.Sprintf("%.0f", r.PeakRssMB), fmt.Sprintf("%.1f", r.CPUSeconds), fmt.Sprintf("%.1f", r.BrokerCPUSeconds)})
	}
	table(w, []string{"PIPELINE", "EVENTS/S", "SECONDS", "STARTUP S", "BATCH P50 MS", "BATCH P99 MS", "PEAK RSS MB", "CPU S", "BROKER CPU S"}, rows)
	fmt.Fprintln(w)
	if rep.Ratio != nil {
		fmt.Fprintf(w, "ratio      %.2f  (oink produce ÷ ref transform)\n", *rep.Ratio)
	}
	if rep.RatioRaw != nil {
		fmt.Fprintf(w, "ratio_raw  %.2f  (oink produce ÷ ref raw)\n", *rep.RatioRaw)
	}
}

type benchRefOptions struct {
	from, to, dlq, group string
	events               int64
	batchSize            int
}

func newBenchRefCmd(d deps, g *globalOptions, runF func(context.Context, deps, *globalOptions, bench.RefMode, *benchRefOptions) error) *cobra.Command {
	if runF == nil {
		runF = runBenchRef
	}
	o := &benchRefOptions{}
	cmd := &cobra.Command{
		Use:   "ref raw|transform",
		Short: "Run a franz-go reference pipeline (the benchmark runs it as a child process)",
		Long: `Runs a franz-go consumer group on --from that produces each polled batch to
--to with acks from all in-sync replicas, flushes, and only then commits:
raw copies records unchanged, transform runs oink's Decode, Transform and
JSON encoding per record and writes rejects to --dlq. It stops once --events
records are committed (0: at SIGTERM) and prints its counts as JSON.`,
		Example:   `  oink bench ref transform --from orders --to ref.out --dlq ref.dlq --group ref --events 100000`,
		Hidden:    true,
		ValidArgs: []string{string(bench.RefModeRaw), string(bench.RefModeTransform)},
		Args:      usageArgs(cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runF(cmd.Context(), d, g, bench.RefMode(args[0]), o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "orders", "topic to read")
	f.StringVar(&o.to, "to", "", "topic to write")
	f.StringVar(&o.dlq, "dlq", "", "dead-letter topic (transform)")
	f.StringVar(&o.group, "group", "oink-bench-ref", "consumer group")
	f.Int64Var(&o.events, "events", 0, "stop once this many records are committed (0: run until stopped)")
	f.IntVar(&o.batchSize, "batch-size", 5000, "most records per write and commit")
	return cmd
}

func runBenchRef(ctx context.Context, d deps, g *globalOptions, mode bench.RefMode, o *benchRefOptions) error {
	st, err := bench.RunRef(ctx, bench.RefConfig{Brokers: g.brokers, From: o.from, To: o.to, DLQ: o.dlq, Group: o.group,
		Mode: mode, Events: o.events, BatchSize: o.batchSize})
	if err != nil {
		return err
	}
	return writeJSON(d.stdout, st)
}
