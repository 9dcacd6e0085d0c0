package main

import (
	"context"
	"fmt"
	"os"

	"github.com/oinkhq/oink/legacy"

	"github.com/oinkhq/oink/producer"
	"github.com/spf13/cobra"
)

type legacyOptions struct {
	producerOptions
	faults   string
	seed     uint64
	faultLog string
}

func newLegacyCmd(d deps, g *globalOptions, runF runFunc[legacyOptions]) *cobra.Command {
	cmd, o := newCommand(d, g, runF, runLegacy, &cobra.Command{
		Use:   "legacy",
		Short: "Run the v1 simulator: the same contract as v2, with seeded faults",
		Long: `Runs a stand-in for the legacy OINK v1: the same RTCIM contract as v2, plus
the faults the real v1 had, each at a rate with a seed, so a shadow run's
expected divergences are known exactly:

  rounding=R   tax rounded half-up instead of half-to-even
  utc-date=R   business date computed in UTC instead of the store's zone
  drop=R       event lost, no RTCIM
  dup=R        RTCIM written twice
  reorder=R    lines in another order (not a divergence under the shipped rules)
  shipping=R   shipping left out of the totals (no shipped rule accepts it)
  lag=D        every record written D later

Format faults change how a record is written, not what it means: the
comparator counts them as equivalent (or, for metadata no rule covers,
divergent) at the path in brackets.

  field-order=R      the record's members in reverse order ($value.order)
  number-spelling=R  totals.gross_minor written 1234.0 or 1.234e3 ($value.numbers)
  header-extra=R     a traceparent header v2 does not write ($headers.traceparent)
  timestamp=R        the record's timestamp 1-999 ms late ($timestamp; the switch
                     routes by timestamp, so keep this fault out of a cutover)

A fault hits an event by a hash of (seed, fault, event id), so a redelivered
event meets the same faults. --fault-log writes one JSON line per fault that
changed an event's output (order_id, source_event_id, rtcim_id, fault): the
ground truth the comparator is checked against. Like v1, it has no DLQ by
default: bad input is counted and dropped (with --dlq, dead-lettered), and so
is an event dated beyond --max-future-skew, before any fault touches it, so
v1 and v2 reject the same events and the fault log stays exact.`,
		Example: `  oink legacy
  oink legacy --faults rounding=0.02,utc-date=0.01,drop=0.001,dup=0.001,reorder=0.05,lag=200ms --seed 7 --fault-log /tmp/oink-faults.jsonl
  oink legacy --stop-when-idle 3s --json`,
		Args: usageArgs(cobra.NoArgs),
	})
	o.addFlags(cmd.Flags(), "rtcim.v1", "", "oink-v1")
	f := cmd.Flags()
	f.StringVar(&o.faults, "faults", "", "faults and rates, e.g. rounding=0.02,utc-date=0.01,drop=0.001,dup=0.001,reorder=0.05,lag=200ms")
	f.Uint64Var(&o.seed, "seed", 1, "seed of the faults")
	f.StringVar(&o.faultLog, "fault-log", "", "append one JSON line per applied fault to this file (default: none; keep it out of a source tree)")
	withMemoryLimit(cmd, d, g, defaultMemoryLimit)
	return cmd
}

func runLegacy(ctx context.Context, d deps, g *globalOptions, o *legacyOptions) error {
	cfg, err := o.config(g, g.log.With("role", "v1"))
	if err != nil {
		return err
	}
	faults, err := legacy.ParseFaults(o.faults)
	if err != nil {
		return usageError{fmt.Errorf("--%w", err)}
	}
	lc := legacy.Config{Faults: faults, Seed: o.seed}
	if o.faultLog != "" {
		f, err := os.OpenFile(o.faultLog, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("--fault-log: %w", err)
		}
		defer f.Close()
		lc.FaultLog = f
	}
	run := func(ctx context.Context, cfg producer.Config) (producer.Stats, error) {
		lc.Config = cfg
		return legacy.Run(ctx, lc)
	}
	return runProducer(ctx, d, g, &o.producerOptions, cfg, "v1", run)
}
