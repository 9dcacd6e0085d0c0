package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/golden"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/pgtest"
	"github.com/oinkhq/oink/tools/demo"
)

// fixtureDemo is a demo's summary as a run with one rollback ends.
func fixtureDemo() demo.Summary {
	at := time.Date(2026, 12, 5, 12, 24, 30, 0, time.Local)
	checks := []demo.Check{
		{Name: "the story ran to its end", OK: true, Detail: "10 cutover changes"},
		{Name: "invariant 1: every upstream event is an RTCIM on rtcim.v2 or a dead letter, never both", OK: true, Detail: "53,450 events: 53,186 RTCIMs, 264 dead letters"},
		{Name: "the cutover ended promoted at 100%", OK: true, Detail: "promoted at 100%, stage 4/4"},
	}
	return demo.Summary{Run: "demo-20261205-122416", Seconds: 55.2, Events: 53450,
		Producer: producer.Accounting{Upstream: 53450, Produced: 53186, DeadLetters: 264},
		Comparator: demo.ComparatorTotals{Pairs: 53133, Equal: 52988, Identical: 50892, Equivalent: 2023, Accepted: 73,
			AcceptedByRule: map[string]int64{"v1-half-up-rounding": 34, "v1-utc-business-date": 40}, Divergent: 145,
			MissingControl: 53, DuplicatesV1: 59, Accounting: true},
		Live:           cutover.LiveReport{Live: 53155, FromV1: 37060, FromV2: 16095, Expected: 53155, OwnerLack: 31},
		Downstream:     demo.Downstream{LiveRecords: 53155, CanTell: 0, IdenticalPairs: 50892.0 / 53133},
		Rollbacks:      1,
		RollbackEvents: []demo.Rollback{{At: at, FromStage: 3, FromPercent: 50, By: "oink-demo:controller", Reason: "gate: divergence: 145 divergent and 0 missing in candidate in the stage's window (policy: rollback)", Cause: "v1's fault: act 2 made v1 leave shipping out of its totals; v2 was right"}},
		Stages:         []string{"pending", "1%", "10%", "50%", "rolled back to 0%", "1%", "10%", "50%", "100%", "promoted at 100%"},
		Final:          demo.Final{Stage: 4, Stages: 4, Phase: cutover.Promoted, Percent: 100},
		Checks:         checks, OK: true,
	}
}

// TestDemoSummaryExplainsEveryTerm: the summary prints no Go value, says
// what each count is, agrees with itself and with the JSON, wraps to 80
// columns, and ends with the downstream criterion and its figure.
func TestDemoSummaryExplainsEveryTerm(t *testing.T) {
	t.Parallel()
	s := fixtureDemo()
	var b bytes.Buffer
	writeDemoSummary(&b, s, "/tmp/oink-demo.log")
	out := b.String()
	golden.RequireEqual(t, out)

	if goValue := regexp.MustCompile(`map\[|\{[A-Z][a-zA-Z]*:|\[[a-z]+ at \d`); goValue.MatchString(out) {
		t.Errorf("the summary prints a Go value (%q):\n%s", goValue.FindString(out), out)
	}
	for _, l := range strings.Split(out, "\n") {
		if w := len([]rune(l)); w > 80 {
			t.Errorf("line wider than 80 columns (%d): %q", w, l)
		}
	}
	flat := strings.Join(strings.Fields(out), " ")
	for _, want := range []string{
		"53,450 upstream events", "53,450 order events on orders", // one number for the events
		"identities the owning version never produced (v1's drops)", // OwnerLack, explained
		"missing in control: v1's drops",
		"ended promoted at stage 4/4 (100%)",
		"downstream can tell: 0 of 53,155 live records; identical pairs 95.78%",
		"v1's fault", "pending → 1% → 10% → 50% → rolled back to 0% →",
	} {
		if !strings.Contains(flat, want) {
			t.Errorf("the summary lacks %q:\n%s", want, out)
		}
	}
	var j struct {
		Events   int `json:"events"`
		Producer struct {
			Upstream int `json:"upstream"`
		} `json:"producer"`
		Final struct {
			Stage, Stages int
		} `json:"final"`
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &j); err != nil {
		t.Fatal(err)
	}
	if j.Events != j.Producer.Upstream || j.Final.Stage != 4 || j.Final.Stages != 4 {
		t.Errorf("JSON events %d, upstream %d, final stage %d/%d; want events = upstream and stage 4/4 as the text says",
			j.Events, j.Producer.Upstream, j.Final.Stage, j.Final.Stages)
	}
}

// TestDemoSummaryWhenTheLiveCheckFailed: the downstream figure is unknown,
// never 0, when invariant 4 failed.
func TestDemoSummaryWhenTheLiveCheckFailed(t *testing.T) {
	t.Parallel()
	s := fixtureDemo()
	s.Downstream.CanTell = -1
	if got := downstreamLine(s); !strings.Contains(got, "downstream can tell: unknown") {
		t.Errorf("downstreamLine = %q, want it unknown", got)
	}
}

// cancelOn is a writer that cancels a context once what it was written
// contains a text.
type cancelOn struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	text   string
	cancel context.CancelFunc
}

func (w *cancelOn) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	n, err := w.buf.Write(p)
	if strings.Contains(w.buf.String(), w.text) {
		w.cancel()
	}
	return n, err
}

func (w *cancelOn) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// TestDemoInterruptedPrintsInterruptedAndNoChecks: a demo interrupted in
// its first act prints "interrupted" and no check result, and exits 130.
func TestDemoInterruptedPrintsInterruptedAndNoChecks(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the demo's pipeline")
	}
	t.Parallel()
	url, _ := pgtest.SchemaURL(t)
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	d, out, _ := testDeps(false, nil)
	errw := &cancelOn{text: "act 1:", cancel: cancel}
	d.stderr = errw
	g := &globalOptions{databaseURL: url, logLevel: "warn", log: slog.New(slog.DiscardHandler)}
	err := runDemo(ctx, d, g, &demoOptions{noTUI: true, rate: 500, rules: "../../shipped/rules/rtcim.yaml", plan: "../../shipped/plans/demo.yaml"})
	if code := exitCode(err, os.Interrupt, errw); code != exitInterrupted {
		t.Errorf("exit code = %d (%v), want %d", code, err, exitInterrupted)
	}
	stderr := errw.String()
	if !strings.HasSuffix(stderr, "\noink: interrupted\n") || strings.Count(stderr, "interrupted") != 1 || strings.Contains(stderr, "invariant") {
		t.Errorf("stderr = %q, want the story so far then \"oink: interrupted\" once, no check and no error", stderr)
	}
	if out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing: no summary, no check", out)
	}
}
