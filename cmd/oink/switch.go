package main

import (
	"context"
	"fmt"
	"time"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/spf13/cobra"
)

type switchOptions struct {
	run, control, candidate, live string
	group, rules                  string
	dedupe                        int
	stopWhenIdle                  time.Duration
	sessionTimeout                time.Duration
	metricsAddr                   string
	partitions, rf                int
}

func newSwitchCmd(d deps, g *globalOptions, runF func(context.Context, deps, *globalOptions, *switchOptions) error) *cobra.Command {
	if runF == nil {
		runF = runSwitch
	}
	o := &switchOptions{}
	cmd := &cobra.Command{
		Use:   "switch",
		Short: "Forward each record to the live topic from the version that owns it",
		Long: `The only writer of the live topic. For each record of v1 (--control) and v2
(--candidate) it looks up the route in force at the record's source event
time (the cutover's transitions, read from the diffstore) and forwards the
record iff its key's bucket belongs to that version: bucket = murmur2(key)
mod 10000, and v2 owns the buckets below percent×100. Both versions' records
of one event carry the same source time, so exactly one is forwarded. A
record whose source time lies past what the last route read covers waits.

Forwarded records keep key, value and timestamp and gain the headers
oink-source (v1|v2), oink-source-topic, oink-source-partition and
oink-source-offset; after a crash the switch reads them back from the live
topic's tail and resumes with no duplicate and no gap. A version's own
duplicates are dropped when the copy comes within --dedupe identities of
the first on its partition (copies from retries and redelivered batches
land at most one producer batch apart). Instances in one group share the
partitions.`,
		Example: `  oink switch --run shadow-1
  oink switch --run shadow-1 --control rtcim.v1 --candidate rtcim.v2 --live rtcim --metrics-addr :9466`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), d, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.run, "run", "", "run whose cutover route to follow (required)")
	f.StringVar(&o.control, "control", "rtcim.v1", "v1's topic")
	f.StringVar(&o.candidate, "candidate", "rtcim.v2", "v2's topic")
	f.StringVar(&o.live, "live", "rtcim", "the live topic")
	f.StringVar(&o.group, "group", "oink-switch", "consumer group")
	f.StringVar(&o.rules, "rules", "", "rules file whose key names a record's identity (default: the RTCIM rules built into oink; identity order_id|source_event_id)")
	f.IntVar(&o.dedupe, "dedupe", cutover.DefaultDedupe, "identities remembered per partition to drop a version's own duplicates (~26 bytes each), "+
		"also the live tail read per partition on restart; copies land at most one producer batch apart, so keep it above the producers' --batch-size")
	f.DurationVar(&o.stopWhenIdle, "stop-when-idle", 0, "exit once everything is forwarded and idle this long")
	f.DurationVar(&o.sessionTimeout, "session-timeout", 6*time.Second, "consumer-group session timeout")
	f.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus /metrics and /healthz here")
	f.IntVar(&o.partitions, "partitions", 12, "partitions when creating missing topics")
	f.IntVar(&o.rf, "replication-factor", 1, "replication factor when creating missing topics")
	withMemoryLimit(cmd, d, g, switchMemoryLimit)
	return cmd
}

func runSwitch(ctx context.Context, d deps, g *globalOptions, o *switchOptions) error {
	if o.run == "" {
		return usageError{fmt.Errorf("--run is required: the run whose cutover plan routes traffic")}
	}
	if o.dedupe < 1 {
		return usageError{fmt.Errorf("--dedupe %d: want at least 1", o.dedupe)}
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
	err = cutover.RunSwitch(ctx, cutover.SwitchConfig{Run: o.run, Brokers: g.brokers, Control: o.control,
		Candidate: o.candidate, Live: o.live, Group: o.group, Rules: rules, Store: store, Dedupe: o.dedupe,
		StopWhenIdle: o.stopWhenIdle, SessionTimeout: o.sessionTimeout,
		Topics: kafkaio.TopicSpec{Partitions: o.partitions, ReplicationFactor: o.rf},
		Log:    g.log.With("role", "switch", "run", o.run), Metrics: cutover.NewSwitchMetrics(reg), Health: healthy})
	if err != nil {
		return err
	}
	fmt.Fprintf(d.stdout, "switch %s stopped\n", o.run)
	return nil
}
