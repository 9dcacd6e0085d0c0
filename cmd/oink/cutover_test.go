package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/oinkhq/oink/testkit/pgtest"
)

func TestCutoverFlagsAndEnvironmentTwins(t *testing.T) {
	t.Parallel()
	checkFlagCases(t, newCutoverCmd, []string{"cutover"}, []flagCase[cutoverOptions]{
		{"apply reads the plan file", []string{"apply", "-f", "plan.yaml", "--dry-run", "--json"}, nil,
			cutoverOptions{verb: "apply", file: "plan.yaml", dryRun: true, json: true}},
		{"advance takes the run, who and why", []string{"advance", "--run", "r", "--actor", "bob", "--reason", "ok"}, nil,
			cutoverOptions{verb: "advance", run: "r", actor: "bob", reason: "ok"}},
		{"abort takes --yes", []string{"abort", "--run", "r", "--reason", "stop", "--yes"}, nil,
			cutoverOptions{verb: "abort", run: "r", reason: "stop", yes: true}},
		{"status defaults to a 5s heartbeat", []string{"status", "--run", "r"}, nil,
			cutoverOptions{verb: "status", run: "r", aliveWithin: 5 * time.Second, interval: 2 * time.Second}},
		{"status --watch redraws every --interval", []string{"status", "--run", "r", "--watch", "--interval", "500ms"}, nil,
			cutoverOptions{verb: "status", run: "r", aliveWithin: 5 * time.Second, watch: true, interval: 500 * time.Millisecond}},
		{"history shows 50 entries by default", []string{"history", "--run", "r"}, nil,
			cutoverOptions{verb: "history", run: "r", limit: 50}},
		{"OINK_RUN sets --run", []string{"start"}, map[string]string{"OINK_RUN": "from-env"},
			cutoverOptions{verb: "start", run: "from-env"}},
		{"OINK_CUTOVER_PAUSE_REASON sets --reason of pause only", []string{"pause", "--run", "r"},
			map[string]string{"OINK_CUTOVER_PAUSE_REASON": "peak"}, cutoverOptions{verb: "pause", run: "r", reason: "peak"}},
	})
}

func TestControllerFlags(t *testing.T) {
	t.Parallel()
	checkFlagCases(t, newControllerCmd, []string{"controller"}, []flagCase[controllerOptions]{
		{"defaults tick twice a second and wait for start", []string{"--run", "r"}, nil,
			controllerOptions{run: "r", tick: 500 * time.Millisecond, aliveWithin: 5 * time.Second}},
		{"flags set every option", []string{"--run", "r", "--tick", "200ms", "--alive-within", "3s", "--auto-start", "--actor", "ctl-1"}, nil,
			controllerOptions{run: "r", tick: 200 * time.Millisecond, aliveWithin: 3 * time.Second, autoStart: true, actor: "ctl-1"}},
	})
}

// TestCutoverUsageErrorsNameTheFlag: bad input is exit 2 with the flag (or
// the plan's field) named, and nothing on stdout. None reaches Postgres.
func TestCutoverUsageErrorsNameTheFlag(t *testing.T) {
	t.Parallel()
	badPlan := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(badPlan, []byte("run: r\nsteps:\n  - {percent: 50, hold: 1m, min_pairs: 1}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkUsageCases(t, nil, []usageCase{
		{"a command without --run", []string{"cutover", "status"}, "--run"},
		{"apply without a file", []string{"cutover", "apply"}, "--file"},
		{"a plan with a bad field names the line and field", []string{"cutover", "apply", "-f", badPlan}, "plan.yaml:3:15: steps[0].percent"},
		{"advance without a reason", []string{"cutover", "advance", "--run", "r"}, "--reason"},
		{"rollback with a blank reason", []string{"cutover", "rollback", "--run", "r", "--reason", " "}, "--reason"},
		{"abort off a terminal without --yes", []string{"cutover", "abort", "--run", "r", "--reason", "x"}, "--yes"},
		{"a negative history limit", []string{"cutover", "history", "--run", "r", "--limit", "-1"}, "--limit"},
		{"the controller without --run", []string{"controller"}, "--run"},
		{"the controller with a zero tick", []string{"controller", "--run", "r", "--tick", "0s"}, "--tick"},
	})
}

// cutoverCLI runs oink commands against one schema.
type cutoverCLI struct {
	t     *testing.T
	dbURL string
}

// run runs `oink args… --database-url URL` with stdin, on a terminal or
// not, and returns the exit code, stdout and stderr.
func (c cutoverCLI) run(tty bool, stdin string, args ...string) (int, string, string) {
	c.t.Helper()
	d, out, errb := testDeps(tty, nil)
	d.stdin = strings.NewReader(stdin)
	code := execute(c.t, d, newRootCmd(d), append(args, "--database-url", c.dbURL, "--log-level", "warn")...)
	return code, out.String(), errb.String()
}

// ok runs a command that must succeed with nothing on stderr, and returns
// its stdout.
func (c cutoverCLI) ok(args ...string) string {
	c.t.Helper()
	code, out, errs := c.run(false, "", args...)
	if code != exitOK || errs != "" {
		c.t.Fatalf("oink %v: exit %d, stderr %q", args, code, errs)
	}
	return out
}

