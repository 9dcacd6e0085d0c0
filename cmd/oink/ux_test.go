package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/loadgen"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// ensureCLIRun creates run (rtcim.v1 against rtcim.v2) in pool's schema.
func ensureCLIRun(t *testing.T, pool *pgxpool.Pool, run string) {
	t.Helper()
	err := diffstore.New(pool).EnsureRun(t.Context(), diffstore.Run{Name: run, ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2",
		RulesName: "rtcim"})
	if err != nil {
		t.Fatal(err)
	}
}

func TestVersionText(t *testing.T) {
	t.Parallel()
	info := &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "github.com/oinkhq/oink", Version: "v1.4.0"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "8cdf928e1b"}, {Key: "vcs.time", Value: "2026-11-02T10:00:00Z"},
			{Key: "vcs.modified", Value: "true"}, {Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"}}}
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"a release build", versionText(info, true),
			"oink v1.4.0 (revision 8cdf928e1b, committed 2026-11-02T10:00:00Z, with uncommitted changes)\nmodule github.com/oinkhq/oink, built with go1.26.8 linux/amd64"},
		{"a build without VCS stamping", versionText(&debug.BuildInfo{Main: debug.Module{Path: "m"}}, true),
			"oink (devel) (no VCS revision recorded)\nmodule m, built with  /"},
		{"no build information", versionText(nil, false), "oink (no build information)"},
	}
	for _, tc := range tests {
		if tc.got != tc.want {
			t.Errorf("%s: versionText = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
}

// TestVersionOfTheBuiltBinary: the binary built from this checkout names
// its module and the revision it was built from.
func TestVersionOfTheBuiltBinary(t *testing.T) {
	t.Parallel()
	out, err := oinkCmd(t, "--version").Output()
	if err != nil {
		t.Fatalf("oink --version: %v", err)
	}
	if s := string(out); !strings.HasPrefix(s, "oink ") || !strings.Contains(s, "module github.com/oinkhq/oink") ||
		(!strings.Contains(s, "revision ") && !strings.Contains(s, "no VCS revision recorded")) {
		t.Errorf("oink --version = %q, want the module and the revision", s)
	}
}

// TestUnknownCommandBeforeFlagErrors: a mistyped command is reported as
// such, with the command it is close to, even when flags follow that the
// mistyped word does not know; a bad flag of a known command is still a
// flag error.
func TestUnknownCommandBeforeFlagErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want []string
	}{
		{[]string{"comapre", "--run", "x"}, []string{`unknown command "comapre" for "oink"`, `did you mean "compare"?`}},
		{[]string{"diffs", "sumary", "--run", "x"}, []string{`unknown command "sumary" for "oink diffs"`, `"summary"`}},
		{[]string{"cutover", "stauts"}, []string{`unknown command "stauts"`, `"status"`}},
		{[]string{"--brokers", "k:9092", "runs", "lsit"}, []string{`unknown command "lsit"`, `"list"`}},
		{[]string{"frobnicate"}, []string{`unknown command "frobnicate"`, "oink --help"}},
		{[]string{"diffs", "summary", "--rn", "x"}, []string{"unknown flag: --rn"}},
	}
	for _, tc := range tests {
		d, out, errb := testDeps(false, nil)
		code := execute(t, d, newRootCmd(d), tc.args...)
		for _, w := range tc.want {
			if code != exitUsage || out.Len() != 0 || !strings.Contains(errb.String(), w) {
				t.Errorf("oink %v: exit %d, stderr %q; want exit 2 and %q", tc.args, code, errb, w)
			}
		}
		if strings.Contains(tc.args[0], "compa") && strings.Contains(errb.String(), "unknown flag") {
			t.Errorf("oink %v reports a flag, not the mistyped command: %q", tc.args, errb)
		}
	}
}

