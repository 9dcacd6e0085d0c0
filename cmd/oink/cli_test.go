package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/spf13/cobra"
	"github.com/twmb/franz-go/pkg/kerr"

	"github.com/oinkhq/oink/internal/human"
	"github.com/oinkhq/oink/testkit/kafkatest"
)

// execute runs a root command with args and returns the exit code.
func execute(t *testing.T, d deps, root interface {
	SetArgs([]string)
	ExecuteContext(context.Context) error
}, args ...string) int {
	t.Helper()
	root.SetArgs(args)
	return exitCode(root.ExecuteContext(t.Context()), nil, d.stderr)
}

func TestProduceFlagsAndEnvironmentTwins(t *testing.T) {
	t.Parallel()
	checkOptionCases(t, newProduceCmd, []string{"produce"}, []optionCase[producerOptions]{
		{"defaults are v2's topics and group", nil, nil,
			func(o *producerOptions) bool {
				return o.from == "orders" && o.to == "rtcim.v2" && o.dlq == "orders.dlq" && o.group == "oink-v2"
			}},
		{"a flag sets its option", []string{"--stop-when-idle", "3s", "--group", "g"}, nil,
			func(o *producerOptions) bool { return o.stopWhenIdle == 3*time.Second && o.group == "g" }},
		{"OINK_<FLAG> sets an option", nil, map[string]string{"OINK_STOP_WHEN_IDLE": "4s"},
			func(o *producerOptions) bool { return o.stopWhenIdle == 4*time.Second }},
		{"OINK_<COMMAND>_<FLAG> wins over OINK_<FLAG>", nil, map[string]string{"OINK_GROUP": "a", "OINK_PRODUCE_GROUP": "b"},
			func(o *producerOptions) bool { return o.group == "b" }},
		{"a flag wins over its environment twin", []string{"--group", "flag"}, map[string]string{"OINK_GROUP": "env"},
			func(o *producerOptions) bool { return o.group == "flag" }},
		{"the future skew defaults to oink.DefaultMaxFutureSkew", nil, nil,
			func(o *producerOptions) bool { return o.maxFutureSkew == oink.DefaultMaxFutureSkew }},
		{"OINK_MAX_FUTURE_SKEW sets the future skew", nil, map[string]string{"OINK_MAX_FUTURE_SKEW": "90s"},
			func(o *producerOptions) bool { return o.maxFutureSkew == 90*time.Second }},
	})
}

func TestUsageErrorsNameTheFlag(t *testing.T) {
	t.Parallel()
	checkUsageCases(t, nil, []usageCase{
		{"an unknown flag is a usage error", []string{"produce", "--frm", "x"}, "--frm"},
		{"a bad duration is a usage error", []string{"produce", "--stop-when-idle", "soon"}, "stop-when-idle"},
		{"a batch size out of range names the flag", []string{"produce", "--batch-size", "0"}, "--batch-size"},
		{"an unknown fault names the fault", []string{"legacy", "--faults", "flood=0.1"}, "flood"},
		{"an invalid ratio over 1 names the flag", []string{"loadgen", "--invalid-ratio", "2"}, "--invalid-ratio"},
		{"a negative future ratio names the flag", []string{"loadgen", "--future-ratio", "-0.1"}, "--future-ratio"},
		{"a zero future skew names the flag", []string{"produce", "--max-future-skew", "0s"}, "--max-future-skew"},
		{"a negative future skew of the v1 simulator names the flag", []string{"legacy", "--max-future-skew", "-1m"}, "--max-future-skew"},
		{"a bad start time names the flag", []string{"loadgen", "--start", "tomorrow"}, "--start"},
		{"a stray argument is a usage error", []string{"produce", "extra"}, "unknown command"},
		{"an unknown command is a usage error", []string{"frobnicate"}, "frobnicate"},
		{"a bad log level names the flag", []string{"--log-level", "loud", "dlq", "list"}, "--log-level"},
		{"an uncreatable CPU profile names the flag", []string{"--cpuprofile", "/nonexistent/dir/cpu.pprof", "dlq", "list"}, "--cpuprofile"},
		{"an uncreatable heap profile names the flag", []string{"--memprofile", "/nonexistent/dir/heap.pprof", "dlq", "list"}, "--memprofile"},
		{"a bad pprof address names the flag", []string{"--pprof", "nohost:notaport", "dlq", "list"}, "--pprof"},
		{"replaying a DLQ into itself is refused", []string{"dlq", "replay", "--to", "orders.dlq"}, "--from"},
		{"an unknown live partitioning names the flag", []string{"switch", "--run", "r", "--live-partitioning", "sideways"}, "--live-partitioning"},
	})
	t.Run("a bad environment twin names the variable and the flag", func(t *testing.T) {
		t.Parallel()
		checkUsageError(t, map[string]string{"OINK_BATCH_SIZE": "many"}, "OINK_BATCH_SIZE", "produce")
	})
}

