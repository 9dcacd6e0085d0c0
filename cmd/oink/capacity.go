package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/oinkhq/oink/internal/human"
	"github.com/oinkhq/oink/tools/capacity"
	"github.com/spf13/cobra"
)

type capacityOptions struct {
	rate         string
	peakFactor   float64
	fromBench    []string
	utilization  float64
	minInstances int
	growth       int
	outage       time.Duration
	catchUp      time.Duration
	json         bool
}

func newCapacityCmd(d deps, _ *globalOptions) *cobra.Command {
	o := &capacityOptions{}
	cmd := &cobra.Command{
		Use:   "capacity",
		Short: "Plan partitions and instances per role for a traffic rate, from measured throughput",
		Long: `Answers "how many partitions and instances" for a traffic rate, from the
throughput one instance of each role measured in a benchmark, with headroom,
and explains each number.

Per role (v2 producer, comparator, switch):

  peak       = --rate × --peak-factor
  need       = peak, plus the backlog of --outage at peak drained within
               --catch-up while peak traffic goes on (when --outage is set)
  instances  = max(--min-instances, ⌈need ÷ (measured per instance × --utilization)⌉)
  cores      = need × CPU seconds per unit measured by the benchmark

in each role's unit: events (producer), pairs (comparator), records read
(switch: a v1 and a v2 record per event, so twice the event rate).
  memory     = instances × the benchmark's peak RSS

Topics: orders, v1, v2 and the live topic share one partition count (the
comparator and the switch join them partition by partition), the smallest
round count (1 2 3 4 6 8 12 16 24 32 48 …, divisible by many instance
counts) of at least the most instances of any role × --growth: how far
the roles can scale out before the topics must be repartitioned, which
moves keys between partitions.

Measurements come from the reports of 'oink bench ROLE --json' given with
--from-bench (a report, an array of reports, or several concatenated; a
later report of a role replaces an earlier one); roles no file measures
use the numbers built into oink, measured on the machine BENCHMARKS.md
describes. Measure on the hardware you will run on.`,
		Example: `  oink capacity --rate 150000/h --peak-factor 5
  oink bench producer --json > producer.json; oink bench comparator --json > comparator.json
  oink capacity --rate 150000/h --peak-factor 5 --from-bench producer.json --from-bench comparator.json
  oink capacity --rate 2M/h --outage 1h --catch-up 15m --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runCapacity(d, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.rate, "rate", "150000/h", "average upstream traffic: events per s, min, h or d, e.g. 150000/h, 2500/min, 150k/h")
	f.Float64Var(&o.peakFactor, "peak-factor", 5, "peak traffic over the average rate (≥ 1)")
	f.StringArrayVar(&o.fromBench, "from-bench", nil, "a file of 'oink bench ROLE --json' reports to plan from (repeatable; default: built-in numbers)")
	f.Float64Var(&o.utilization, "utilization", 0.5, "most of an instance's measured rate to plan on using at peak, in (0, 1]")
	f.IntVar(&o.minInstances, "min-instances", 2, "fewest instances of each role, for availability")
	f.IntVar(&o.growth, "growth", 4, "partitions allow this many times the planned instances without repartitioning")
	f.DurationVar(&o.outage, "outage", 0, "also drain the backlog of an outage this long at peak (e.g. 1h; 0: don't)")
	f.DurationVar(&o.catchUp, "catch-up", 15*time.Minute, "with --outage: drain its backlog within this long")
	f.BoolVar(&o.json, "json", false, "print the plan as one JSON document")
	return cmd
}

// input turns the flags into a capacity input, reporting every bad flag.
func (o *capacityOptions) input(readFile func(string) ([]byte, error)) (capacity.Input, error) {
	in := capacity.Input{PeakFactor: o.peakFactor, Utilization: o.utilization, MinInstances: o.minInstances,
		Growth: o.growth, Outage: o.outage}
	if o.outage > 0 {
		in.CatchUp = o.catchUp
	}
	var bad flagProblems
	rate, err := capacity.ParseRate(o.rate)
	if err != nil {
		bad.add("--rate %w", err)
	}
	in.RatePerSecond = rate
	if !(o.peakFactor >= 1) {
		bad.add("--peak-factor %v: want 1 or more, e.g. --peak-factor 5 for a peak five times the average", o.peakFactor)
	}
	if !(o.utilization > 0 && o.utilization <= 1) {
		bad.add("--utilization %v: want a share in (0, 1], e.g. --utilization 0.5", o.utilization)
	}
	if o.minInstances < 1 || o.growth < 1 {
		bad.add("--min-instances %d / --growth %d: want 1 or more", o.minInstances, o.growth)
	}
	if o.outage < 0 || (o.outage > 0 && o.catchUp <= 0) {
		bad.add("--outage %v / --catch-up %v: want a positive --catch-up with --outage, e.g. --outage 1h --catch-up 15m", o.outage, o.catchUp)
	}
	base, err := capacity.Builtin()
	if err != nil {
		return in, fmt.Errorf("oink's built-in measurements: %w", err)
	}
	var given []capacity.Measured
	for _, name := range o.fromBench {
		data, err := readFile(name)
		if err != nil {
			bad.add("--from-bench %w", err)
			continue
		}
		ms, err := capacity.FromBench(name, data)
		if err != nil {
			bad.add("--from-bench %w", err)
			continue
		}
		given = capacity.Merge(given, ms)
	}
	in.Measured = capacity.Merge(base, given)
	return in, bad.err()
}

func runCapacity(d deps, o *capacityOptions) error {
	in, err := o.input(os.ReadFile)
	if err != nil {
		return err
	}
	plan, err := capacity.Compute(in)
	if err != nil {
		return usageError{err}
	}
	if o.json {
		return writeJSON(d.stdout, plan)
	}
	printCapacity(d.stdout, plan)
	return nil
}

// printCapacity prints the plan as a table with the reasoning under it.
func printCapacity(w io.Writer, p capacity.Plan) {
	fmt.Fprintf(w, "traffic  %s events/s on average (%s/h) × peak factor %g = %s events/s at peak\n",
		num(p.AveragePerSecond), num(p.AveragePerSecond*3600), p.Input.PeakFactor, num(p.PeakPerSecond))
	if p.BacklogEvents > 0 {
		fmt.Fprintf(w, "outage   %s of peak leaves %s events; draining them in %s while peak traffic goes on needs %s events/s\n",
			seconds(p.Input.OutageSeconds), num(p.BacklogEvents), seconds(p.Input.CatchUpSeconds), num(p.NeedPerSecond))
	}
	fmt.Fprintf(w, "headroom each instance planned at ≤ %.0f%% of its measured rate; at least %d per role\n\n", p.Utilization*100, p.MinInstances)
	rows := make([][]string, 0, len(p.Roles))
	for _, r := range p.Roles {
		rows = append(rows, []string{string(r.Role), num(r.NeedPerSecond) + " " + r.Role.Unit() + "/s",
			num(r.PerSecond) + "/s", fmt.Sprint(r.ForThroughput), fmt.Sprint(r.Instances),
			fmt.Sprintf("%.2g%%", r.PeakUtilization*100), fmt.Sprintf("%.2g", r.Cores),
			fmt.Sprintf("%d × %.0f MB", r.Instances, r.PeakRssMB)})
	}
	table(w, []string{"ROLE", "NEED", "ONE INSTANCE", "FOR THROUGHPUT", "INSTANCES", "LOAD AT PEAK", "CPU CORES", "MEMORY"}, rows)
	fmt.Fprintf(w, "\ntotal    %s instances, %.2g CPU cores busy at the needed rate, %.0f MB\n", human.Count(p.Totals.Instances), p.Totals.Cores, p.Totals.MemoryMB)
	most := 0
	for _, r := range p.Roles {
		most = max(most, r.Instances)
	}
	fmt.Fprintf(w, "topics   %d partitions for orders, v1, v2 and the live topic (co-partitioned): the most instances of a role (%d) × growth %d,\n"+
		"         rounded up to a count many instance counts divide; any role can grow to %d instances before repartitioning\n",
		p.Partitions, most, p.Growth, p.MaxInstances)
	fmt.Fprintln(w, "measured:")
	for _, r := range p.Roles {
		fmt.Fprintf(w, "  %-10s %s/s per instance, %.0f MB peak RSS, on %d CPUs — %s\n", r.Role, num(r.PerSecond), r.PeakRssMB, r.CPUs, r.Source)
	}
}

// num formats n with thousands separators, and small rates with a decimal.
func num(n float64) string {
	if n < 100 {
		return fmt.Sprintf("%.1f", n)
	}
	return human.Count(int64(n + 0.5))
}
