package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/oinkhq/oink/internal/human"
	"github.com/oinkhq/oink/tools/bench"
	"github.com/spf13/cobra"
)

func newBenchCmd(d deps, g *globalOptions) *cobra.Command {
	cmd := groupCmd(&cobra.Command{
		Use:   "bench",
		Short: "Measure oink's roles: throughput, latency, memory and CPU, against franz-go references",
		Long: `Runs a reproducible benchmark of one role on the embedded broker (or --brokers)
and reports its throughput, p50/p99 latency, peak RSS and CPU per process,
and, in the same run on the same broker and data, two franz-go references:
ref transform (a kgo pipe doing the same work as the role: ratio) and ref raw
(a kgo pipe copying the same bytes: ratio_raw, the broker's ceiling).

  producer     oink produce: events/s from the orders topic to rtcim.v2
  comparator   oink compare: pairs/s from v1 and v2 into Postgres
  switch       oink switch: v1 + v2 records/s routed to the live topic
  pipeline     loadgen → legacy + produce → compare + switch, all at once:
               end-to-end events/s and event latency

Every run checks its accounting (no record lost or duplicated, the
comparator's totals, one live copy per event) before reporting a number.
The comparator, switch and pipeline roles need Postgres: --database-url (or
DATABASE_URL), else a local server, else a throwaway cluster; every run they
create there is deleted at the end.`,
		Example: `  oink bench producer --events 100000
  oink bench comparator --events 100000 --json
  oink bench switch --events 100000 --percent 50
  oink bench pipeline --json`,
	})
	for _, role := range bench.AllRoles() {
		cmd.AddCommand(newBenchRoleCmd(d, g, role, nil))
	}
	cmd.AddCommand(newBenchRefCmd(d, g, nil))
	return cmd
}

type benchOptions struct {
	role                              bench.Role
	events, partitions, rf, batchSize int
	seed                              uint64
	invalidRatio                      float64
	pipelines                         []string
	stopWhenIdle, timeout             time.Duration
	env                               []string
	keepTopics                        bool
	json                              bool
	external                          bool // --brokers (or its env twin) was given
	rules, faults, trace              string
	percent, rate                     float64
}