// complete asks the binary for completions as a shell does, and returns
// the candidates.
func complete(t *testing.T, env map[string]string, args ...string) []string {
	t.Helper()
	d, out, errb := testDeps(false, env)
	if code := execute(t, d, newRootCmd(d), append([]string{"__complete"}, args...)...); code != exitOK {
		t.Fatalf("oink __complete %v: exit %d, stderr %s", args, code, errb)
	}
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		if l != "" && !strings.HasPrefix(l, ":") {
			got = append(got, strings.SplitN(l, "\t", 2)[0])
		}
	}
	return got
}

// TestCompletionOfRunNamesAndEnumFlags: --run and RUN arguments complete
// to the runs (and cutovers) in the diffstore named by DATABASE_URL; enum
// flags to their values.
func TestCompletionOfRunNamesAndEnumFlags(t *testing.T) {
	t.Parallel()
	dbURL, pool := pgtest.SchemaURL(t)
	ensureCLIRun(t, pool, "shadow-1")
	ensureCLIRun(t, pool, "staging-7")
	cli := cutoverCLI{t: t, dbURL: dbURL}
	cli.ok("cutover", "apply", "-f", "../../shipped/plans/demo.yaml") // a cutover named demo, no run
	env := map[string]string{"DATABASE_URL": dbURL}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"diffs", "summary", "--run", "sh"}, "shadow-1"},
		{[]string{"cutover", "status", "--run", ""}, "demo shadow-1 staging-7"},
		{[]string{"runs", "delete", "st"}, "staging-7"},
		{[]string{"diffs", "list", "--kind", ""}, "divergent duplicate_candidate duplicate_control missing_in_candidate missing_in_control"},
		{[]string{"report", "--format", ""}, "html markdown"},
		{[]string{"--log-level", ""}, "debug error info warn"},
	}
	for _, tc := range tests {
		got := complete(t, env, tc.args...)
		slices.Sort(got)
		if strings.Join(got, " ") != tc.want {
			t.Errorf("completions of oink %v = %q, want %q", tc.args, got, tc.want)
		}
	}
	d, out, _ := testDeps(false, nil)
	if code := execute(t, d, newRootCmd(d), "completion", "bash"); code != exitOK || !strings.Contains(out.String(), "__complete") {
		t.Errorf("oink completion bash: exit %d, want a script that calls oink __complete", code)
	}
}

// blockWriter collects a watch's output and cancels it after n blocks.
type blockWriter struct {
	mu     sync.Mutex
	b      bytes.Buffer
	sep    string
	n      int
	cancel func()
}

func (w *blockWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.b.Write(p)
	if strings.Count(w.b.String(), w.sep) >= w.n {
		w.cancel()
	}
	return len(p), nil
}

