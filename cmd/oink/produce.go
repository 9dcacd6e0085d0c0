package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/human"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/producer"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// producerOptions are the flags `produce` and `legacy` share.
type producerOptions struct {
	from, to, dlq, group string
	stopWhenIdle         time.Duration
	maxFutureSkew        time.Duration
	metricsAddr          string
	batchSize            int
	sessionTimeout       time.Duration
	partitions, rf       int
	json                 bool
}

func (o *producerOptions) addFlags(f *pflag.FlagSet, to, dlq, group string) {
	f.StringVar(&o.from, "from", "orders", "upstream topic to read")
	f.StringVar(&o.to, "to", to, "topic to write RTCIMs to")
	f.StringVar(&o.dlq, "dlq", dlq, "dead-letter topic for bad input (empty: count and drop)")
	f.StringVar(&o.group, "group", group, "consumer group; instances in one group share the partitions")
	f.DurationVar(&o.stopWhenIdle, "stop-when-idle", 0, "exit 0 once work was seen, then caught up and idle this long (0: run until stopped)")
	f.DurationVar(&o.maxFutureSkew, "max-future-skew", oink.DefaultMaxFutureSkew, "dead-letter an event dated more than this ahead of the clock (oink.FutureEventTime)")
	f.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus /metrics and /healthz here, e.g. 127.0.0.1:9464")
	f.IntVar(&o.batchSize, "batch-size", 5000, "most events per write and commit")
	f.DurationVar(&o.sessionTimeout, "session-timeout", 6*time.Second, "consumer-group session timeout: how fast a dead instance's partitions move")
	f.IntVar(&o.partitions, "partitions", 12, "partitions when creating missing topics")
	f.IntVar(&o.rf, "replication-factor", 1, "replication factor when creating missing topics")
	f.BoolVar(&o.json, "json", false, "print the final counts as JSON")
}

func (o *producerOptions) config(g *globalOptions, log *slog.Logger) (producer.Config, error) {
	cfg := producer.Config{Brokers: g.brokers, From: o.from, To: o.to, DLQ: o.dlq, Group: o.group,
		BatchSize: o.batchSize, StopWhenIdle: o.stopWhenIdle, SessionTimeout: o.sessionTimeout, MaxFutureSkew: o.maxFutureSkew,
		Topics: kafkaio.TopicSpec{Partitions: o.partitions, ReplicationFactor: o.rf}, Log: log}
	switch {
	case o.batchSize < 1 || o.batchSize > 100000:
		return cfg, usageError{fmt.Errorf("--batch-size %d: want 1 to 100000", o.batchSize)}
	case o.stopWhenIdle < 0:
		return cfg, usageError{fmt.Errorf("--stop-when-idle %v: want a positive duration such as 3s, or 0", o.stopWhenIdle)}
	case o.maxFutureSkew <= 0:
		return cfg, usageError{fmt.Errorf("--max-future-skew %v: want a positive duration such as 5m", o.maxFutureSkew)}
	case o.sessionTimeout < time.Second:
		return cfg, usageError{fmt.Errorf("--session-timeout %v: want at least 1s", o.sessionTimeout)}
	case o.partitions < 1 || o.rf < 1:
		return cfg, usageError{fmt.Errorf("--partitions %d / --replication-factor %d: want at least 1", o.partitions, o.rf)}
	}
	return cfg, nil
}

func newProduceCmd(d deps, g *globalOptions, runF runFunc[producerOptions]) *cobra.Command {
	cmd, o := newCommand(d, g, runF, runProduce, &cobra.Command{
		Use:   "produce",
		Short: "Run OINK v2: orders in, RTCIMs out, bad input to the DLQ",
		Long: `Runs OINK v2: a consumer group on the upstream topic that turns each order
event into one RTCIM on --to (key order_id, timestamp = source event time,
partitioned like the Java client) or, if the event is bad, into a dead letter
on --dlq with Kafka Connect's error headers.

Offsets are committed only after the records they cover are acknowledged by
all in-sync replicas: a crash, even kill -9, redelivers and never loses, and
a redelivered event yields a byte-identical RTCIM. SIGTERM finishes the batch
in hand, commits and exits. Start several to share the partitions.

An event dated more than --max-future-skew ahead of this machine's clock is
dead-lettered (oink.FutureEventTime, field event_time): it would otherwise
hold the switch and the comparator's watermark until its time came. A write
that can never succeed (topic deleted, not authorized, a record too large
for the topic) is logged at error level with its topic, /healthz turns
unhealthy, and the command exits 1; temporary failures are retried.`,
		Example: `  oink produce
  oink produce --stop-when-idle 3s --json
  oink produce --brokers kafka-1:9092,kafka-2:9092 --metrics-addr :9464 --replication-factor 3`,
		Args: usageArgs(cobra.NoArgs),
	})
	o.addFlags(cmd.Flags(), "rtcim.v2", "orders.dlq", "oink-v2")
	withMemoryLimit(cmd, d, g, produceMemoryLimit)
	return cmd
}

func runProduce(ctx context.Context, d deps, g *globalOptions, o *producerOptions) error {
	cfg, err := o.config(g, g.log.With("role", "v2"))
	if err != nil {
		return err
	}
	run := func(ctx context.Context, cfg producer.Config) (producer.Stats, error) { return producer.Run(ctx, cfg) }
	return runProducer(ctx, d, g, o, cfg, "v2", run)
}

// runProducer serves metrics, runs a producer role and prints its counts.
func runProducer(ctx context.Context, d deps, g *globalOptions, o *producerOptions, cfg producer.Config, role string,
	run func(context.Context, producer.Config) (producer.Stats, error)) error {
	reg := newRegistry()
	cfg.Metrics = producer.NewMetrics(reg, role)
	cfg.Health = newHealthy()
	if err := serveMetrics(ctx, o.metricsAddr, reg, cfg.Health, g.log); err != nil {
		return err
	}
	g.log.Info("starting", "role", role, "from", cfg.From, "to", cfg.To, "dlq", cfg.DLQ, "group", cfg.Group, "brokers", cfg.Brokers)
	st, err := run(ctx, cfg)
	var pe *kafkaio.PermanentWriteError
	if errors.As(err, &pe) {
		// Handled here, once: /healthz already says unhealthy; the exit
		// is non-zero, so a supervisor sees it instead of a silent wedge.
		g.log.Error("writing failed permanently, stopping", "role", role, "topic", pe.Topic, "err", pe.Err)
	}
	if err != nil {
		return err
	}
	if o.json {
		return writeJSON(d.stdout, st)
	}
	printProducerStats(d.stdout, role, cfg.DLQ, st)
	return nil
}

// printProducerStats prints a producer's counts. Bad input went to the
// DLQ as dead letters, or, with no DLQ (the v1 simulator's default), was
// counted and dropped: the words say which.
func printProducerStats(w io.Writer, role, dlq string, st producer.Stats) {
	n := human.Count[int64]
	bad := n(st.DeadLetter) + " dead letters to " + dlq
	if dlq == "" {
		bad = n(st.DeadLetter) + " bad inputs dropped (no --dlq)"
	}
	fmt.Fprintf(w, "%s: %s events in, %s records out, %s\n", role, n(st.EventsIn), n(st.RecordsOut), bad)
	for _, code := range slices.Sorted(maps.Keys(st.ByCode)) {
		fmt.Fprintf(w, "  %-24s %s\n", code, n(st.ByCode[code]))
	}
}
