package capacity

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"time"
)

// Role is a component that scales with traffic.
type Role string

// The roles a plan sizes, in the order the data flows. v1 is what the
// migration replaces and the controller is one leader with standbys; neither
// scales with traffic.
const (
	Producer   Role = "producer"
	Comparator Role = "comparator"
	Switch     Role = "switch"
)

// Roles returns the roles a plan sizes, in data-flow order.
func Roles() []Role { return []Role{Producer, Comparator, Switch} }

// PerEvent is how many of the role's units one upstream event makes: the
// switch reads a v1 and a v2 record per event (its benchmark counts both),
// the producer and the comparator handle one event or pair.
func (r Role) PerEvent() float64 {
	if r == Switch {
		return 2
	}
	return 1
}

// Unit is what the role's throughput counts.
func (r Role) Unit() string {
	switch r {
	case Comparator:
		return "pairs"
	case Switch:
		return "records"
	}
	return "events"
}

// Measured is one role's per-instance throughput and cost, from a benchmark.
type Measured struct {
	Role Role `json:"role"`
	// PerSecond is what one instance sustained (Role.Unit per second).
	PerSecond float64 `json:"perSecond"`
	// CPUSecondsPerEvent is the instance's CPU time per unit it handled
	// (event, pair, or record read); zero when the benchmark did not
	// measure it.
	CPUSecondsPerEvent float64 `json:"cpuSecondsPerEvent"`
	// PeakRssMB is the instance's peak resident memory, in MiB.
	PeakRssMB float64 `json:"peakRssMB"`
	// Source says where the numbers come from (a file, or "built in").
	Source string `json:"source"`
	// CPUs of the machine the benchmark ran on.
	CPUs int `json:"cpus"`
}

// Input is what a plan is computed from.
type Input struct {
	// RatePerSecond is the average traffic, in upstream events per second.
	RatePerSecond float64
	// PeakFactor multiplies the average into the peak to plan for (≥ 1).
	PeakFactor float64
	// Utilization is the share of its measured rate an instance may use at
	// peak, in (0, 1]; 0.5 plans for twice the peak.
	Utilization float64
	// MinInstances of every role, for availability (≥ 1).
	MinInstances int
	// Growth is how many times more instances the partitions must allow
	// without repartitioning (≥ 1).
	Growth int
	// Outage and CatchUp, when both are set, size for draining the backlog
	// of an Outage at peak rate within CatchUp while peak traffic goes on.
	Outage, CatchUp time.Duration
	// Measured holds each role's benchmark; every role of Roles is needed.
	Measured []Measured
}

// Validate reports every problem of in at once, each naming its field.
func (in Input) Validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !(in.RatePerSecond > 0) || math.IsInf(in.RatePerSecond, 0) {
		bad("rate %v/s: want a positive rate, e.g. 150000/h", in.RatePerSecond)
	}
	if !(in.PeakFactor >= 1) || math.IsInf(in.PeakFactor, 0) {
		bad("peak factor %v: want 1 or more (the peak hour over the average), e.g. 5", in.PeakFactor)
	}
	if !(in.Utilization > 0 && in.Utilization <= 1) {
		bad("utilization %v: want a share in (0, 1], e.g. 0.5 to keep half of each instance in reserve", in.Utilization)
	}
	if in.MinInstances < 1 {
		bad("min instances %d: want at least 1 (2 survive the loss of one)", in.MinInstances)
	}
	if in.Growth < 1 {
		bad("growth %d: want at least 1 (how many times the instances may grow without repartitioning)", in.Growth)
	}
	if in.Outage < 0 || in.CatchUp < 0 || (in.Outage > 0 && in.CatchUp == 0) {
		bad("outage %v, catch-up %v: want both positive (or no outage)", in.Outage, in.CatchUp)
	}
	for _, r := range Roles() {
		i := slices.IndexFunc(in.Measured, func(m Measured) bool { return m.Role == r })
		switch {
		case i < 0:
			bad("%s: no measurement; run `oink bench %s --json > %s.json` and pass --from-bench %s.json", r, r, r, r)
		case !(in.Measured[i].PerSecond > 0):
			bad("%s: measured %v %s/s in %s; want a positive rate", r, in.Measured[i].PerSecond, r.Unit(), in.Measured[i].Source)
		}
	}
	return errors.Join(errs...)
}

