package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/internal/human"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/spf13/cobra"
)

type switchOptions struct {
	run, control, candidate, live string
	stateTopic, txnPrefix         string
	livePartitioning              string
	group, rules                  string
	dedupe, maxParked             int
	stopWhenIdle                  time.Duration
	sessionTimeout, txnTimeout    time.Duration
	provenanceHeaders             bool
	metricsAddr                   string
	partitions, rf                int
	json                          bool
}

func newSwitchCmd(d deps, g *globalOptions, runF runFunc[switchOptions]) *cobra.Command {
	cmd, o := newCommand(d, g, runF, runSwitch, &cobra.Command{
		Use:   "switch",
		Short: "Forward each record to the live topic from the version that owns it",
		Long: `The only writer of the live topic. For each record of v1 (--control) and v2
(--candidate) it looks up the route in force at the record's source event
time (the cutover's transitions, read from the diffstore) and forwards the
record iff its key's bucket belongs to that version: bucket = murmur2(key)
mod 10000, and v2 owns the buckets below percent×100. Both versions' records
of one event carry the same source time, so exactly one is forwarded.

A forwarded record is its version's record unchanged: key, value, headers in
their order, timestamp, and the partition its version's topic used (the live
topic has the control topic's partition count; another count is refused).
Downstream cannot tell which version made it. For a live topic that already
exists with another count, --live-partitioning key puts each record on the
partition Kafka's default partitioner picks for its key over the live
topic's count (murmur2): per-key order holds, and everything but the
partition is still the version's; a record without a key goes to its source
partition mod the live count (counted as keyless). What came from which
version is kept in the diffstore instead (oink cutover status; tables
switch_partitions and switch_forwards); --provenance-headers adds
oink-source* headers for debugging.

Each partition is written in Kafka transactions, which carry the live
records and the partition's progress (--state-topic) together: a switch
that lost a partition (paused past its session timeout, its broker gone)
is fenced by the next owner and can write nothing more, and a restart
resumes exactly where the last committed transaction left off. Downstream
consumers must read the live topic with isolation.level=read_committed.

A version's own copies of a record (same identity under --rules and same
value bytes) are dropped when they come within --dedupe identities of the
first on their partition; a same-identity record with other bytes is an
identity collision: forwarded, logged and counted. A record whose source
time lies past what the last route read covers is parked with its key's
later records while the rest of its partition goes on. At exit it prints
what it forwarded per version and what it dropped. Instances in one group
share the partitions.`,
		Example: `  oink switch --run shadow-1
  oink switch --run shadow-1 --control rtcim.v1 --candidate rtcim.v2 --live rtcim --metrics-addr :9466`,
		Args: usageArgs(cobra.NoArgs),
	})
	f := cmd.Flags()
	f.StringVar(&o.run, "run", "", "run whose cutover route to follow (required)")
	f.StringVar(&o.control, "control", "rtcim.v1", "v1's topic")
	f.StringVar(&o.candidate, "candidate", "rtcim.v2", "v2's topic")
	f.StringVar(&o.live, "live", "rtcim", "the live topic")
	f.StringVar(&o.stateTopic, "state-topic", "", "topic of the switch's progress, written in its transactions (default: the live topic + \".oink-switch\")")
	f.StringVar(&o.livePartitioning, "live-partitioning", string(cutover.PartitionAsSource), "which live partition a record goes to: "+
		"source (the one its version's topic used; the live topic must have the control topic's partition count) or "+
		"key (murmur2 of its key over the live topic's own count, for a live topic that exists with another count: "+
		"downstream then sees partitions chosen by key, not the version's own; per-key order holds; keyless records go to their source partition mod the count)")
	f.StringVar(&o.group, "group", "oink-switch", "consumer group")
	f.StringVar(&o.rules, "rules", "", "rules file whose key names a record's identity (default: the RTCIM rules built into oink; identity order_id|source_event_id)")
	f.IntVar(&o.dedupe, "dedupe", cutover.DefaultDedupe, "identities remembered per partition to drop a version's own duplicates (~26 bytes each), "+
		"also the live tail read per partition on restart; copies land at most one producer batch apart, so keep it above the producers' --batch-size")
	f.DurationVar(&o.stopWhenIdle, "stop-when-idle", 0, "exit once both sources are read to their ends, nothing is left to decide and that lasted this long")
	f.IntVar(&o.maxParked, "max-parked", cutover.DefaultMaxParked, "records a partition keeps parked past the route's horizon before it stops reading")
	f.StringVar(&o.txnPrefix, "transactional-id-prefix", cutover.DefaultTransactionalIDPrefix, "prefix of the transactional ids (<prefix>:<live>:<partition>)")
	f.DurationVar(&o.txnTimeout, "transaction-timeout", cutover.DefaultTransactionTimeout, "how long the broker keeps a silent switch's transaction open before aborting it")
	f.BoolVar(&o.provenanceHeaders, "provenance-headers", false, "add oink-source, oink-source-topic, -partition and -offset headers to live records (debugging: downstream can then tell v1 from v2)")
	f.BoolVar(&o.json, "json", false, "print the exit report as JSON")
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
	lp, err := cutover.ParseLivePartitioning(o.livePartitioning)
	if err != nil {
		return usageError{err}
	}
	r, closeRole, err := setUpRole(ctx, g, o.rules, o.metricsAddr)
	defer closeRole()
	if err != nil {
		return err
	}
	rep, err := cutover.RunSwitch(ctx, cutover.SwitchConfig{Run: o.run, Brokers: g.brokers, Control: o.control,
		Candidate: o.candidate, Live: o.live, StateTopic: o.stateTopic, Group: o.group, Identity: r.rules.Identity(), Store: r.store,
		Dedupe: o.dedupe, MaxParked: o.maxParked, TransactionalIDPrefix: o.txnPrefix, TransactionTimeout: o.txnTimeout,
		LivePartitioning: lp, ProvenanceHeaders: o.provenanceHeaders, StopWhenIdle: o.stopWhenIdle, SessionTimeout: o.sessionTimeout,
		Topics: kafkaio.TopicSpec{Partitions: o.partitions, ReplicationFactor: o.rf},
		Log:    g.log.With("role", "switch", "run", o.run), Metrics: cutover.NewSwitchMetrics(r.metrics), Health: r.healthy})
	if o.json {
		if jerr := writeJSON(d.stdout, rep); jerr != nil && err == nil {
			err = jerr
		}
		return err
	}
	printSwitchReport(d.stdout, o.run, rep)
	return err
}