// benchRoleHelp is each role's Short, Long and Example.
var benchRoleHelp = map[bench.Role][3]string{
	bench.RoleProducer: {"Benchmark oink produce against franz-go reference pipelines",
		`Loads --events generated events (seed --seed, --invalid-ratio of them invalid)
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
ref transform's, ratio_raw over ref raw's.` + benchBrokerHelp + `
Every run checks that each pipeline read every event and wrote exactly one
record or dead letter for it.`,
		`  oink bench producer
  oink bench producer --events 100000 --json
  oink bench producer --pipelines oink --env GOGC=200 --batch-size 10000
  oink bench producer --brokers kafka-1:9092 --replication-factor 3`},
	bench.RoleComparator: {"Benchmark oink compare (with Postgres checkpoints) against franz-go references",
		`Loads --events events (fixed event times: the same bytes on every run) and, as
unmeasured setup, runs oink legacy (v1, with --faults) and oink produce (v2)
over them to completion. Then it measures, each from offset 0 with its own
group and run:

  oink compare    the real command, checkpointing in Postgres
  ref transform   a franz-go pipe reading v1 and v2, joining by identity in
                  memory, comparing each pair under the same --rules
                  (comparator.Compare) and committing counts, divergences
                  and checkpoints to Postgres per batch (diffstore.CommitBatch)
  ref raw         a franz-go pipe copying v1's and v2's bytes to one topic

pairs/s is the valid events (one pair each) over the time from process start
until every v1 and v2 record is accounted for: in the run's Postgres
checkpoints for oink compare, in the group's offsets for the references.
Batch p50/p99 are the intervals between advances of one partition's
checkpoint (or committed offsets). Each comparison is then checked in
Postgres: every record read, one pair per valid event, the accepted and
divergent pairs v1's fault log predicts, nothing missing or waiting.

--faults must not drop or duplicate records (the checks assume one v1 record
per valid event); the default faults are all accepted or ignored by
shipped/rules/rtcim.yaml, so no record waits out the match window.` + benchBrokerHelp,
		`  oink bench comparator --events 100000
  oink bench comparator --events 1000000 --json
  DATABASE_URL=postgres:///oink?host=/var/run/postgresql oink bench comparator --faults rounding=0.05,shipping=0.001`},
	bench.RoleSwitch: {"Benchmark oink switch against franz-go references",
		`Sets a cutover route in Postgres giving v2 --percent of the key buckets, loads
--events events stamped with the current time (so the route is in force at
every one), and, as unmeasured setup, runs oink legacy (v1) and oink produce
(v2) over them to completion. Then it measures, each from offset 0 with its
own group and live topic:

  oink switch     the real command
  ref transform   a franz-go pipe reading v1 and v2 and forwarding each
                  record whose bucket its version owns under the route
                  (cutover.Owner), dropping duplicates, with the switch's
                  headers
  ref raw         a franz-go pipe copying v1's and v2's bytes to one topic

records/s is the v1 + v2 records read (two per valid event) over the time
from process start until the group has committed all of them. Batch p50/p99
are the intervals between commits of one partition. Each live topic is then
checked with cutover.CheckLive: every valid event exactly once, from the
version that owns its bucket.` + benchBrokerHelp,
		`  oink bench switch --events 100000
  oink bench switch --events 1000000 --percent 10 --json`},
	bench.RolePipeline: {"Benchmark the whole pipeline: loadgen → v1 + v2 → compare + switch, at once",
		`Sets a cutover route giving v2 --percent of the key buckets, then runs three
chains, one after the other, each a set of processes started together with
its own topics, groups and run:

  oink pipeline   oink loadgen → oink legacy (--faults) + oink produce →
                  oink compare (Postgres) + oink switch (live topic)
  ref transform   oink loadgen → two franz-go transform pipes (v1 without
                  faults, v2) → the franz-go compare pipe + the franz-go
                  switch pipe (see oink bench comparator and switch)
  ref raw         oink loadgen → two franz-go copies of orders → two
                  franz-go copies of both (for compare and for switch)

The load generator writes at full speed, or at --rate events/s, with event
times from the clock. events/s is --events over the time from the start of
the processes until the live topic holds one record per valid event (two per
event for ref raw) and the comparator has accounted for every v1 and v2
record. p50/p99 is an event's latency: from its creation by the load
generator (its event time) until the benchmark read it from the live topic
as a read_committed consumer does (once the switch's transaction carrying it
has committed). --trace DIR follows orders, v1 and v2 too, reports p50/p99
per stage and writes every record's event time and arrival per stage to
DIR/<pipeline>.csv. Peak RSS and CPU are reported per process. Each chain is then checked like
the comparator and switch roles.` + benchBrokerHelp,
		`  oink bench pipeline
  oink bench pipeline --json
  oink bench pipeline --events 300000 --rate 50000`},
}

const benchBrokerHelp = `

Without --brokers (or OINK_BROKERS) it runs an embedded broker as a separate
process, so no pipeline's numbers include it. That broker keeps every record
in memory, about 2 GB per million records held; each pipeline's topics are
deleted once it is measured, the input at the end (--keep-topics keeps them).
`

func newBenchRoleCmd(d deps, g *globalOptions, role bench.Role, runF runFunc[benchOptions]) *cobra.Command {
	help := benchRoleHelp[role]
	cmd, o := newCommand(d, g, runF, runBench, &cobra.Command{
		Use: string(role), Short: help[0], Long: help[1], Example: help[2],
		Args: usageArgs(cobra.NoArgs),
	})
	o.role = role
	cmd.PreRun = func(cmd *cobra.Command, _ []string) { o.external = cmd.Flags().Changed("brokers") }
	f := cmd.Flags()
	f.IntVar(&o.events, "events", bench.DefaultEvents(role), "events to load and push through each pipeline")
	f.IntVar(&o.partitions, "partitions", 12, "partitions of every topic the benchmark creates")
	f.IntVar(&o.rf, "replication-factor", 1, "replication factor of every topic the benchmark creates")
	f.IntVar(&o.batchSize, "batch-size", 5000, "most events per write and commit, in every pipeline")
	f.Uint64Var(&o.seed, "seed", 1, "load generator seed; the same seed loads the same bytes")
	f.Float64Var(&o.invalidRatio, "invalid-ratio", 0.01, "share of invalid events (dead letters), 0 to 1")
	f.StringSliceVar(&o.pipelines, "pipelines", []string{string(bench.Oink), string(bench.RefTransform), string(bench.RefRaw)},
		"pipelines to measure, in order")
	f.DurationVar(&o.stopWhenIdle, "stop-when-idle", time.Second, "--stop-when-idle of the oink commands that end by themselves (not counted in their time)")
	f.DurationVar(&o.timeout, "timeout", 0, "longest a pipeline may take (0: 60s plus 1s per 5000 events)")
	f.StringArrayVar(&o.env, "env", nil, "KEY=VALUE added to the environment of the measured processes, e.g. GOGC=200 (repeatable)")
	f.BoolVar(&o.keepTopics, "keep-topics", false, "keep the benchmark's topics instead of deleting them once measured")
	f.BoolVar(&o.json, "json", false, "print the report as one JSON document")
	if role == bench.RoleProducer {
		return cmd
	}
	f.StringVar(&o.rules, "rules", "shipped/rules/rtcim.yaml", "comparator rules; their key is the switch's identity too (the default is built into oink too)")
	f.StringVar(&o.faults, "faults", bench.DefaultFaults, "v1's faults (oink legacy --faults; no drop or dup), or none")
	if role == bench.RoleComparator {
		return cmd
	}
	f.Float64Var(&o.percent, "percent", 50, "share of key buckets the route gives v2, above 0 and up to 100")
	if role == bench.RolePipeline {
		f.Float64Var(&o.rate, "rate", 0, "load generator events per second (0: as fast as possible)")
		f.StringVar(&o.trace, "trace", "", "directory to write each chain's per-stage arrivals to (orders, v1, v2, live), for latency by stage")
	}
	return cmd
}

