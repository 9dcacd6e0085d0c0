package main

import (
	"context"
	"fmt"
	"time"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/spf13/cobra"
)

type compareOptions struct {
	run, control, candidate string
	rules                   string
	group                   string
	window                  time.Duration
	dlq                     string
	stopWhenIdle            time.Duration
	metricsAddr             string
	sessionTimeout          time.Duration
	instance                string
	partitions, rf          int
	failOnDivergence        bool
	json                    bool
}

func newCompareCmd(d deps, g *globalOptions, runF func(context.Context, deps, *globalOptions, *compareOptions) error) *cobra.Command {
	if runF == nil {
		runF = runCompare
	}
	o := &compareOptions{}
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Join the control (v1) and candidate (v2) topics by identity and diff every pair",
		Long: `Reads the control and candidate topics as one co-partitioned consumer group,
joins records of the same identity (the rules' key fields, or the Kafka key),
diffs each pair field by field under the rules, and stores counts,
divergences and field diffs in the diffstore (Postgres), checkpointed per
partition in the same transaction as the results. Killed at any moment and
restarted, it ends with the same totals as a run never interrupted.

A record is declared missing on the other side once that side's event-time
watermark has passed it by --window, or that side has been caught up and
quiet for --window. Records whose identity cannot be read go to --dlq.

Finding divergences is a normal result (exit 0); --fail-on-divergence exits 3
when the finished run has any.`,
		Example: `  oink compare --run shadow-1 --rules testdata/rules/rtcim.yaml
  oink compare --run shadow-1 --rules testdata/rules/rtcim-strict.yaml --stop-when-idle 5s --json
  oink compare --run shadow-1 --control rtcim.v1 --candidate rtcim.v2 --window 30s --metrics-addr :9465`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), d, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.run, "run", "", "name of the shadow run (required)")
	f.StringVar(&o.control, "control", "rtcim.v1", "control topic (the legacy version)")
	f.StringVar(&o.candidate, "candidate", "rtcim.v2", "candidate topic (the new version)")
	f.StringVar(&o.rules, "rules", "", "rules YAML file (default: the RTCIM rules built into oink, testdata/rules/rtcim.yaml; identity order_id|source_event_id)")
	f.StringVar(&o.group, "group", "oink-compare", "consumer group; instances in one group share the partitions")
	f.DurationVar(&o.window, "window", 30*time.Second, "match window before a record is declared missing")
	f.StringVar(&o.dlq, "dlq", "rtcim.compare.dlq", "dead-letter topic for records whose identity cannot be read (empty: count only)")
	f.DurationVar(&o.stopWhenIdle, "stop-when-idle", 0, "exit once everything is compared and idle this long (0: run until stopped)")
	f.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus /metrics and /healthz here")
	f.DurationVar(&o.sessionTimeout, "session-timeout", 6*time.Second, "consumer-group session timeout")
	f.StringVar(&o.instance, "instance", "", "this instance's name in heartbeats (default host-pid)")
	f.IntVar(&o.partitions, "partitions", 12, "partitions when creating missing topics")
	f.IntVar(&o.rf, "replication-factor", 1, "replication factor when creating missing topics")
	f.BoolVar(&o.failOnDivergence, "fail-on-divergence", false, "exit 3 if the run has divergent pairs or missing records when it stops")
	f.BoolVar(&o.json, "json", false, "print the final summary as JSON")
	withMemoryLimit(cmd, d, g, defaultMemoryLimit)
	return cmd
}

func (o *compareOptions) validate() error {
	switch {
	case o.run == "":
		return usageError{fmt.Errorf("--run is required: name the shadow run, e.g. --run shadow-2026-11")}
	case o.window <= 0:
		return usageError{fmt.Errorf("--window %v: want a positive duration such as 30s", o.window)}
	case o.stopWhenIdle < 0:
		return usageError{fmt.Errorf("--stop-when-idle %v: want a positive duration or 0", o.stopWhenIdle)}
	}
	return nil
}

func runCompare(ctx context.Context, d deps, g *globalOptions, o *compareOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	rules, err := loadRules(o.rules)
	if err != nil {
		return err
	}
	store, closeStore, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer closeStore()
	reg := newRegistry()
	healthy := newHealthy()
	if err := serveMetrics(ctx, o.metricsAddr, reg, healthy, g.log); err != nil {
		return err
	}
	err = comparator.Run(ctx, comparator.Config{Run: o.run, Brokers: g.brokers, Control: o.control, Candidate: o.candidate,
		Group: o.group, Rules: rules, Window: o.window, DLQ: o.dlq, StopWhenIdle: o.stopWhenIdle,
		SessionTimeout: o.sessionTimeout, Instance: o.instance, Store: store,
		Topics: kafkaio.TopicSpec{Partitions: o.partitions, ReplicationFactor: o.rf},
		Log:    g.log.With("role", "compare", "run", o.run), Metrics: comparator.NewMetrics(reg), Health: healthy})
	if err != nil {
		return err
	}
	sum, err := store.Summary(context.WithoutCancel(ctx), o.run)
	if err != nil {
		return err
	}
	if err := printSummary(d, sum, o.json); err != nil {
		return err
	}
	if o.failOnDivergence && (sum.Divergent > 0 || sum.MissingInControl > 0 || sum.MissingInCandidate > 0) {
		return checkFailed{fmt.Errorf("run %s has %d divergent pairs and %d+%d missing records", o.run,
			sum.Divergent, sum.MissingInControl, sum.MissingInCandidate)}
	}
	return nil
}
