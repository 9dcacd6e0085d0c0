package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oinkhq/oink/testkit/pgtest"
	"github.com/oinkhq/oink/tools/chaos"
)

func TestChaosFlagsAndEnvironmentTwins(t *testing.T) {
	t.Parallel()
	all := []string{"producer", "comparator", "switch", "controller", "zombie-switch"}
	defaults := chaosOptions{roles: all, trials: 3, events: 3000, rate: 250, kills: 3, parallel: 3, rules: "shipped/rules/rtcim.yaml"}
	with := func(f func(*chaosOptions)) chaosOptions {
		o := defaults
		f(&o)
		return o
	}
	checkFlagCases(t, newChaosCmd, []string{"chaos"}, []flagCase[chaosOptions]{
		{"the defaults are the CI-sized suite over every role", nil, nil, defaults},
		{"flags set roles, trials, seed and sizes", []string{"--roles", "switch,controller", "--trials", "20", "--seed", "42",
			"--events", "5000", "--rate", "400", "--kills", "0", "--parallel", "4", "--json", "--keep"}, nil,
			with(func(o *chaosOptions) {
				o.roles, o.trials, o.seed, o.events, o.rate, o.kills, o.parallel, o.json, o.keep =
					[]string{"switch", "controller"}, 20, 42, 5000, 400, 0, 4, true, true
			})},
		{"OINK_CHAOS_TRIALS sets --trials", nil, map[string]string{"OINK_CHAOS_TRIALS": "7"},
			with(func(o *chaosOptions) { o.trials = 7 })},
		{"--brokers makes the run use that cluster", []string{"--brokers", "kafka-1:9092"}, nil,
			with(func(o *chaosOptions) { o.external = true })},
	})
}

func TestChaosRejectsBadFlagsNamingThem(t *testing.T) {
	t.Parallel()
	checkUsageCases(t, []string{"chaos", "--rules", "../../shipped/rules/rtcim.yaml"}, []usageCase{
		{"an unknown role", []string{"--roles", "producer,broker"}, "--roles"},
		{"no trial", []string{"--trials", "0"}, "--trials"},
		{"too few events to meet v1's faults", []string{"--events", "100"}, "--events"},
		{"a rate of zero", []string{"--rate", "0"}, "--rate"},
		{"negative kills", []string{"--kills", "-1"}, "--kills"},
		{"no trial at a time", []string{"--parallel", "0"}, "--parallel"},
		{"a rules file that is not there", []string{"--rules", "no/such/rules.yaml"}, "--rules"},
		{"a seed that is not a number", []string{"--seed", "abc"}, "--seed"},
	})
}

func TestChaosPrintsAFailedTrialWithItsReplayCommand(t *testing.T) {
	t.Parallel()
	var w bytes.Buffer
	printTrial(&w, chaos.TrialResult{Role: chaos.RoleSwitch, Seed: 42, Kills: 2, KillsAt: []int64{10, 20}, Progress: "records on the live topic",
		Events: 3100, Seconds: 30, Checks: []chaos.Check{{Name: chaos.CheckNoLoss, OK: true}, {Name: chaos.CheckLiveOnce, Detail: "identity x is on the live topic twice"}}},
		chaos.Config{Events: 3000, Rate: 250, Kills: 2})
	want := "FAIL switch     seed 42  2 kills at [10 20] (records on the live topic)  3,100 events  30s\n" +
		"     " + chaos.CheckLiveOnce + ": identity x is on the live topic twice\n" +
		"     replay: oink chaos --roles switch --trials 1 --seed 42 --events 3000 --rate 250 --kills 2\n"
	if diff := cmp.Diff(want, w.String()); diff != "" {
		t.Errorf("printTrial (-want +got):\n%s", diff)
	}
}

// TestChaosRunsTrialsFromTheBinary runs `oink chaos` as a process: one
// trial killing the controller passes (exit 0, one line per trial and a
// summary); one under rules that accept none of v1's faults fails the
// checks that must catch that (exit 3, the failure and its replay command,
// the JSON report on stdout).
func TestChaosRunsTrialsFromTheBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("a chaos trial takes about 20 seconds")
	}
	t.Parallel()
	db := pgtest.URL(t)
	run := func(t *testing.T, args ...string) (string, string, int) {
		t.Helper()
		cmd := oinkCmd(t, append([]string{"chaos", "--database-url", db, "--trials", "1", "--events", "1000",
			"--kills", "1", "--seed", "42", "--log-level", "warn"}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return out.String(), errb.String(), cmd.ProcessState.ExitCode()
	}
	t.Run("a trial that holds every invariant exits 0", func(t *testing.T) {
		t.Parallel()
		out, errb, code := run(t, "--roles", "controller", "--rules", "../../shipped/rules/rtcim.yaml")
		if code != exitOK || !strings.HasPrefix(out, "ok   controller seed 42  1 kills at [") ||
			!strings.Contains(out, "1 trials (1 per role, seeds 42 to 42), 1 kills, 1 passed in") ||
			!strings.Contains(out, "every invariant held") {
			t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errb)
		}
	})
	t.Run("a trial whose checks fail exits 3 and says how to replay it", func(t *testing.T) {
		t.Parallel()
		out, errb, code := run(t, "--roles", "switch", "--rules", "../../testdata/rules/rtcim-strict.yaml", "--json")
		if code != exitCheckFailed || !strings.Contains(errb, "FAIL switch     seed 42") ||
			!strings.Contains(errb, "replay: oink chaos --roles switch --trials 1 --seed 42 --events 1000") {
			t.Fatalf("exit %d, stdout:\n%s\nstderr:\n%s", code, out, errb)
		}
		var rep chaos.Report
		if err := json.Unmarshal([]byte(out), &rep); err != nil {
			t.Fatalf("stdout is not the JSON report: %v\n%s", err, out)
		}
		failed := map[string]bool{}
		for _, c := range rep.Trials[0].Checks {
			failed[c.Name] = !c.OK
		}
		// v1's rounding and date faults diverge under the strict rules: the
		// gate rolls the cutover back, and the comparator's findings no
		// longer match "accepted" ground truth. Loss and duplicates are
		// still impossible.
		if rep.OK || rep.Failed != 1 || !failed[chaos.CheckFaultLog] || !failed[chaos.CheckController] ||
			failed[chaos.CheckNoLoss] || failed[chaos.CheckLiveOnce] {
			t.Fatalf("report %+v: want the fault-log and controller checks failed, invariants 1 and 4 held", rep)
		}
	})
}