func (o *benchOptions) config(g *globalOptions) (bench.Config, error) {
	cfg := bench.Config{Role: o.role, Events: o.events, Partitions: o.partitions, ReplicationFactor: o.rf, BatchSize: o.batchSize,
		Seed: o.seed, InvalidRatio: o.invalidRatio, StopWhenIdle: o.stopWhenIdle, Timeout: o.timeout, Env: o.env,
		KeepTopics: o.keepTopics, DatabaseURL: g.databaseURL, RulesFile: o.rules, Faults: o.faults, Percent: o.percent, Rate: o.rate, Trace: o.trace}
	if o.external {
		cfg.Brokers = g.brokers
	}
	var bad flagProblems
	if o.events < 1 {
		bad.add("--events %d: want at least 1, e.g. --events 100000", o.events)
	}
	if o.partitions < 1 || o.partitions > 1000 || o.rf < 1 {
		bad.add("--partitions %d / --replication-factor %d: want 1 to 1000 partitions and at least 1 replica", o.partitions, o.rf)
	}
	if o.batchSize < 1 || o.batchSize > 100000 {
		bad.add("--batch-size %d: want 1 to 100000", o.batchSize)
	}
	if o.invalidRatio < 0 || o.invalidRatio > 1 {
		bad.add("--invalid-ratio %v: want a share between 0 and 1, e.g. 0.01", o.invalidRatio)
	}
	if o.stopWhenIdle <= 0 || o.timeout < 0 {
		bad.add("--stop-when-idle %v / --timeout %v: want a positive duration such as 1s (--timeout 0 for the default)", o.stopWhenIdle, o.timeout)
	}
	if o.role == bench.RoleSwitch || o.role == bench.RolePipeline {
		if o.percent <= 0 || o.percent > 100 {
			bad.add("--percent %v: want a share of buckets above 0 and up to 100, e.g. --percent 50", o.percent)
		}
	}
	if o.rate < 0 {
		bad.add("--rate %v: want 0 (as fast as possible) or more events per second", o.rate)
	}
	if o.role != bench.RoleProducer {
		if err := bench.CheckFaults(o.faults); err != nil {
			bad.add("--faults: %v", err)
		}
		if _, err := os.Stat(o.rules); err != nil {
			bad.add("--rules %q: %v; name a rules file that exists, or leave the default", o.rules, err)
		}
	}
	for _, name := range o.pipelines {
		p := bench.Pipeline(strings.TrimSpace(name))
		if !slices.Contains(bench.AllPipelines(), p) {
			bad.add("--pipelines: unknown %q; want some of oink, ref-transform, ref-raw (e.g. --pipelines oink,ref-raw)", name)
		}
		cfg.Pipelines = append(cfg.Pipelines, p)
	}
	for _, kv := range o.env {
		if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
			bad.add("--env %q: want KEY=VALUE, e.g. --env GOGC=200", kv)
		}
	}
	return cfg, bad.err()
}