// printSwitchReport prints what a switch run did.
func printSwitchReport(w io.Writer, run string, rep cutover.SwitchReport) {
	t := rep.Totals
	n := human.Count[int64]
	fmt.Fprintf(w, "switch %s stopped: forwarded %s (v1 %s, v2 %s)\n", run, n(t.Forwarded[0]+t.Forwarded[1]), n(t.Forwarded[0]), n(t.Forwarded[1]))
	fmt.Fprintf(w, "  not owned, skipped:  %s (v1 %s, v2 %s)  the other version owned their key's bucket\n",
		n(t.NotOwned[0]+t.NotOwned[1]), n(t.NotOwned[0]), n(t.NotOwned[1]))
	fmt.Fprintf(w, "  duplicates dropped:  %s (v1 %s, v2 %s)  same identity and bytes as a record forwarded\n",
		n(t.Duplicates[0]+t.Duplicates[1]), n(t.Duplicates[0]), n(t.Duplicates[1]))
	fmt.Fprintf(w, "  identity collisions: %s (v1 %s, v2 %s)  same identity, other bytes: forwarded\n",
		n(t.Collisions[0]+t.Collisions[1]), n(t.Collisions[0]), n(t.Collisions[1]))
	if k := t.Keyless; k[0]+k[1] > 0 {
		fmt.Fprintf(w, "  keyless:             %s (v1 %s, v2 %s)  no key to partition by: forwarded to their source partition mod the live count\n",
			n(k[0]+k[1]), n(k[0]), n(k[1]))
	}
	if rep.Parked > 0 {
		fmt.Fprintf(w, "  parked:              %s  source time past the route's horizon; decided after a restart\n", n(int64(rep.Parked)))
	}
}
