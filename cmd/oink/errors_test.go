package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/oinkhq/oink/testkit/pgtest"
)

// closedPort returns a 127.0.0.1 address nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return addr
}

// driverWords are what a person must never read in an error: the
// database driver's and the Kafka client's own texts.
var driverWords = []string{"no rows in result set", "not a client facing error", "kafka.(*Client)", "failed to connect to `",
	"SQLSTATE", "context canceled"}

func assertNoDriverWords(t *testing.T, what, stderr string) {
	t.Helper()
	for _, w := range driverWords {
		if strings.Contains(stderr, w) {
			t.Errorf("%s: stderr shows driver text %q: %s", what, w, stderr)
		}
	}
}

// TestUnknownRunIsNamedWithTheFixEverywhere: every command given a run
// that does not exist says which run and how to find the right name (or
// how to give it a cutover), exits 2, and shows no driver text.
func TestUnknownRunIsNamedWithTheFixEverywhere(t *testing.T) {
	t.Parallel()
	dbURL, _ := pgtest.SchemaURL(t)
	cli := cutoverCLI{t: t, dbURL: dbURL}
	tests := []struct {
		args []string
		fix  string
	}{
		{[]string{"diffs", "summary", "--run", "nope"}, "oink runs list"},
		{[]string{"diffs", "list", "--run", "nope"}, "oink runs list"},
		{[]string{"diffs", "paths", "--run", "nope"}, "oink runs list"},
		{[]string{"diffs", "show", "O1|E1", "--run", "nope"}, "oink runs list"},
		{[]string{"runs", "show", "nope"}, "oink runs list"},
		{[]string{"runs", "delete", "nope", "--yes"}, "oink runs list"},
		{[]string{"report", "--run", "nope", "--dlq", ""}, "oink runs list"},
		{[]string{"cutover", "status", "--run", "nope"}, "oink cutover apply"},
		{[]string{"cutover", "history", "--run", "nope"}, "oink cutover apply"},
		{[]string{"cutover", "start", "--run", "nope"}, "oink cutover apply"},
		{[]string{"cutover", "pause", "--run", "nope", "--reason", "x"}, "oink cutover apply"},
		{[]string{"cutover", "abort", "--run", "nope", "--reason", "x", "--yes"}, "oink cutover apply"},
	}
	for _, tc := range tests {
		code, out, errs := cli.run(false, "", tc.args...)
		if code != exitUsage || out != "" || !strings.Contains(errs, `"nope"`) || !strings.Contains(errs, tc.fix) {
			t.Errorf("oink %v: exit %d, stdout %q, stderr %q; want exit 2 naming the run and %q", tc.args, code, out, errs, tc.fix)
		}
		assertNoDriverWords(t, strings.Join(tc.args, " "), errs)
	}
}

// TestDiffsShowOfAnUnknownIdentityNamesIt: a run that exists but has no
// divergence of the identity says so, and how to list them.
func TestDiffsShowOfAnUnknownIdentityNamesIt(t *testing.T) {
	t.Parallel()
	dbURL, pool := pgtest.SchemaURL(t)
	ensureCLIRun(t, pool, "shadow-1")
	cli := cutoverCLI{t: t, dbURL: dbURL}
	code, _, errs := cli.run(false, "", "diffs", "show", "O9|E9", "--run", "shadow-1")
	if code != exitUsage || !strings.Contains(errs, `"O9|E9"`) || !strings.Contains(errs, "oink diffs list --run shadow-1") {
		t.Errorf("diffs show of an unknown identity: exit %d, stderr %q", code, errs)
	}
	assertNoDriverWords(t, "diffs show", errs)
}

