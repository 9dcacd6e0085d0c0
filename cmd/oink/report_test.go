package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/pgtest"
	"github.com/segmentio/kafka-go"
)

func TestReportFlagsAndEnvironmentTwins(t *testing.T) {
	t.Parallel()
	dlqs := []string{"orders.dlq", "rtcim.compare.dlq"}
	checkFlagCases(t, newReportCmd, []string{"report"}, []flagCase[reportOptions]{
		{"defaults: html, both DLQs, ten paths", []string{"--run", "r"}, nil,
			reportOptions{run: "r", format: "html", dlq: dlqs, top: 10}},
		{"-o and --format set the output", []string{"--run", "r", "-o", "-", "--format", "markdown"}, nil,
			reportOptions{run: "r", out: "-", format: "markdown", dlq: dlqs, top: 10, formatSet: true}},
		{"an -o ending in .md means markdown", []string{"--run", "r", "-o", "t.md"}, nil,
			reportOptions{run: "r", out: "t.md", format: "markdown", dlq: dlqs, top: 10}},
		{"an explicit --format wins over -o's extension", []string{"--run", "r", "-o", "t.md", "--format", "html"}, nil,
			reportOptions{run: "r", out: "t.md", format: "html", dlq: dlqs, top: 10, formatSet: true}},
		{"--dlq '' reads no dead letters", []string{"--run", "r", "--dlq", ""}, nil,
			reportOptions{run: "r", format: "html", top: 10}},
		{"OINK_RUN, OINK_REPORT_FORMAT and OINK_DLQ set their flags", nil,
			map[string]string{"OINK_RUN": "env", "OINK_REPORT_FORMAT": "md", "OINK_DLQ": "a.dlq,b.dlq", "OINK_REPORT_OUTPUT": "x.md"},
			reportOptions{run: "env", out: "x.md", format: "markdown", dlq: []string{"a.dlq", "b.dlq"}, top: 10, formatSet: true}},
	})
}

func TestReportUsageErrorsNameTheFlag(t *testing.T) {
	t.Parallel()
	checkUsageCases(t, nil, []usageCase{
		{"no run", []string{"report"}, "--run"},
		{"an unknown format", []string{"report", "--run", "r", "--format", "pdf"}, "--format"},
		{"no path", []string{"report", "--run", "r", "--top", "0"}, "--top"},
	})
}

// reportEnv is a store with one small run and a broker with one dead
// letter, for running `oink report` against.
type reportEnv struct {
	t       *testing.T
	dbURL   string
	brokers string
	dlq     string
}

