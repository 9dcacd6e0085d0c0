package bench

import (
	"math"
	"slices"
	"time"
)

// Report is the outcome of Run. Its JSON field names are stable.
type Report struct {
	// Role is what was measured: "producer", "comparator", "switch" or
	// "pipeline".
	Role         Role    `json:"role"`
	Events       int     `json:"events"`
	Partitions   int     `json:"partitions"`
	BatchSize    int     `json:"batchSize"`
	Seed         uint64  `json:"seed"`
	InvalidRatio float64 `json:"invalidRatio"`
	// Broker is "embedded" or the brokers given.
	Broker string `json:"broker"`
	// CPUs the machine has (all processes of the run share them).
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"goVersion"`
	Load      Load   `json:"load"`
	// Pipelines in the order measured.
	Pipelines []Result `json:"pipelines"`
	// Setup is the work done before the measured pipelines (v1 and v2 for
	// the comparator and the switch); nil for the other roles.
	Setup *Setup `json:"setup,omitempty"`
	// Ratio is oink's events/s ÷ ref-transform's; nil unless both ran.
	Ratio *float64 `json:"ratio"`
	// RatioRaw is oink's events/s ÷ ref-raw's; nil unless both ran.
	RatioRaw *float64 `json:"ratioRaw"`
	// BrokerPeakRssMB is the embedded broker's peak RSS at the end of the
	// run, in MiB; zero with an external cluster.
	BrokerPeakRssMB float64 `json:"brokerPeakRssMB"`
}

// Load is how the input was written.
type Load struct {
	Topic           string  `json:"topic"`
	Seconds         float64 `json:"seconds"`
	EventsPerSecond float64 `json:"eventsPerSecond"`
	// Invalid events loaded: every one must become a dead letter.
	Invalid int `json:"invalid"`
}

// Setup is what the comparator and switch roles prepare, unmeasured: v1
// (`oink legacy`) and v2 (`oink produce`) run over the loaded events to
// completion.
type Setup struct {
	Seconds float64 `json:"seconds"`
	// Faults are v1's (`oink legacy --faults`).
	Faults string `json:"faults"`
	// V1Records and V2Records are the records on v1's and v2's topics.
	V1Records int64 `json:"v1Records"`
	V2Records int64 `json:"v2Records"`
	// Percent is the route's share of v2 (switch and pipeline roles).
	Percent float64 `json:"percent,omitempty"`
}

// Result is one pipeline's measurement (see the package doc for what each
// number means).
type Result struct {
	Pipeline Pipeline `json:"pipeline"`
	// Unit is what EventsPerSecond counts: "events" (producer, pipeline),
	// "pairs" (comparator) or "records" (switch: v1 and v2 records read).
	Unit string `json:"unit"`
	// Events is the units the pipeline handled: Config.Events for the
	// producer and the pipeline, the pairs for the comparator, the v1 + v2
	// records for the switch.
	Events int64 `json:"events"`
	// RecordsOut and DeadLetters are what the pipeline reported writing;
	// Run checks them against the output topics' end offsets.
	RecordsOut  int64 `json:"recordsOut"`
	DeadLetters int64 `json:"deadLetters"`
	// Seconds from process start to every event committed.
	Seconds         float64 `json:"seconds"`
	EventsPerSecond float64 `json:"eventsPerSecond"`
	// StartupSeconds from process start to the group's first commit.
	StartupSeconds float64 `json:"startupSeconds"`
	// SteadyEventsPerSecond is the rate after the first commit.
	SteadyEventsPerSecond float64 `json:"steadyEventsPerSecond"`
	// Commits is how many advances of the committed offsets were seen.
	Commits           int     `json:"commits"`
	BatchLatencyP50Ms float64 `json:"batchLatencyP50Ms"`
	BatchLatencyP99Ms float64 `json:"batchLatencyP99Ms"`
	// PeakRssMB is the process's peak resident set, in MiB.
	PeakRssMB  float64 `json:"peakRssMB"`
	CPUSeconds float64 `json:"cpuSeconds"`
	// BrokerCPUSeconds the embedded broker spent while the pipeline ran.
	BrokerCPUSeconds float64 `json:"brokerCpuSeconds"`
	// Processes are the pipeline's processes, each with its own peak RSS
	// and CPU time. PeakRssMB above is the largest of them, CPUSeconds
	// their sum.
	Processes []Process `json:"processes"`
	// EventLatencyP50Ms and EventLatencyP99Ms (pipeline role): the time
	// from an event's creation by the load generator (its event time) until
	// its record was read from the live topic.
	EventLatencyP50Ms float64 `json:"eventLatencyP50Ms,omitempty"`
	EventLatencyP99Ms float64 `json:"eventLatencyP99Ms,omitempty"`
	// Stages (pipeline role, with Config.Trace): the event latency to each
	// topic of the chain, in the chain's order.
	Stages []StageLatency `json:"stages,omitempty"`
	// Pairs, Accepted and Divergent are the comparator's totals (comparator
	// and pipeline roles), as stored in Postgres.
	Pairs     int64 `json:"pairs,omitempty"`
	Accepted  int64 `json:"accepted,omitempty"`
	Divergent int64 `json:"divergent,omitempty"`
	// LiveRecords are the records on the live topic (switch and pipeline
	// roles), checked with cutover.CheckLive for oink and ref-transform.
	LiveRecords int64 `json:"liveRecords,omitempty"`
}

// StageLatency is the latency from the event time until records were read
// from one topic of a pipeline chain.
type StageLatency struct {
	Stage   string  `json:"stage"` // orders, v1, v2 or live
	Records int     `json:"records"`
	P50Ms   float64 `json:"p50Ms"`
	P99Ms   float64 `json:"p99Ms"`
	MaxMs   float64 `json:"maxMs"`
}

// Process is one process of a pipeline.
type Process struct {
	Name       string  `json:"name"`
	PeakRssMB  float64 `json:"peakRssMB"`
	CPUSeconds float64 `json:"cpuSeconds"`
}

// ratio returns a's events/s ÷ b's, or nil unless both were measured.
func ratio(results []Result, a, b Pipeline) *float64 {
	ia := slices.IndexFunc(results, func(r Result) bool { return r.Pipeline == a })
	ib := slices.IndexFunc(results, func(r Result) bool { return r.Pipeline == b })
	if ia < 0 || ib < 0 || results[ib].EventsPerSecond == 0 {
		return nil
	}
	v := results[ia].EventsPerSecond / results[ib].EventsPerSecond
	return &v
}

// timeline is what the watch of one pipeline saw: when it started and when
// each advance of its progress was seen, overall and per partition.
type timeline struct {
	start   time.Time
	commits []time.Time
	// perPartition makes batch latency the intervals between advances of
	// one partition, for pipelines whose partitions commit on their own.
	perPartition bool
	parts        map[int][]time.Time
}

// observe records the advances from last to p seen at now.
func (t *timeline) observe(now time.Time, last, p progress, seen bool) {
	if !seen || p.done != last.done {
		if p.done > 0 {
			t.commits = append(t.commits, now)
		}
	}
	for id, n := range p.parts {
		if n > 0 && n != last.parts[id] {
			if t.parts == nil {
				t.parts = map[int][]time.Time{}
			}
			t.parts[id] = append(t.parts[id], now)
		}
	}
}

// gaps returns the batch intervals: between consecutive advances overall,
// or of each partition.
func (t timeline) gaps() []time.Duration {
	var gaps []time.Duration
	series := [][]time.Time{t.commits}
	if t.perPartition {
		series = series[:0]
		for _, s := range t.parts {
			series = append(series, s)
		}
	}
	for _, s := range series {
		for i := 1; i < len(s); i++ {
			gaps = append(gaps, s[i].Sub(s[i-1]))
		}
	}
	return gaps
}

// fill sets r's timings for events committed along t.
func (t timeline) fill(r *Result, events int64) {
	if len(t.commits) == 0 {
		return
	}
	first, last := t.commits[0], t.commits[len(t.commits)-1]
	r.Seconds = last.Sub(t.start).Seconds()
	r.EventsPerSecond = float64(events) / r.Seconds
	r.StartupSeconds = first.Sub(t.start).Seconds()
	if steady := last.Sub(first).Seconds(); steady > 0 {
		// The first commit's events were handled before it: count the
		// rest over the time after it. The first batch is at most one
		// batch, so this is close enough.
		r.SteadyEventsPerSecond = float64(events) * float64(len(t.commits)-1) / float64(len(t.commits)) / steady
	}
	r.Commits = len(t.commits)
	gaps := t.gaps()
	r.BatchLatencyP50Ms = ms(percentile(gaps, 0.50))
	r.BatchLatencyP99Ms = ms(percentile(gaps, 0.99))
}

// percentile returns the q-quantile (0 < q ≤ 1) of ds by nearest rank, or 0
// for none. It sorts ds.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	rank := int(math.Ceil(q*float64(len(ds)))) - 1
	return ds[min(max(rank, 0), len(ds)-1)]
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func mib(bytes int64) float64 { return float64(bytes) / (1 << 20) }