func runBench(ctx context.Context, d deps, g *globalOptions, o *benchOptions) error {
	if o.role != bench.RoleProducer { // the producer role reads no rules and has no --rules
		cleanup, err := useShipped(fileFlag{"--rules", &o.rules})
		if err != nil {
			return err
		}
		defer cleanup()
	}
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
		p.Update("bench %s: %s %s of %s (%s)", o.role, pr.Step, human.Count(pr.Done), human.Count(pr.Total),
			human.Rate(float64(pr.Done)/max(pr.Elapsed.Seconds(), 1e-9)))
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

// seconds spells a number of seconds as a duration: 4.5s, 2m05s.
func seconds(s float64) string { return human.Duration(time.Duration(s * float64(time.Second))) }

// printBenchReport prints rep as a header, a table, the ratios and, for
// pipelines of several processes, each process's numbers.
func printBenchReport(w io.Writer, rep bench.Report) {
	n := human.Count[int64]
	fmt.Fprintf(w, "%s: %s events (%s invalid), %d partitions, batch size %s, broker %s, %d CPUs, %s\n",
		rep.Role, n(int64(rep.Events)), n(int64(rep.Load.Invalid)), rep.Partitions, n(int64(rep.BatchSize)), rep.Broker, rep.CPUs, rep.GoVersion)
	if rep.Load.Seconds > 0 {
		fmt.Fprintf(w, "loaded in %s (%s)\n", seconds(rep.Load.Seconds), human.Rate(rep.Load.EventsPerSecond))
	}
	if s := rep.Setup; s != nil && s.Seconds > 0 {
		fmt.Fprintf(w, "setup: v1 (faults %s) and v2 in %s: %s and %s records\n", s.Faults, seconds(s.Seconds),
			n(int64(s.V1Records)), n(int64(s.V2Records)))
	}
	fmt.Fprintln(w)
	unit, lat := "EVENTS/S", "BATCH"
	if len(rep.Pipelines) > 0 {
		unit = strings.ToUpper(rep.Pipelines[0].Unit) + "/S"
	}
	if rep.Role == bench.RolePipeline {
		lat = "EVENT"
	}
	rows := make([][]string, 0, len(rep.Pipelines))
	for _, r := range rep.Pipelines {
		p50, p99 := r.BatchLatencyP50Ms, r.BatchLatencyP99Ms
		if rep.Role == bench.RolePipeline {
			p50, p99 = r.EventLatencyP50Ms, r.EventLatencyP99Ms
		}
		rows = append(rows, []string{r.Pipeline.Title(rep.Role), fmt.Sprintf("%.0f", r.EventsPerSecond), fmt.Sprintf("%.2f", r.Seconds),
			fmt.Sprintf("%.2f", r.StartupSeconds), fmt.Sprintf("%.0f", p50), fmt.Sprintf("%.0f", p99),
			fmt.Sprintf("%.0f", r.PeakRssMB), fmt.Sprintf("%.1f", r.CPUSeconds), fmt.Sprintf("%.1f", r.BrokerCPUSeconds)})
	}
	table(w, []string{"PIPELINE", unit, "SECONDS", "STARTUP S", lat + " P50 MS", lat + " P99 MS", "PEAK RSS MB", "CPU S", "BROKER CPU S"}, rows)
	fmt.Fprintln(w)
	oink := bench.Oink.Title(rep.Role)
	if rep.Ratio != nil {
		fmt.Fprintf(w, "ratio      %.2f  (%s ÷ ref transform)\n", *rep.Ratio, oink)
	}
	if rep.RatioRaw != nil {
		fmt.Fprintf(w, "ratio_raw  %.2f  (%s ÷ ref raw)\n", *rep.RatioRaw, oink)
	}
	printBenchProcesses(w, rep)
}

// printBenchProcesses lists the processes of pipelines that have several.
func printBenchProcesses(w io.Writer, rep bench.Report) {
	var rows [][]string
	for _, r := range rep.Pipelines {
		if len(r.Processes) < 2 {
			continue
		}
		for _, p := range r.Processes {
			rows = append(rows, []string{r.Pipeline.Title(rep.Role), p.Name, fmt.Sprintf("%.0f", p.PeakRssMB), fmt.Sprintf("%.1f", p.CPUSeconds)})
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w)
	table(w, []string{"PIPELINE", "PROCESS", "PEAK RSS MB", "CPU S"}, rows)
}
