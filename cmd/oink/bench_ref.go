package main

import (
	"context"

	"github.com/oinkhq/oink/tools/bench"
	"github.com/spf13/cobra"
)

type benchRefOptions struct {
	from           []string
	to, dlq, group string
	run, rules     string
	events         int64
	batchSize      int
}

func newBenchRefCmd(d deps, g *globalOptions, runF func(context.Context, deps, *globalOptions, bench.RefMode, *benchRefOptions) error) *cobra.Command {
	if runF == nil {
		runF = runBenchRef
	}
	o := &benchRefOptions{}
	var modes []string
	for _, m := range bench.AllRefModes() {
		modes = append(modes, string(m))
	}
	cmd := &cobra.Command{
		Use:   "ref raw|transform|compare|switch",
		Short: "Run a franz-go reference pipeline (the benchmark runs it as a child process)",
		Long: `Runs a franz-go consumer group on --from that handles each polled batch,
produces its output to --to with acks from all in-sync replicas, flushes, and
only then commits:

  raw         copies records unchanged (any number of --from topics)
  transform   runs oink's Decode, Transform and JSON encoding per record,
              rejects to --dlq
  compare     joins v1 and v2 (--from v1,v2) by identity under --rules,
              compares each pair and commits counts, divergences and
              checkpoints of --run to Postgres per batch; writes no topic
  switch      forwards each v1 or v2 record whose key's bucket its version
              owns under --run's cutover route to --to, dropping duplicates

It stops once --events records are committed (0: at SIGTERM) and prints its
counts as JSON.`,
		Example: `  oink bench ref transform --from orders --to ref.out --dlq ref.dlq --group ref --events 100000
  oink bench ref compare --from rtcim.v1,rtcim.v2 --run ref-1 --rules shipped/rules/rtcim.yaml --group ref-cmp`,
		Hidden:    true,
		ValidArgs: modes,
		Args:      usageArgs(cobra.MatchAll(cobra.ExactArgs(1), cobra.OnlyValidArgs)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runF(cmd.Context(), d, g, bench.RefMode(args[0]), o)
		},
	}
	f := cmd.Flags()
	f.StringSliceVar(&o.from, "from", []string{"orders"}, "topics to read (compare and switch: v1's, then v2's)")
	f.StringVar(&o.to, "to", "", "topic to write")
	f.StringVar(&o.dlq, "dlq", "", "dead-letter topic (transform)")
	f.StringVar(&o.group, "group", "oink-bench-ref", "consumer group")
	f.StringVar(&o.run, "run", "", "run to write (compare) or whose route to follow (switch)")
	f.StringVar(&o.rules, "rules", "", "rules file: identity and comparison (compare, switch; default: the RTCIM rules built into oink)")
	f.Int64Var(&o.events, "events", 0, "stop once this many records are committed (0: run until stopped)")
	f.IntVar(&o.batchSize, "batch-size", 5000, "most records per write and commit")
	return cmd
}

func runBenchRef(ctx context.Context, d deps, g *globalOptions, mode bench.RefMode, o *benchRefOptions) error {
	cfg := bench.RefConfig{Brokers: g.brokers, From: o.from, To: o.to, DLQ: o.dlq, Group: o.group,
		Mode: mode, Events: o.events, BatchSize: o.batchSize, Run: o.run}
	if mode == bench.RefModeCompare || mode == bench.RefModeSwitch {
		rules, store, closeStore, err := rulesAndStore(ctx, g, o.rules)
		defer closeStore()
		if err != nil {
			return err
		}
		cfg.Rules, cfg.Store = rules, store
	}
	st, err := bench.RunRef(ctx, cfg)
	if err != nil {
		return err
	}
	return writeJSON(d.stdout, st)
}
