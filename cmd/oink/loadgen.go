package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink/internal/human"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/spf13/cobra"
)

type loadgenOptions struct {
	topic        string
	count        int
	rate         float64
	seed         uint64
	invalidRatio float64
	futureRatio  float64
	stores       int
	start        string
	step         time.Duration
	partitions   int
	rf           int
	json         bool
}

func newLoadgenCmd(d deps, g *globalOptions, runF runFunc[loadgenOptions]) *cobra.Command {
	cmd, o := newCommand(d, g, runF, runLoadgen, &cobra.Command{
		Use:   "loadgen",
		Short: "Produce realistic upstream order events",
		Long: `Writes order events to the upstream topic, keyed by order_id with the event
time as timestamp: fulfilled, returned and cancelled orders from stores in
many time zones (some near local midnight), currencies with 0, 2 and 3 minor
digits, multi-line orders with discounts, shipping and several tenders.

The same --seed gives the same events. Event times are the current time; with
--start they are start, start+step, … and the output is byte-for-byte the same
on every run (use a start near a DST change to get events across it).
--invalid-ratio mixes in bad inputs of every kind v2 rejects: bad_json,
unknown_type, missing_field, bad_money, unknown_currency, unknown_zone,
unbalanced_tenders. --future-ratio dates that share of otherwise valid events
a year ahead (their Kafka timestamp stays now): v2 and the v1 simulator
dead-letter them as oink.FutureEventTime.`,
		Example: `  oink loadgen --count 100000 --invalid-ratio 0.01 --seed 1
  oink loadgen --count 36000 --rate 100 --stores 200
  oink loadgen --count 1000 --start 2026-03-08T05:00:00Z --step 10s --json`,
		Args: usageArgs(cobra.NoArgs),
	})
	f := cmd.Flags()
	f.StringVar(&o.topic, "topic", "orders", "topic to write to")
	f.IntVar(&o.count, "count", 10000, "number of events")
	f.Float64Var(&o.rate, "rate", 0, "events per second (0: as fast as possible)")
	f.Uint64Var(&o.seed, "seed", 1, "random seed; the same seed gives the same events")
	f.Float64Var(&o.invalidRatio, "invalid-ratio", 0, "share of invalid events, 0 to 1")
	f.Float64Var(&o.futureRatio, "future-ratio", 0, "share of events dated a year ahead (an upstream clock gone wrong; producers dead-letter them), 0 to 1")
	f.IntVar(&o.stores, "stores", 50, "number of stores")
	f.StringVar(&o.start, "start", "", "event time of the first event, RFC 3339 (default: now, per event)")
	f.DurationVar(&o.step, "step", time.Millisecond, "time between events with --start")
	f.IntVar(&o.partitions, "partitions", 12, "partitions when creating the topic")
	f.IntVar(&o.rf, "replication-factor", 1, "replication factor when creating the topic")
	f.BoolVar(&o.json, "json", false, "print the summary as JSON")
	return cmd
}

func (o *loadgenOptions) config(brokers []string) (loadgen.LoadConfig, error) {
	cfg := loadgen.LoadConfig{Brokers: brokers, Topic: o.topic, Count: o.count, Rate: o.rate,
		Gen: loadgen.Config{Seed: o.seed, Stores: o.stores, InvalidRatio: o.invalidRatio, FutureRatio: o.futureRatio,
			Step: o.step},
		Topics: kafkaio.TopicSpec{Partitions: o.partitions, ReplicationFactor: o.rf}}
	switch {
	case o.count < 0:
		return cfg, usageError{fmt.Errorf("--count %d: want 0 or more", o.count)}
	case o.rate < 0:
		return cfg, usageError{fmt.Errorf("--rate %v: want 0 (unlimited) or more", o.rate)}
	case o.invalidRatio < 0 || o.invalidRatio > 1:
		return cfg, usageError{fmt.Errorf("--invalid-ratio %v: want a share between 0 and 1, e.g. 0.01", o.invalidRatio)}
	case o.futureRatio < 0 || o.futureRatio > 1:
		return cfg, usageError{fmt.Errorf("--future-ratio %v: want a share between 0 and 1, e.g. 0.001", o.futureRatio)}
	case o.stores < 1:
		return cfg, usageError{fmt.Errorf("--stores %d: want at least 1", o.stores)}
	case o.topic == "":
		return cfg, usageError{fmt.Errorf("--topic is empty: name the upstream topic, e.g. orders")}
	}
	if o.start != "" {
		t, err := time.Parse(time.RFC3339Nano, o.start)
		if err != nil {
			return cfg, usageError{fmt.Errorf("--start %q: want an RFC 3339 time such as 2026-03-08T05:00:00Z", o.start)}
		}
		cfg.Gen.Start = t
	}
	return cfg, nil
}

func runLoadgen(ctx context.Context, d deps, g *globalOptions, o *loadgenOptions) error {
	cfg, err := o.config(g.brokers)
	if err != nil {
		return err
	}
	p := newProgress(d, false)
	cfg.Progress = func(s loadgen.Summary) { p.Update("%s", loadgenProgress(s, o.count, o.topic)) }
	sum, err := loadgen.Load(ctx, cfg)
	p.Done()
	if err != nil {
		return err
	}
	if o.json {
		return writeJSON(d.stdout, sum)
	}
	n := human.Count[int]
	fmt.Fprintf(d.stdout, "wrote %s events to %s in %s (%s)\n", n(sum.Events), sum.Topic,
		human.Duration(time.Duration(sum.Seconds*float64(time.Second))), human.Rate(sum.PerSecond))
	for _, k := range slices.Sorted(maps.Keys(sum.ByType)) {
		fmt.Fprintf(d.stdout, "  %-26s %s\n", k, n(sum.ByType[k]))
	}
	fmt.Fprintf(d.stdout, "  %-26s %s\n", "valid", n(sum.Valid))
	if sum.Future > 0 {
		fmt.Fprintf(d.stdout, "  %-26s %s\n", "dated a year ahead", n(sum.Future))
	}
	for _, k := range slices.Sorted(maps.Keys(sum.Invalid)) {
		fmt.Fprintf(d.stdout, "  invalid %-18s %s\n", k, n(sum.Invalid[k]))
	}
	return nil
}

// loadgenProgress is loadgen's progress line: done of total with the
// percent, the rate, and the time left at that rate ("–" until known).
func loadgenProgress(s loadgen.Summary, total int, topic string) string {
	left := "– left"
	if s.PerSecond > 0 {
		left = human.Duration(time.Duration(float64(total-s.Events)/s.PerSecond*float64(time.Second))) + " left"
	}
	return fmt.Sprintf("loadgen: %s of %s events (%s) to %s · %s · %s", human.Count(s.Events), human.Count(total),
		human.Share(int64(s.Events), int64(total)), topic, human.Rate(s.PerSecond), left)
}
