package capacity

import (
	"math"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func measured(producer, comparator, sw float64) []Measured {
	return []Measured{
		{Role: Producer, PerSecond: producer, CPUSecondsPerEvent: 10e-6, PeakRssMB: 50, CPUs: 2},
		{Role: Comparator, PerSecond: comparator, CPUSecondsPerEvent: 20e-6, PeakRssMB: 60, CPUs: 2},
		{Role: Switch, PerSecond: sw, CPUSecondsPerEvent: 5e-6, PeakRssMB: 40, CPUs: 2},
	}
}

// TestComputeSizesEachRole works the seed's question and a busier service
// by hand.
func TestComputeSizesEachRole(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name           string
		in             Input
		wantInstances  []int
		wantPartitions int
		wantNeed       float64
	}{
		{
			name: "the seed's 150,000/h at peak factor 5 needs the availability minimum only",
			in: Input{RatePerSecond: 150000.0 / 3600, PeakFactor: 5, Utilization: 0.5, MinInstances: 2, Growth: 4,
				Measured: measured(60000, 30000, 50000)},
			wantInstances: []int{2, 2, 2}, wantPartitions: 8, wantNeed: 150000.0 / 3600 * 5,
		},
		{
			name: "100,000 events/s at peak: ⌈100000 ÷ (measured × 0.5)⌉ per role",
			in: Input{RatePerSecond: 20000, PeakFactor: 5, Utilization: 0.5, MinInstances: 2, Growth: 2,
				Measured: measured(60000, 30000, 50000)},
			// producer ⌈100000/30000⌉ = 4, comparator ⌈100000/15000⌉ = 7,
			// switch (two records read per event) ⌈200000/25000⌉ = 8;
			// partitions ≥ 8 × 2 = 16.
			wantInstances: []int{4, 7, 8}, wantPartitions: 16, wantNeed: 100000,
		},
		{
			name: "an outage's backlog adds its drain rate to the peak",
			in: Input{RatePerSecond: 1000, PeakFactor: 2, Utilization: 1, MinInstances: 1, Growth: 1,
				Outage: time.Hour, CatchUp: 15 * time.Minute, Measured: measured(5000, 5000, 5000)},
			// peak 2000/s; backlog 2000 × 3600 = 7.2M; drain 7.2M/900 s = 8000/s;
			// need 10000/s → 2 instances, 4 for the switch's 20000
			// records/s; partitions 4.
			wantInstances: []int{2, 2, 4}, wantPartitions: 4, wantNeed: 10000,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Compute(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if math.Abs(p.NeedPerSecond-tc.wantNeed) > 1e-6 {
				t.Errorf("need %v/s, want %v", p.NeedPerSecond, tc.wantNeed)
			}
			for i, r := range p.Roles {
				if r.Role != Roles()[i] || r.Instances != tc.wantInstances[i] {
					t.Errorf("role %d: %s × %d, want %s × %d", i, r.Role, r.Instances, Roles()[i], tc.wantInstances[i])
				}
				if want := float64(r.Instances) * r.PeakRssMB; r.MemoryMB != want {
					t.Errorf("%s memory %v MB, want %v", r.Role, r.MemoryMB, want)
				}
				if want := p.NeedPerSecond * r.Role.PerEvent() * r.CPUSecondsPerEvent; math.Abs(r.Cores-want) > 1e-9 {
					t.Errorf("%s cores %v, want %v", r.Role, r.Cores, want)
				}
			}
			if p.Partitions != tc.wantPartitions {
				t.Errorf("partitions %d, want %d", p.Partitions, tc.wantPartitions)
			}
		})
	}
}