// TestCutoverStatusWatch: --watch shows the status once per interval until
// the context ends (Ctrl-C), then returns without an error: redrawn in
// place on a terminal, one block under a time line otherwise, one JSON
// document per line with --json.
func TestCutoverStatusWatch(t *testing.T) {
	t.Parallel()
	dbURL, _ := pgtest.SchemaURL(t)
	cutoverCLI{t: t, dbURL: dbURL}.ok("cutover", "apply", "-f", "../../shipped/plans/demo.yaml")
	tests := []struct {
		name string
		tty  bool
		json bool
		sep  string
	}{
		{"off a terminal, blocks", false, false, "--- "},
		{"on a terminal, redrawn", true, false, "\033[H\033[2J"},
		{"JSON, one document a line", false, true, `"run":"demo"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			d, _, errb := testDeps(tc.tty, nil)
			w := &blockWriter{sep: tc.sep, n: 3, cancel: cancel}
			d.stdout = w
			o := &cutoverOptions{verb: "status", run: "demo", watch: true, interval: 10 * time.Millisecond, json: tc.json,
				aliveWithin: cutover.DefaultAliveWithin}
			g := &globalOptions{databaseURL: dbURL, logLevel: "warn"}
			if err := setupLogging(g, errb); err != nil {
				t.Fatal(err)
			}
			if err := runCutover(ctx, d, g, o); err != nil {
				t.Fatalf("cutover status --watch ended with %v, want nil at Ctrl-C", err)
			}
			out := w.b.String()
			if n := strings.Count(out, tc.sep); n < 3 || !strings.Contains(out, "demo") {
				t.Errorf("watch wrote %d blocks, want at least 3:\n%q", n, out)
			}
			if tc.json {
				for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
					var st statusJSON
					if err := json.Unmarshal([]byte(l), &st); err != nil || st.Run != "demo" {
						t.Errorf("a line of --watch --json is not a status document: %q (%v)", l, err)
					}
				}
			}
			if !tc.tty && strings.Contains(out, "\033[") {
				t.Errorf("off a terminal the watch wrote escape sequences:\n%q", out)
			}
		})
	}
}

// TestRunsListAndDelete: a finished run shows as finished with its
// cutover phase, a cutover without a run is listed, and runs delete
// removes a run with everything of its cutover, or a cutover alone.
func TestRunsListAndDelete(t *testing.T) {
	t.Parallel()
	dbURL, pool := pgtest.SchemaURL(t)
	cli := cutoverCLI{t: t, dbURL: dbURL}
	ensureCLIRun(t, pool, "demo")
	if _, err := diffstore.New(pool).FinishRun(t.Context(), "demo"); err != nil {
		t.Fatal(err)
	}
	cli.ok("cutover", "apply", "-f", "../../shipped/plans/demo.yaml")
	cli.ok("cutover", "start", "--run", "demo", "--reason", "go")
	plan := strings.ReplaceAll(readFile(t, "../../testdata/plans/example.yaml"), "shadow-2026-11", "plan-only")
	cli.ok("cutover", "apply", "-f", writeTemp(t, "plan.yaml", plan))

	out := cli.ok("runs", "list")
	for _, want := range []string{"finished", "running 1/4 (1%)", "plan-only", "no comparator run", "pending (0%)"} {
		if !strings.Contains(out, want) {
			t.Errorf("runs list lacks %q:\n%s", want, out)
		}
	}
	var listed []runJSON
	if err := json.Unmarshal([]byte(cli.ok("runs", "list", "--json")), &listed); err != nil || len(listed) != 2 {
		t.Fatalf("runs list --json = %v (%v), want 2 runs", listed, err)
	}

	if out := cli.ok("runs", "delete", "plan-only", "--yes"); !strings.Contains(out, "deleted run plan-only") {
		t.Errorf("runs delete of a cutover alone: %q", out)
	}
	if out := cli.ok("runs", "delete", "demo", "--yes"); !strings.Contains(out, "deleted run demo") {
		t.Errorf("runs delete: %q", out)
	}
	if code, _, errs := cli.run(false, "", "cutover", "status", "--run", "demo"); code != exitUsage || !strings.Contains(errs, "no cutover plan") {
		t.Errorf("cutover status after runs delete: exit %d, stderr %q; want the cutover gone", code, errs)
	}
	if out := cli.ok("runs", "list"); strings.Contains(out, "demo") || strings.Contains(out, "plan-only") {
		t.Errorf("runs list after deleting both:\n%s", out)
	}
}

// TestCompareFinishesItsRun: a comparator that stops once idle marks its
// run finished, and runs list says so.
func TestCompareFinishesItsRun(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	dbURL, _ := pgtest.SchemaURL(t)
	cli := cutoverCLI{t: t, dbURL: dbURL}
	code, _, errs := cli.run(false, "", "compare", "--run", "idle-1", "--brokers", strings.Join(env.Brokers, ","), "--control", env.Topic("rtcim.v1"),
		"--candidate", env.Topic("rtcim.v2"), "--group", env.Group("cmp"), "--dlq", "", "--input", env.Topic("orders"),
		"--control-group", env.Group("v1"), "--candidate-group", env.Group("v2"), "--stop-when-idle", "300ms", "--window", "1s", "--partitions", "2")
	if code != exitOK {
		t.Fatalf("compare: exit %d, stderr %s", code, errs)
	}
	if out := cli.ok("runs", "list"); !strings.Contains(out, "idle-1") || !strings.Contains(out, "finished") {
		t.Errorf("runs list after a comparator stopped idle:\n%s", out)
	}
}

// TestLoadgenProgressLine: percent, rate and time left; the line is
// cleared when the work ends.
func TestLoadgenProgressLine(t *testing.T) {
	t.Parallel()
	got := loadgenProgress(loadgen.Summary{Events: 12345, PerSecond: 5000}, 100000, "orders")
	if want := "loadgen: 12,345 of 100,000 events (12.35%) to orders · 5,000/s · 18s left"; got != want {
		t.Errorf("loadgenProgress = %q, want %q", got, want)
	}
	d, _, errb := testDeps(true, nil)
	p := newProgress(d, false)
	p.Update("%s", got)
	p.Done()
	if s := errb.String(); !strings.HasSuffix(s, "\r\033[K") || strings.HasSuffix(s, "\n") {
		t.Errorf("progress on a terminal = %q, want the line cleared at the end", s)
	}
}

// TestProducerCountsSayWhereBadInputWent: with a DLQ the counts name it;
// without one (the v1 simulator's default) bad input was dropped, not
// dead-lettered.
func TestProducerCountsSayWhereBadInputWent(t *testing.T) {
	t.Parallel()
	st := producer.Stats{EventsIn: 100000, RecordsOut: 98765, DeadLetter: 1235, ByCode: map[string]int64{"oink.BadJSON": 1235}}
	var b bytes.Buffer
	printProducerStats(&b, "v1", "", st)
	if s := b.String(); strings.Contains(s, "dead letter") || !strings.Contains(s, "1,235 bad inputs dropped (no --dlq)") ||
		!strings.Contains(s, "100,000 events in") {
		t.Errorf("v1 without a DLQ:\n%s", s)
	}
	b.Reset()
	printProducerStats(&b, "v2", "orders.dlq", st)
	if s := b.String(); !strings.Contains(s, "1,235 dead letters to orders.dlq") {
		t.Errorf("v2 with a DLQ:\n%s", s)
	}
}

// TestSwitchReportUsesThousandsSeparators: the exit report spells its
// counts one way.
func TestSwitchReportUsesThousandsSeparators(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	printSwitchReport(&b, "r", cutover.SwitchReport{Totals: cutover.SwitchTotals{Forwarded: [2]int64{1234567, 89},
		Duplicates: [2]int64{1200, 0}, Keyless: [2]int64{0, 4321}}})
	if s := b.String(); !strings.Contains(s, "forwarded 1,234,656 (v1 1,234,567, v2 89)") || !strings.Contains(s, "1,200 (v1 1,200, v2 0)") ||
		!strings.Contains(s, "keyless:             4,321 (v1 0, v2 4,321)") {
		t.Errorf("switch report:\n%s", s)
	}
}

// TestSIGTERMSaysInterrupted: loadgen stopped by SIGTERM mid-way says
// "interrupted" and exits 130, never "context canceled".
func TestSIGTERMSaysInterrupted(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	topic := env.Topic("orders")
	cmd := oinkCmd(t, "loadgen", "--brokers", strings.Join(env.Brokers, ","), "--topic", topic, "--count", "1000000",
		"--rate", "200", "--partitions", "1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kafkatest.WaitFor(t, 30*time.Second, "loadgen's first events", func() bool { return len(env.ReadAll(topic)) > 0 })
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != exitInterrupted || !strings.Contains(stderr.String(), "oink: interrupted") ||
		strings.Contains(stderr.String(), "context canceled") {
		t.Errorf("loadgen after SIGTERM: %v, stderr %q; want exit 130 and \"interrupted\"", err, stderr.String())
	}
}

// readFile returns the file's text.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// writeTemp writes text to a file named name in a temporary directory and
// returns its path.
func writeTemp(t *testing.T, name, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}