// TestSwitchLivePartitioningFlagAndTwin: --live-partitioning defaults to
// source (each record on its version's partition: the refusal of another
// count stays the default), and OINK_LIVE_PARTITIONING or
// OINK_SWITCH_LIVE_PARTITIONING sets it.
func TestSwitchLivePartitioningFlagAndTwin(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{nil, nil, "source"},
		{[]string{"--live-partitioning", "key"}, nil, "key"},
		{nil, map[string]string{"OINK_LIVE_PARTITIONING": "key"}, "key"},
		{nil, map[string]string{"OINK_SWITCH_LIVE_PARTITIONING": "key"}, "key"},
	} {
		got := parsedOptions(t, tc.env, newSwitchCmd, append([]string{"switch"}, tc.args...)...)
		if got.livePartitioning != tc.want {
			t.Errorf("oink switch %v with env %v: --live-partitioning %q, want %q", tc.args, tc.env, got.livePartitioning, tc.want)
		}
	}
}

// TestLoadgenThenProduceOutput runs loadgen and produce as a user would,
// checking stdout (data) and stderr (progress) apart, off a terminal.
func TestLoadgenThenProduceOutput(t *testing.T) {
	env := kafkatest.New(t)
	orders, out, dlq := env.Topic("orders"), env.Topic("rtcim.v2"), env.Topic("orders.dlq")
	brokers := strings.Join(env.Brokers, ",")

	d, stdout, stderr := testDeps(false, nil)
	if code := execute(t, d, newRootCmd(d), "loadgen", "--brokers", brokers, "--topic", orders, "--count", "3000",
		"--invalid-ratio", "0.05", "--seed", "9", "--start", "2026-03-08T06:00:00Z", "--step", "1s", "--json"); code != exitOK {
		t.Fatalf("loadgen: exit %d, stderr %s", code, stderr)
	}
	var sum struct {
		Events  int            `json:"events"`
		Valid   int            `json:"valid"`
		Invalid map[string]int `json:"invalidByKind"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &sum); err != nil || sum.Events != 3000 || sum.Valid >= 3000 {
		t.Fatalf("loadgen --json stdout = %s (%v)", stdout, err)
	}
	if !strings.Contains(stderr.String(), "loadgen:") || strings.Contains(stderr.String(), "\r") {
		t.Errorf("off a terminal, progress should be plain lines on stderr, got %q", stderr)
	}

	d, stdout, stderr = testDeps(false, nil)
	if code := execute(t, d, newRootCmd(d), "produce", "--brokers", brokers, "--from", orders, "--to", out, "--dlq", dlq,
		"--group", env.Group("v2"), "--stop-when-idle", "1s", "--log-level", "warn"); code != exitOK {
		t.Fatalf("produce: exit %d, stderr %s", code, stderr)
	}
	want := "v2: 3,000 events in, " + human.Count(sum.Valid) + " records out, " + human.Count(3000-sum.Valid) + " dead letters to " + dlq
	if !strings.HasPrefix(stdout.String(), want) {
		t.Errorf("produce stdout = %q, want it to start with %q", stdout, want)
	}

	d, stdout, stderr = testDeps(false, nil)
	if code := execute(t, d, newRootCmd(d), "dlq", "list", "--brokers", brokers, "--topic", dlq, "--limit", "0", "--json"); code != exitOK {
		t.Fatalf("dlq list: exit %d, stderr %s", code, stderr)
	}
	var letters []struct {
		ErrorClass string `json:"errorClass"`
		Message    string `json:"message"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &letters); err != nil || len(letters) != 3000-sum.Valid {
		t.Fatalf("dlq list --json: %d letters (%v), want %d", len(letters), err, 3000-sum.Valid)
	}
	for _, l := range letters {
		if !strings.HasPrefix(l.ErrorClass, "oink.") || !strings.Contains(l.Message, ":") {
			t.Errorf("dead letter without a class or a field: %+v", l)
		}
	}

	d, stdout, _ = testDeps(false, nil)
	if code := execute(t, d, newRootCmd(d), "dlq", "replay", "--brokers", brokers, "--from", dlq, "--to", orders,
		"--error-class", "oink.BadJSON", "--dry-run"); code != exitOK || !strings.Contains(stdout.String(), "would replay") {
		t.Errorf("dlq replay --dry-run: exit %d, stdout %q", code, stdout)
	}
}