func newReportEnv(t *testing.T) reportEnv {
	t.Helper()
	dbURL, pool := pgtest.SchemaURL(t)
	st := diffstore.New(pool)
	ctx := t.Context()
	at := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	if err := st.EnsureRun(ctx, diffstore.Run{Name: "r1", ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2"}); err != nil {
		t.Fatal(err)
	}
	cp, err := st.ClaimPartition(ctx, "r1", 0, "c")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CommitBatch(ctx, diffstore.CommitBatch{Run: "r1", Partition: 0, Epoch: cp.Epoch, Counts: []diffstore.MinuteCounts{{
		Minute: at, Counts: diffstore.Counts{ReadControl: 5, ReadCandidate: 5, Pairs: 5, Equal: 4, Divergent: 1}}},
		Divergences: []diffstore.Divergence{{Identity: "O-1|E-1", Kind: diffstore.KindDivergent, EventTime: at,
			Control: []byte(`{"net": 1}`), Candidate: []byte(`{"net": 2}`),
			Diff: []diffstore.FieldDiff{{Path: "net", Control: []byte("1"), Candidate: []byte("2")}}}}}); err != nil {
		t.Fatal(err)
	}
	env := kafkatest.New(t)
	dlq := env.Topic("orders.dlq")
	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	m := kafka.Message{Topic: "orders", Key: []byte("O-9"), Value: []byte("{}"), Time: at}
	ie := &oink.InputError{Code: oink.CodeUnknownTimeZone, Stage: oink.StageTransformation, Field: "order.store_timezone", Msg: "bad zone"}
	if err := w.WriteMessages(ctx, deadletter.Record(m, dlq, "oink-v2", ie, at)); err != nil {
		t.Fatal(err)
	}
	return reportEnv{t: t, dbURL: dbURL, brokers: strings.Join(env.Brokers, ","), dlq: dlq}
}

// run runs oink report with args against the env; it returns the exit
// code, stdout and stderr.
func (e reportEnv) run(args ...string) (int, string, string) {
	e.t.Helper()
	d, out, errb := testDeps(false, nil)
	base := []string{"report", "--database-url", e.dbURL, "--brokers", e.brokers, "--dlq", e.dlq, "--log-level", "warn"}
	code := execute(e.t, d, newRootCmd(d), append(base, args...)...)
	return code, out.String(), errb.String()
}

// TestReportOutput: where each format goes, what stdout and stderr say, and
// an unknown run's error.
func TestReportOutput(t *testing.T) {
	t.Parallel()
	e := newReportEnv(t)
	dir := t.TempDir()

	code, out, errs := e.run("--run", "r1", "--format", "markdown")
	if code != exitOK || errs != "" || !strings.Contains(out, "# Shadow run report: r1") ||
		!strings.Contains(out, "| oink.UnknownTimeZone | order.store_timezone | 1 |") || !strings.Contains(out, "`1` | `2`") {
		t.Errorf("markdown to stdout: exit %d, stderr %q, stdout:\n%s\nwant the report with its dead letter and example pair", code, errs, out)
	}

	page := filepath.Join(dir, "r1.html")
	code, out, errs = e.run("--run", "r1", "-o", page)
	body, err := os.ReadFile(page)
	if code != exitOK || out != "" || !strings.Contains(errs, "wrote the html report of run r1 to "+page) ||
		err != nil || !strings.HasPrefix(string(body), "<!DOCTYPE html>") || !strings.Contains(string(body), `<svg data-chart="divergence"`) {
		t.Errorf("html to -o: exit %d, stdout %q, stderr %q, file error %v; want the page in %s and its path on stderr", code, out, errs, err, page)
	}

	missing := filepath.Join(dir, "nope.html")
	code, out, errs = e.run("--run", "nope", "-o", missing)
	if _, err := os.Stat(missing); code != exitUsage || out != "" || !strings.Contains(errs, `run "nope" not found: list runs with oink runs list`) || err == nil {
		t.Errorf("unknown run: exit %d, stdout %q, stderr %q, file %v; want exit 2 (as every command given an unknown run) naming oink runs list and no file", code, out, errs, err)
	}
}

// TestReportDefaultFileName: html without -o goes to report-RUN.html in the
// working directory, the run's name made safe for a file name.
func TestReportDefaultFileName(t *testing.T) {
	e := newReportEnv(t)
	t.Chdir(t.TempDir())
	code, _, errs := e.run("--run", "r1")
	if _, err := os.Stat("report-r1.html"); code != exitOK || err != nil || !strings.Contains(errs, "to report-r1.html") {
		t.Errorf("oink report --run r1: exit %d, stderr %q, file %v; want report-r1.html", code, errs, err)
	}
	if got := fileSafe("team/run 1"); got != "team_run_1" {
		t.Errorf("fileSafe(%q) = %q, want %q", "team/run 1", got, "team_run_1")
	}
}

// TestReportUnreachableBrokersNameTheFix: a DLQ that cannot be read fails
// the report with the flags to fix, and writes no file.
func TestReportUnreachableBrokersNameTheFix(t *testing.T) {
	t.Parallel()
	e := newReportEnv(t)
	e.brokers = "127.0.0.1:1"
	page := filepath.Join(t.TempDir(), "r1.html")
	code, _, errs := e.run("--run", "r1", "-o", page)
	if _, err := os.Stat(page); code != exitFailure || !strings.Contains(errs, "--brokers") || !strings.Contains(errs, "--dlq ''") || err == nil {
		t.Errorf("unreachable brokers: exit %d, stderr %q, file %v; want exit 1 naming --brokers and --dlq '' and no file", code, errs, err)
	}
}
