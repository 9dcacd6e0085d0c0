package main

import (
	"context"
	"fmt"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/internal/human"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/spf13/cobra"
)

type compareOptions struct {
	run, control, candidate string
	rules                   string
	group                   string
	input                   string
	controlGroup            string
	candidateGroup          string
	window                  time.Duration
	maxFutureSkew           time.Duration
	dlq                     string
	stopWhenIdle            time.Duration
	metricsAddr             string
	sessionTimeout          time.Duration
	instance                string
	partitions, rf          int
	failOnDivergence        bool
	json                    bool
}

func newCompareCmd(d deps, g *globalOptions, runF runFunc[compareOptions]) *cobra.Command {
	cmd, o := newCommand(d, g, runF, runCompare, &cobra.Command{
		Use:   "compare",
		Short: "Join the control (v1) and candidate (v2) topics by identity and diff every pair",
		Long: `Reads the control and candidate topics as one co-partitioned consumer group,
joins records of the same identity (the rules' key fields, or the Kafka key),
diffs each pair field by field under the rules, and stores counts,
divergences and field diffs in the diffstore (Postgres), checkpointed per
partition in the same transaction as the results. Killed at any moment and
restarted, it ends with the same totals as a run never interrupted.

A record is declared missing on the other side only on evidence, never
because that side was quiet: once that side's event-time watermark has passed
it by --window, or once that side's producer group (--control-group,
--candidate-group) has committed every event of --input that existed when the
record was seen and the comparator has read that side up to where those
events' outputs must be (docs/comparator-evidence.md). Until then the record
waits and the other side is "behind": shown with its lag in heartbeats,
metrics, oink cutover status and the dashboard, where it holds the cutover
gate without counting anything missing. The evidence needs producers that
commit input offsets only after their outputs are acknowledged (oink produce
and oink legacy do); give an empty group for a producer that does not.

Records whose identity cannot be read, or whose event time lies past the
clock plus --max-future-skew, are counted undecodable and go to --dlq.

Finding divergences is a normal result (exit 0); --fail-on-divergence exits 3
when the finished run has any.`,
		Example: `  oink compare --run shadow-1 --rules shipped/rules/rtcim.yaml
  oink compare --run shadow-1 --rules testdata/rules/rtcim-strict.yaml --stop-when-idle 5s --json
  oink compare --run shadow-1 --control rtcim.v1 --candidate rtcim.v2 --window 30s --metrics-addr :9465
  oink compare --run shadow-1 --input orders --control-group legacy-oink --candidate-group oink-v2`,
		Args: usageArgs(cobra.NoArgs),
	})
	f := cmd.Flags()
	f.StringVar(&o.run, "run", "", "name of the shadow run (required)")
	f.StringVar(&o.control, "control", "rtcim.v1", "control topic (the legacy version)")
	f.StringVar(&o.candidate, "candidate", "rtcim.v2", "candidate topic (the new version)")
	f.StringVar(&o.rules, "rules", "", "rules YAML file (default: the RTCIM rules built into oink, shipped/rules/rtcim.yaml; identity order_id|source_event_id)")
	f.StringVar(&o.group, "group", "oink-compare", "consumer group; instances in one group share the partitions")
	f.DurationVar(&o.window, "window", 30*time.Second, "match window: how far the other side's event time must pass a record before it is missing, and how long records may wait before their other side is behind")
	f.StringVar(&o.input, "input", "orders", "upstream topic both versions convert: its end offsets, with the groups' commits, are the evidence that settles a missing record (empty: none)")
	f.StringVar(&o.controlGroup, "control-group", "oink-v1", "consumer group of the control producer on --input (empty: no evidence that the control side passed a record)")
	f.StringVar(&o.candidateGroup, "candidate-group", "oink-v2", "consumer group of the candidate producer on --input (empty: no evidence that the candidate side passed a record)")
	f.DurationVar(&o.maxFutureSkew, "max-future-skew", oink.DefaultMaxFutureSkew, "a record dated further past the clock is counted undecodable and dead-lettered, so no watermark moves past clock plus skew")
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
		return errRunRequired
	case o.window <= 0:
		return usageError{fmt.Errorf("--window %v: want a positive duration such as 30s", o.window)}
	case o.stopWhenIdle < 0:
		return usageError{fmt.Errorf("--stop-when-idle %v: want a positive duration or 0", o.stopWhenIdle)}
	case o.maxFutureSkew <= 0:
		return usageError{fmt.Errorf("--max-future-skew %v: want a positive duration such as 5m", o.maxFutureSkew)}
	case o.input != "" && (o.input == o.control || o.input == o.candidate):
		return usageError{fmt.Errorf("--input %q: want the upstream topic the producers read, not --control or --candidate", o.input)}
	}
	return nil
}

func runCompare(ctx context.Context, d deps, g *globalOptions, o *compareOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	r, closeRole, err := setUpRole(ctx, g, o.rules, o.metricsAddr)
	defer closeRole()
	if err != nil {
		return err
	}
	err = comparator.Run(ctx, comparator.Config{Run: o.run, Brokers: g.brokers, Control: o.control, Candidate: o.candidate,
		Group: o.group, Rules: r.rules, Window: o.window, DLQ: o.dlq, StopWhenIdle: o.stopWhenIdle,
		Input: o.input, ControlGroup: o.controlGroup, CandidateGroup: o.candidateGroup, MaxFutureSkew: o.maxFutureSkew,
		SessionTimeout: o.sessionTimeout, Instance: o.instance, Store: r.store,
		Topics: kafkaio.TopicSpec{Partitions: o.partitions, ReplicationFactor: o.rf},
		Log:    g.log.With("role", "compare", "run", o.run), Metrics: comparator.NewMetrics(r.metrics), Health: r.healthy})
	if err != nil {
		return err
	}
	if o.stopWhenIdle > 0 && ctx.Err() == nil {
		// Stopped because everything was compared, not by a signal: the
		// run is finished (oink runs list says so) until a comparator
		// works on it again.
		if _, err := r.store.FinishRun(ctx, o.run); err != nil {
			return err
		}
	}
	sum, err := r.store.Summary(context.WithoutCancel(ctx), o.run)
	if err != nil {
		return err
	}
	if err := printSummary(d, sum, o.json); err != nil {
		return err
	}
	if o.failOnDivergence && (sum.Divergent > 0 || sum.MissingInControl > 0 || sum.MissingInCandidate > 0) {
		return checkFailed{fmt.Errorf("run %s has %s divergent pairs, %s missing in control and %s missing in candidate", o.run,
			human.Count(sum.Divergent), human.Count(sum.MissingInControl), human.Count(sum.MissingInCandidate))}
	}
	return nil
}