// TestProduceExitsOnAPermanentWriteError: a v2 whose every write is
// refused for good (not authorized) does not wedge retrying: it logs the
// topic and the cause once at error level and exits 1, batch run or not.
func TestProduceExitsOnAPermanentWriteError(t *testing.T) {
	env := kafkatest.New(t)
	orders, out := env.Topic("orders"), env.Topic("rtcim.v2")
	brokers := strings.Join(env.Brokers, ",")
	d, _, stderr := testDeps(false, nil)
	if code := execute(t, d, newRootCmd(d), "loadgen", "--brokers", brokers, "--topic", orders, "--count", "100"); code != exitOK {
		t.Fatalf("loadgen: exit %d, stderr %s", code, stderr)
	}
	env.RefuseProduce(kerr.TopicAuthorizationFailed.Code)
	for _, idle := range []string{"--stop-when-idle=1s", "--stop-when-idle=0s"} {
		d, stdout, stderr := testDeps(false, nil)
		code := execute(t, d, newRootCmd(d), "produce", "--brokers", brokers, "--from", orders, "--to", out, "--dlq", env.Topic("orders.dlq"),
			"--group", env.Group("v2"+idle), idle, "--log-level", "warn", "--log-format", "json")
		var errorLines int
		for _, line := range strings.Split(stderr.String(), "\n") {
			if strings.Contains(line, `"level":"ERROR"`) && strings.Contains(line, `"topic":"`+out+`"`) && strings.Contains(line, "Authorization") {
				errorLines++
			}
		}
		if code != exitFailure || errorLines != 1 || stdout.Len() != 0 {
			t.Errorf("produce %s with every write refused: exit %d, %d error-level lines naming %s, stdout %q; want exit 1 and one line\nstderr: %s",
				idle, code, errorLines, out, stdout, stderr)
		}
	}
}

// TestNoHelpShowsAPasswordInAURL: no command's help (text, examples or
// flag usage) teaches putting a password in a database URL.
func TestNoHelpShowsAPasswordInAURL(t *testing.T) {
	t.Parallel()
	withPassword := regexp.MustCompile(`://[^/@\s:]+:[^/@\s]+@`)
	d, _, _ := testDeps(false, nil)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		text := c.Long + "\n" + c.Example + "\n" + c.Flags().FlagUsages() + c.PersistentFlags().FlagUsages()
		if m := withPassword.FindString(text); m != "" {
			t.Errorf("%s: help shows a password in a URL: %q", c.CommandPath(), m)
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd(d))
}