// Plan is the answer: topics and roles, with the numbers behind them.
type Plan struct {
	AveragePerSecond float64 `json:"averagePerSecond"`
	PeakPerSecond    float64 `json:"peakPerSecond"`
	// NeedPerSecond is the peak plus the catch-up rate, if asked.
	NeedPerSecond float64 `json:"needPerSecond"`
	// BacklogEvents is what an Outage at peak leaves to drain.
	BacklogEvents float64 `json:"backlogEvents"`
	Utilization   float64 `json:"utilization"`
	MinInstances  int     `json:"minInstances"`
	Growth        int     `json:"growth"`
	// Partitions of every topic of the migration (co-partitioned).
	Partitions int `json:"partitions"`
	// MaxInstances is the most instances any role can run with Partitions.
	MaxInstances int          `json:"maxInstances"`
	Roles        []RolePlan   `json:"roles"`
	Totals       PlanTotals   `json:"totals"`
	Input        PlanSettings `json:"input"`
}

// PlanSettings echoes the input durations in a script-friendly form.
type PlanSettings struct {
	OutageSeconds  float64 `json:"outageSeconds"`
	CatchUpSeconds float64 `json:"catchUpSeconds"`
	PeakFactor     float64 `json:"peakFactor"`
}

// RolePlan sizes one role.
type RolePlan struct {
	Measured
	// NeedPerSecond is the plan's need in this role's unit (Role.PerEvent
	// units per event).
	NeedPerSecond float64 `json:"needPerSecond"`
	// ForThroughput is ⌈need ÷ usable⌉ before the availability minimum.
	ForThroughput int `json:"forThroughput"`
	Instances     int `json:"instances"`
	// PeakUtilization is the share of each instance's measured rate in use
	// at peak (without the catch-up), spread over Instances.
	PeakUtilization float64 `json:"peakUtilization"`
	// Cores is CPU time per second at the needed rate, over all instances;
	// zero when the benchmark gave no CPU time.
	Cores float64 `json:"cores"`
	// MemoryMB is Instances × PeakRssMB.
	MemoryMB float64 `json:"memoryMB"`
}

// PlanTotals sums the roles.
type PlanTotals struct {
	Instances int     `json:"instances"`
	Cores     float64 `json:"cores"`
	MemoryMB  float64 `json:"memoryMB"`
}

// Compute returns the plan for in, or in's problems.
func Compute(in Input) (Plan, error) {
	if err := in.Validate(); err != nil {
		return Plan{}, err
	}
	p := Plan{AveragePerSecond: in.RatePerSecond, PeakPerSecond: in.RatePerSecond * in.PeakFactor,
		Utilization: in.Utilization, MinInstances: in.MinInstances, Growth: in.Growth,
		Input: PlanSettings{OutageSeconds: in.Outage.Seconds(), CatchUpSeconds: in.CatchUp.Seconds(), PeakFactor: in.PeakFactor}}
	p.NeedPerSecond = p.PeakPerSecond
	if in.Outage > 0 {
		p.BacklogEvents = p.PeakPerSecond * in.Outage.Seconds()
		p.NeedPerSecond += p.BacklogEvents / in.CatchUp.Seconds()
	}
	most := 0
	for _, r := range Roles() {
		m := in.Measured[slices.IndexFunc(in.Measured, func(m Measured) bool { return m.Role == r })]
		rp := sizeRole(m, p.NeedPerSecond, p.PeakPerSecond, in)
		p.Roles = append(p.Roles, rp)
		p.Totals.Instances += rp.Instances
		p.Totals.Cores += rp.Cores
		p.Totals.MemoryMB += rp.MemoryMB
		most = max(most, rp.Instances)
	}
	p.Partitions = RoundPartitions(most * in.Growth)
	p.MaxInstances = p.Partitions
	return p, nil
}

// sizeRole sizes one role for need events/s (peak plus catch-up), in the
// role's own unit.
func sizeRole(m Measured, need, peak float64, in Input) RolePlan {
	need, peak = need*m.Role.PerEvent(), peak*m.Role.PerEvent()
	rp := RolePlan{Measured: m, NeedPerSecond: need}
	rp.ForThroughput = int(math.Ceil(need / (m.PerSecond * in.Utilization)))
	rp.Instances = max(in.MinInstances, rp.ForThroughput)
	rp.PeakUtilization = peak / (m.PerSecond * float64(rp.Instances))
	rp.Cores = need * m.CPUSecondsPerEvent
	rp.MemoryMB = float64(rp.Instances) * m.PeakRssMB
	return rp
}

// RoundPartitions returns the smallest round partition count ≥ n (and ≥ 1):
// 1, 2, 3, 4, 6, 8 and then 12·2^k and 16·2^k, so that many instance counts
// divide it evenly.
func RoundPartitions(n int) int {
	for _, c := range []int{1, 2, 3, 4, 6, 8} {
		if n <= c {
			return c
		}
	}
	for c := 12; ; c *= 2 {
		if n <= c {
			return c
		}
		if n <= c*4/3 { // 16, 32, 64, …: between 12·2^k and 24·2^k
			return c * 4 / 3
		}
	}
}
