package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/oinkhq/oink/tools/capacity"
)

const capacityFixtures = "../../tools/capacity/testdata/"

// TestCapacityPlansFromBenchReports plans from the reports of a benchmark
// file and its environment twin, as a script would read it.
func TestCapacityPlansFromBenchReports(t *testing.T) {
	t.Parallel()
	d, out, errb := testDeps(false, map[string]string{"OINK_CAPACITY_PEAK_FACTOR": "4"})
	root, g := newBareRoot(d)
	root.AddCommand(newCapacityCmd(d, g))
	code := execute(t, d, root, "capacity", "--rate", "72M/h", "--json", "--min-instances", "1", "--growth", "2",
		"--from-bench", capacityFixtures+"producer-norole.json", "--from-bench", capacityFixtures+"comparator-switch-array.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	var p capacity.Plan
	if err := json.Unmarshal(out.Bytes(), &p); err != nil {
		t.Fatalf("--json output: %v\n%s", err, out)
	}
	// 72M/h = 20,000/s × 4 = 80,000/s at peak; at 50% of 60K, 40K, 100K per
	// instance: 3, 4 and (160,000 records/s for the switch) 4 instances;
	// partitions ≥ 4 × 2 → 8.
	if p.PeakPerSecond != 80000 || p.Partitions != 8 {
		t.Errorf("peak %v/s, %d partitions; want 80000/s and 8", p.PeakPerSecond, p.Partitions)
	}
	want := map[capacity.Role]int{capacity.Producer: 3, capacity.Comparator: 4, capacity.Switch: 4}
	for _, r := range p.Roles {
		if r.Instances != want[r.Role] || !strings.Contains(r.Source, "testdata") {
			t.Errorf("%s: %d instances from %q, want %d from a testdata file", r.Role, r.Instances, r.Source, want[r.Role])
		}
	}
}

// TestCapacityExplainsItsNumbers checks the text a person reads: the peak,
// each role's instances and where its numbers came from.
func TestCapacityExplainsItsNumbers(t *testing.T) {
	t.Parallel()
	d, out, errb := testDeps(false, nil)
	root, g := newBareRoot(d)
	root.AddCommand(newCapacityCmd(d, g))
	code := execute(t, d, root, "capacity", "--rate", "150000/h", "--peak-factor", "5", "--outage", "1h",
		"--from-bench", capacityFixtures+"producer-norole.json", "--from-bench", capacityFixtures+"comparator-switch-array.json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errb)
	}
	for _, want := range []string{"41.7 events/s on average (150,000/h) × peak factor 5 = 208 events/s at peak",
		"outage   1h00m of peak leaves 750,000 events", "comparator  1,042 pairs/s", "8 partitions",
		"producer-norole.json", "comparator-switch-array.json"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestCapacityFlagErrorsNameTheFlag(t *testing.T) {
	t.Parallel()
	tests := map[string][]string{
		"--rate":        {"--rate", "150000"},
		"--peak-factor": {"--peak-factor", "0.5"},
		"--utilization": {"--utilization", "0"},
		"--growth":      {"--growth", "0"},
		"--catch-up":    {"--outage", "1h", "--catch-up", "0s"},
		"--from-bench":  {"--from-bench", "no-such-file.json"},
	}
	for flag, args := range tests {
		t.Run(flag, func(t *testing.T) {
			t.Parallel()
			d, _, errb := testDeps(false, nil)
			root, g := newBareRoot(d)
			root.AddCommand(newCapacityCmd(d, g))
			if code := execute(t, d, root, append([]string{"capacity"}, args...)...); code != 2 || !strings.Contains(errb.String(), flag) {
				t.Errorf("exit %d, stderr %q: want 2 and an error naming %s", code, errb, flag)
			}
		})
	}
}