// TestCutoverCommandsOutput drives a cutover from the CLI as an operator
// would, checking stdout (data) and stderr (prompts, errors) apart.
func TestCutoverCommandsOutput(t *testing.T) {
	t.Parallel()
	dbURL, _ := pgtest.SchemaURL(t)
	cli := cutoverCLI{t: t, dbURL: dbURL}
	plan := "../../shipped/plans/demo.yaml"

	textTests := []struct {
		name string
		args []string
		want []string // in stdout
	}{
		{"apply --dry-run changes nothing", []string{"cutover", "apply", "-f", plan, "--dry-run"}, []string{"would apply run demo"}},
		{"apply stores version 1, pending", []string{"cutover", "apply", "-f", plan}, []string{"apply run demo", "pending", "plan version 1"}},
		{"status of a pending cutover says how to start it", []string{"cutover", "status", "--run", "demo"},
			[]string{"before the first step (0%) pending", "next:        1%", "not started: run oink cutover start --run demo", "no controller is running"}},
		{"start writes the first transition", []string{"cutover", "start", "--run", "demo", "--actor", "alice", "--reason", "go"},
			[]string{"start run demo: before the first step (0%) pending -> stage 1 (1%) running", "transition #1: v2 owns 1% from"}},
		{"status shows the gate and why it waits", []string{"cutover", "status", "--run", "demo"},
			[]string{"stage 1/4 (1%) running", "gate:        waiting", "CHECK       VERDICT  DETAIL", "pairs       waiting  0/10 pairs compared",
				"comparator: no comparator instance has ever sent a heartbeat"}},
		{"pause", []string{"cutover", "pause", "--run", "demo", "--reason", "lunch"}, []string{"pause run demo", "stage 1 (1%) paused"}},
		{"advance skips the gate", []string{"cutover", "advance", "--run", "demo", "--reason", "by hand"}, []string{"-> stage 2 (10%) running", "transition #2: v2 owns 10%"}},
		{"rollback", []string{"cutover", "rollback", "--run", "demo", "--reason", "alarm"}, []string{"rolled back", "transition #3: v2 owns 0%"}},
	}
	for _, tc := range textTests {
		out := cli.ok(tc.args...)
		for _, w := range tc.want {
			if !strings.Contains(out, w) {
				t.Errorf("%s: oink %v stdout =\n%s\nwant it to contain %q", tc.name, tc.args, out, w)
			}
		}
	}
	code, out, errs := cli.run(false, "", "cutover", "pause", "--run", "demo", "--reason", "x")
	if code != exitFailure || out != "" || !strings.Contains(errs, "only a running cutover pauses") {
		t.Errorf("pause while rolled back: exit %d, stdout %q, stderr %q; want exit 1 saying why", code, out, errs)
	}

	var dec decisionJSON
	if err := json.Unmarshal([]byte(cli.ok("cutover", "resume", "--run", "demo", "--reason", "fixed", "--actor", "bob", "--json")), &dec); err != nil {
		t.Fatalf("resume --json: %v", err)
	}
	if dec.Action != "resume" || dec.To.Percent != 1 || dec.Actor != "bob" || dec.Transition == nil || dec.Transition.Seq != 4 {
		t.Errorf("resume --json = %+v, want resume to 1%% by bob with transition 4", dec)
	}
	var st statusJSON
	if err := json.Unmarshal([]byte(cli.ok("cutover", "status", "--run", "demo", "--json")), &st); err != nil {
		t.Fatalf("status --json: %v", err)
	}
	if st.Phase != "running" || st.Stage != 0 || st.Gate == nil || st.Gate.Verdict != "waiting" || st.Gate.MinPairs != 10 ||
		len(st.Waiting) == 0 || st.LastTransition == nil || st.Plan.Run != "demo" {
		t.Errorf("status --json = %+v, want running at stage 0 with a waiting gate", st)
	}

	// abort asks on a terminal; a wrong answer changes nothing.
	code, out, errs = cli.run(true, "nope\n", "cutover", "abort", "--run", "demo", "--reason", "postponed")
	if code != exitFailure || out != "" || !strings.Contains(errs, "Type the run name to confirm") || !strings.Contains(errs, "not confirmed") {
		t.Errorf("abort answered wrong: exit %d, stdout %q, stderr %q; want the prompt and a refusal", code, out, errs)
	}
	code, out, errs = cli.run(true, "demo\n", "cutover", "abort", "--run", "demo", "--reason", "postponed")
	if code != exitOK || !strings.Contains(out, "abort run demo") || !strings.Contains(out, "aborted") || !strings.Contains(errs, "confirm") {
		t.Errorf("abort confirmed: exit %d, stdout %q, stderr %q", code, out, errs)
	}
	if out := cli.ok("cutover", "abort", "--run", "demo", "--reason", "again", "--yes"); !strings.Contains(out, "already aborted") {
		t.Errorf("abort of an aborted run: stdout %q, want nothing to do", out)
	}

	var history []struct {
		Actor, Action, Reason string
	}
	if err := json.Unmarshal([]byte(cli.ok("cutover", "history", "--run", "demo", "--json")), &history); err != nil {
		t.Fatalf("history --json: %v", err)
	}
	var actions []string
	for _, h := range history {
		actions = append(actions, h.Action)
	}
	want := []string{"abort", "resume", "rollback", "advance", "pause", "start", "apply"}
	if diff := cmp.Diff(want, actions, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("history --json actions, newest first (-want +got):\n%s", diff)
	}
	if out := cli.ok("cutover", "history", "--run", "demo", "--limit", "2"); !strings.Contains(out, "ACTOR") ||
		!strings.Contains(out, "1% running -> 0% aborted") || strings.Count(out, "\n") != 3 {
		t.Errorf("history --limit 2 =\n%s\nwant a header and two rows, the abort's change shown", out)
	}
}