// TestConnectionErrorsNameTheAddressOnce: a Postgres or a Kafka that does
// not answer is named by host:port once, with the fix, in words of ours.
func TestConnectionErrorsNameTheAddressOnce(t *testing.T) {
	t.Parallel()
	pgAddr, kafkaAddr := closedPort(t), closedPort(t)
	tests := []struct {
		name string
		args []string
		addr string
		fix  string
	}{
		{"a database that refuses", []string{"runs", "list", "--database-url", "postgres://oink@" + pgAddr + "/oink?sslmode=disable"},
			pgAddr, "DATABASE_URL"},
		{"a broker that refuses, creating topics", []string{"loadgen", "--count", "1", "--brokers", kafkaAddr}, kafkaAddr, "--brokers"},
		{"a broker that refuses, reading", []string{"dlq", "list", "--brokers", kafkaAddr}, kafkaAddr, "--brokers"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			d, out, errb := testDeps(false, nil)
			err := executeArgs(t, d, tc.args...)
			code := exitCode(err, nil, d.stderr)
			errs := errb.String()
			if code != exitFailure || out.Len() != 0 || strings.Count(errs, tc.addr) != 1 || !strings.Contains(errs, tc.fix) {
				t.Errorf("oink %v: exit %d, stderr %q; want exit 1 naming %s once and %s", tc.args, code, errs, tc.addr, tc.fix)
			}
			assertNoDriverWords(t, tc.name, errs)
		})
	}
}

// executeArgs runs the whole command line as main does (broker errors
// named once), with the test's log level kept quiet.
func executeArgs(t *testing.T, d deps, args ...string) error {
	t.Helper()
	root, g := newRoot(d)
	root.SetArgs(append(args, "--log-level", "error"))
	return asBrokerError(root.ExecuteContext(t.Context()), g.brokers)
}

// TestTheSameMistakeHasTheSameExitCode: a rules or plan file that is not
// there, or not valid, is a usage error (exit 2) in every command that
// reads one, the demo included, and the error names the flag.
func TestTheSameMistakeHasTheSameExitCode(t *testing.T) {
	t.Parallel()
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("name: x\naccept: [{name: a}]\nbogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"compare", "--run", "r", "--rules", "nowhere.yaml"}, "--rules"},
		{[]string{"demo", "--no-tui", "--rules", "nowhere.yaml"}, "--rules"},
		{[]string{"demo", "--no-tui", "--plan", "nowhere.yaml"}, "--plan"},
		{[]string{"switch", "--run", "r", "--rules", "nowhere.yaml"}, "--rules"},
		{[]string{"bench", "comparator", "--rules", "nowhere.yaml"}, "--rules"},
		{[]string{"cutover", "apply", "-f", "nowhere.yaml"}, "--file"},
		{[]string{"compare", "--run", "r", "--rules", bad}, bad},
		{[]string{"demo", "--no-tui", "--rules", bad}, bad},
	}
	for _, tc := range tests {
		d, out, errb := testDeps(false, nil)
		code := execute(t, d, newRootCmd(d), append(tc.args, "--log-level", "error")...)
		if code != exitUsage || out.Len() != 0 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("oink %v: exit %d, stdout %q, stderr %q; want exit 2 naming %s", tc.args, code, out, errb, tc.want)
		}
	}
}

// TestSignalsSayInterrupted: a command ended by Ctrl-C or SIGTERM before
// its work was done says "interrupted", never "context canceled", and
// exits 130; a service that finished its work in hand after SIGTERM
// exits 0 and says nothing.
func TestSignalsSayInterrupted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		err    error
		sig    os.Signal
		code   int
		stderr string
	}{
		{"SIGTERM ending the work early", fmt.Errorf("writing orders: %w", context.Canceled), syscall.SIGTERM, exitInterrupted, "oink: interrupted\n"},
		{"SIGTERM after a clean stop", nil, syscall.SIGTERM, exitOK, ""},
		{"Ctrl-C", nil, os.Interrupt, exitInterrupted, "oink: interrupted\n"},
		{"Ctrl-C ending the work early", context.Canceled, os.Interrupt, exitInterrupted, "oink: interrupted\n"},
		{"a real failure during shutdown is shown", errors.New("commit offsets: broker gone"), syscall.SIGTERM, exitInterrupted,
			"oink: commit offsets: broker gone\n"},
		{"no signal, a usage error", usageError{errors.New("--x")}, nil, exitUsage, "oink: --x\n"},
	}
	for _, tc := range tests {
		var b bytes.Buffer
		if code := exitCode(tc.err, tc.sig, &b); code != tc.code || b.String() != tc.stderr {
			t.Errorf("%s: exitCode = %d, stderr %q; want %d, %q", tc.name, code, b.String(), tc.code, tc.stderr)
		}
	}
}