func TestRoundPartitions(t *testing.T) {
	t.Parallel()
	want := map[int]int{0: 1, 1: 1, 2: 2, 3: 3, 5: 6, 7: 8, 9: 12, 12: 12, 13: 16, 17: 24, 25: 32, 33: 48, 49: 64, 65: 96, 97: 128}
	for n, w := range want {
		if got := RoundPartitions(n); got != w {
			t.Errorf("RoundPartitions(%d) = %d, want %d", n, got, w)
		}
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	t.Parallel()
	in := Input{RatePerSecond: -1, PeakFactor: 0.5, Utilization: 2, MinInstances: 0, Growth: 0, Outage: time.Hour,
		Measured: measured(1, 0, 1)[:2]}
	err := in.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{"rate", "peak factor", "utilization", "min instances", "growth", "catch-up",
		"comparator: measured 0", "switch: no measurement; run `oink bench switch --json"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}

func TestParseRate(t *testing.T) {
	t.Parallel()
	ok := map[string]float64{"150000/h": 150000.0 / 3600, "150k/h": 150000.0 / 3600, "2500/min": 2500.0 / 60,
		"42/s": 42, "2.5M/d": 2.5e6 / 86400, " 1_000 / hour ": 1000.0 / 3600}
	for s, want := range ok {
		got, err := ParseRate(s)
		if err != nil || math.Abs(got-want) > 1e-9 {
			t.Errorf("ParseRate(%q) = %v, %v; want %v", s, got, err, want)
		}
	}
	for _, s := range []string{"150000", "x/h", "-5/h", "0/s", "10/fortnight", "NaN/s", "/h"} {
		if _, err := ParseRate(s); err == nil || !strings.Contains(err.Error(), "150000/h") {
			t.Errorf("ParseRate(%q) error %v: want one with an example", s, err)
		}
	}
}

func TestFromBenchReadsEveryShape(t *testing.T) {
	t.Parallel()
	read := func(name string) []Measured {
		t.Helper()
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			t.Fatal(err)
		}
		ms, err := FromBench(name, data)
		if err != nil {
			t.Fatal(err)
		}
		return ms
	}
	// A report without a role is a producer report.
	if ms := read("producer-norole.json"); len(ms) != 1 || ms[0].Role != Producer || ms[0].PerSecond != 60000 ||
		ms[0].CPUSecondsPerEvent != 10.0/1e6 || ms[0].PeakRssMB != 50 {
		t.Errorf("producer-norole.json: %+v", ms)
	}
	if ms := read("comparator-switch-array.json"); len(ms) != 2 || ms[0].Role != Comparator || ms[1].PerSecond != 100000 {
		t.Errorf("array: %+v", ms)
	}
	// Concatenated reports: the pipeline report is skipped, the later switch wins.
	if ms := read("concatenated.json"); len(ms) != 1 || ms[0].Role != Switch || ms[0].PerSecond != 120000 {
		t.Errorf("concatenated: %+v", ms)
	}
	all := Merge(read("producer-norole.json"), read("comparator-switch-array.json"))
	if len(all) != 3 || all[0].Role != Producer || all[1].Role != Comparator || all[2].Role != Switch {
		t.Errorf("merged: %+v", all)
	}
}

func TestFromBenchRejectsWhatIsNotAReport(t *testing.T) {
	t.Parallel()
	for name, data := range map[string]string{
		"empty":       "",
		"not json":    "events/s: 5",
		"no oink":     `{"role":"producer","pipelines":[{"pipeline":"ref-raw","eventsPerSecond":5}]}`,
		"unknown":     `{"role":"gateway","pipelines":[{"pipeline":"oink","eventsPerSecond":5}]}`,
		"only a pipe": `{"role":"pipeline","pipelines":[{"pipeline":"oink","eventsPerSecond":5}]}`,
	} {
		if _, err := FromBench(name+".json", []byte(data)); err == nil || !strings.Contains(err.Error(), name+".json") {
			t.Errorf("%s: error %v, want one naming the file", name, err)
		}
	}
}

// TestBuiltinMeasuresEveryRole: the numbers shipped with oink (the reports
// BENCHMARKS.md quotes) size every role, so `oink capacity` works without
// --from-bench.
func TestBuiltinMeasuresEveryRole(t *testing.T) {
	t.Parallel()
	ms, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range Roles() {
		i := slices.IndexFunc(ms, func(m Measured) bool { return m.Role == r })
		if i < 0 {
			t.Errorf("no built-in measurement of %s", r)
			continue
		}
		if m := ms[i]; !(m.PerSecond > 0) || !(m.PeakRssMB > 0) || !(m.CPUSecondsPerEvent > 0) || m.CPUs < 1 {
			t.Errorf("built-in %s: %+v; want a rate, RSS, CPU per event and CPUs", r, m)
		}
	}
	if _, err := Compute(Input{RatePerSecond: 150000.0 / 3600, PeakFactor: 5, Utilization: 0.5, MinInstances: 2, Growth: 4, Measured: ms}); err != nil {
		t.Errorf("a plan from the built-in numbers: %v", err)
	}
}
