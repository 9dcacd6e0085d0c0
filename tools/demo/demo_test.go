package demo

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// TestDemoTellsTheWholeStory runs the demo end to end: the cutover rolls
// back on the injected divergence, resumes to 100%, and every invariant
// check reads true from the topics and the diffstore.
func TestDemoTellsTheWholeStory(t *testing.T) {
	if testing.Short() {
		t.Skip("the demo takes about a minute")
	}
	url, _ := pgtest.SchemaURL(t)
	var lines int
	sum, err := Run(t.Context(), Config{DatabaseURL: url, Rate: 800,
		RulesFile: "../../shipped/rules/rtcim.yaml", PlanFile: "../../shipped/plans/demo.yaml",
		Log:    slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn})),
		Events: func(e Event) { lines++; t.Log(e.Message) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range sum.Checks {
		if !c.OK {
			t.Errorf("check failed: %s: %s", c.Name, c.Detail)
		}
	}
	if !sum.OK || sum.Rollbacks < 1 || sum.Final.Phase != cutover.Promoted || sum.Final.Percent != 100 || lines == 0 {
		t.Fatalf("summary %+v: want OK, a rollback and a promotion to 100%%", sum)
	}
	if sum.Live.FromV1 == 0 || sum.Live.FromV2 == 0 || sum.Comparator.Accepted == 0 {
		t.Fatalf("summary %+v: want live records from both versions and accepted known differences", sum)
	}
	// The numbers agree with one another and say what people read.
	if sum.Events != sum.Producer.Upstream || sum.Final.Stage != sum.Final.Stages || sum.Final.Stages == 0 {
		t.Errorf("events %d, upstream %d, final stage %d/%d; want events = upstream and the last stage counted from 1",
			sum.Events, sum.Producer.Upstream, sum.Final.Stage, sum.Final.Stages)
	}
	if len(sum.RollbackEvents) != sum.Rollbacks || sum.RollbackEvents[0].Reason == "" || sum.RollbackEvents[0].FromStage < 1 {
		t.Errorf("rollback events %+v for %d rollbacks: want each with where it came from and its reason", sum.RollbackEvents, sum.Rollbacks)
	}
	if d := sum.Downstream; d.CanTell != 0 || d.LiveRecords != sum.Live.Live || d.IdenticalPairs <= 0 {
		t.Errorf("downstream %+v: want 0 of the %d live records, and a share of identical pairs", d, sum.Live.Live)
	}
}

// TestReadEvidenceFailsWithoutEvidence: a check reading an empty topic
// where records must be, or a topic that does not exist, gets an error,
// never an empty list that passes as 0 = 0.
func TestReadEvidenceFailsWithoutEvidence(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	empty := env.Topic("empty")
	if _, err := readEvidence(t.Context(), env.Brokers, empty, true); err == nil || !strings.Contains(err.Error(), "no evidence") {
		t.Errorf("readEvidence(empty topic, must) = %v, want a no-evidence error", err)
	}
	if msgs, err := readEvidence(t.Context(), env.Brokers, empty, false); err != nil || len(msgs) != 0 {
		t.Errorf("readEvidence(empty topic, may be empty) = %d records, %v; want none and nil", len(msgs), err)
	}
	if _, err := readEvidence(t.Context(), env.Brokers, "no-such-topic-"+empty, false); err == nil {
		t.Error("readEvidence(a topic that does not exist) = nil, want an error")
	}
}
