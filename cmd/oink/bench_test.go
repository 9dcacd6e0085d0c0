package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/oinkhq/oink/tools/bench"
	"github.com/spf13/cobra"
)

const testRules = "../../shipped/rules/rtcim.yaml"

// TestBenchRoleFlagsToConfig: each role's flags and their defaults reach
// bench.Config.
func TestBenchRoleFlagsToConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		check func(bench.Config) bool
	}{
		{"producer keeps its defaults", []string{"bench", "producer"}, nil,
			func(c bench.Config) bool {
				return c.Role == bench.RoleProducer && c.Events == 1_000_000 && c.Partitions == 12 && len(c.Pipelines) == 3
			}},
		{"comparator defaults to the light faults and a million events", []string{"bench", "comparator", "--rules", testRules}, nil,
			func(c bench.Config) bool {
				return c.Role == bench.RoleComparator && c.Events == 1_000_000 && c.Faults == bench.DefaultFaults && c.RulesFile == testRules
			}},
		{"switch takes --percent", []string{"bench", "switch", "--rules", testRules, "--percent", "10", "--events", "5000"}, nil,
			func(c bench.Config) bool { return c.Role == bench.RoleSwitch && c.Percent == 10 && c.Events == 5000 }},
		{"pipeline defaults to 100,000 events at full speed, 50%", []string{"bench", "pipeline", "--rules", testRules}, nil,
			func(c bench.Config) bool {
				return c.Role == bench.RolePipeline && c.Events == 100_000 && c.Rate == 0 && c.Percent == 50
			}},
		{"pipeline takes --rate and its environment twin --events", []string{"bench", "pipeline", "--rules", testRules, "--rate", "20000"},
			map[string]string{"OINK_BENCH_PIPELINE_EVENTS": "3000"},
			func(c bench.Config) bool { return c.Rate == 20000 && c.Events == 3000 }},
		{"--database-url reaches the config", []string{"--database-url", "postgres:///x", "bench", "comparator", "--rules", testRules, "--faults", "none"}, nil,
			func(c bench.Config) bool { return c.DatabaseURL == "postgres:///x" && c.Faults == "none" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, _, errb := testDeps(false, tc.env)
			root, g := newBareRoot(d)
			var got bench.Config
			var cfgErr error
			run := func(_ context.Context, _ deps, g *globalOptions, o *benchOptions) error {
				got, cfgErr = o.config(g)
				return cfgErr
			}
			cmd := &cobra.Command{Use: "bench"}
			for _, role := range bench.AllRoles() {
				cmd.AddCommand(newBenchRoleCmd(d, g, role, run))
			}
			root.AddCommand(cmd)
			args := tc.args
			if code := execute(t, d, root, args...); code != exitOK || cfgErr != nil {
				t.Fatalf("oink %v: exit %d, config error %v, stderr %s", args, code, cfgErr, errb)
			}
			if !tc.check(got) {
				t.Errorf("config after %v with env %v = %+v", args, tc.env, got)
			}
		})
	}
}

// TestBenchUsageErrorsNameTheFlag: bad bench flags exit 2 naming the flag,
// before anything starts.
func TestBenchUsageErrorsNameTheFlag(t *testing.T) {
	t.Parallel()
	checkUsageCases(t, nil, []usageCase{
		{"a percent of 0 is refused", []string{"bench", "switch", "--rules", testRules, "--percent", "0"}, "--percent"},
		{"a percent over 100 is refused", []string{"bench", "pipeline", "--rules", testRules, "--percent", "101"}, "--percent"},
		{"a negative rate is refused", []string{"bench", "pipeline", "--rules", testRules, "--rate", "-5"}, "--rate"},
		{"dropping faults are refused", []string{"bench", "comparator", "--rules", testRules, "--faults", "drop=0.01"}, "--faults"},
		{"an unknown fault is refused", []string{"bench", "switch", "--rules", testRules, "--faults", "flood=0.1"}, "flood"},
		{"a missing rules file is refused", []string{"bench", "comparator", "--rules", "nowhere.yaml"}, "--rules"},
		{"zero events are refused", []string{"bench", "pipeline", "--rules", testRules, "--events", "0"}, "--events"},
		{"an unknown pipeline is refused", []string{"bench", "switch", "--rules", testRules, "--pipelines", "oink,kafka-streams"}, "--pipelines"},
		{"the producer has no route", []string{"bench", "producer", "--percent", "50"}, "--percent"},
		// The producer role has no --rules: its checks come first, and no
		// "--rules : no such file" (it once failed every producer run).
		{"the producer's own flags are checked", []string{"bench", "producer", "--events", "0"}, "--events 0"},
		{"the comparator has no rate", []string{"bench", "comparator", "--rate", "10"}, "--rate"},
		{"an unknown reference mode is refused", []string{"bench", "ref", "copy"}, "copy"},
	})
}

// TestPrintBenchReportOfThePipeline: the pipeline role's table shows event
// latency and lists each process.
func TestPrintBenchReportOfThePipeline(t *testing.T) {
	t.Parallel()
	r := 0.8
	rep := bench.Report{Role: bench.RolePipeline, Events: 1000, Ratio: &r, Pipelines: []bench.Result{{
		Pipeline: bench.Oink, Unit: "events", EventsPerSecond: 5000, EventLatencyP50Ms: 120, EventLatencyP99Ms: 480,
		Processes: []bench.Process{{Name: "oink legacy", PeakRssMB: 31}, {Name: "oink switch", PeakRssMB: 57}}}}}
	var b bytes.Buffer
	printBenchReport(&b, rep)
	for _, want := range []string{"EVENT P50 MS", "oink pipeline", "120", "480", "oink legacy", "oink switch", "57", "ratio      0.80"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, b.String())
		}
	}
}
