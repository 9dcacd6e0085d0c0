package tui

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// storeSource is *diffstore.Store as a Source for a run without a cutover
// plan: cmd/oink adds the cutover's status; here the store alone answers.
type storeSource struct{ *diffstore.Store }

func (storeSource) CutoverStatus(_ context.Context, run string) (CutoverStatus, error) {
	return CutoverStatus{}, fmt.Errorf("cutover of run %q: %w", run, diffstore.ErrNotFound)
}

// TestDashboardOverARealStore writes a run's results with the comparator's
// own calls (EnsureRun, ClaimPartition, CommitBatch, Heartbeat) into a real
// Postgres, and checks that the dashboard shows them and opens a divergence
// side by side.
func TestDashboardOverARealStore(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := diffstore.New(pgtest.Schema(t))
	const runName = "store-run"
	if err := st.EnsureRun(ctx, diffstore.Run{Name: runName, ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2", RulesName: "shipped"}); err != nil {
		t.Fatal(err)
	}
	cp, err := st.ClaimPartition(ctx, runName, 0, "comparator-a")
	if err != nil {
		t.Fatal(err)
	}
	minute := time.Date(2026, 3, 8, 4, 0, 0, 0, time.UTC)
	control := json.RawMessage(`{"order_id":"O-1","business_date":"2026-03-07","lines":[{"line_no":1,"tax_minor":145},{"line_no":2,"tax_minor":10}]}`)
	candidate := json.RawMessage(`{"order_id":"O-1","business_date":"2026-03-08","lines":[{"line_no":1,"tax_minor":146},{"line_no":2,"tax_minor":10}]}`)
	batch := diffstore.CommitBatch{Run: runName, Partition: 0, Epoch: cp.Epoch, ControlOffset: 102, CandidateOffset: 102,
		Pending:          []diffstore.Position{{Side: diffstore.SideControl, Offset: 101}},
		WatermarkControl: minute.Add(2 * time.Minute), WatermarkCandidate: minute.Add(2 * time.Minute),
		Counts: []diffstore.MinuteCounts{
			{Minute: minute, Counts: diffstore.Counts{ReadControl: 60, ReadCandidate: 60, Pairs: 60, Equal: 58, Identical: 50, Equivalent: 8, Accepted: 2},
				AcceptedByRule: map[string]int64{"v1-utc-business-date": 2}},
			{Minute: minute.Add(time.Minute), Counts: diffstore.Counts{ReadControl: 42, ReadCandidate: 42, Pairs: 41, Equal: 40, Identical: 40, Divergent: 1,
				MissingInControl: 1}},
		},
		Divergences: []diffstore.Divergence{
			{Identity: "O-1|E-1", Kind: diffstore.KindDivergent, EventTime: minute.Add(time.Minute), Control: control, Candidate: candidate,
				Diff: []diffstore.FieldDiff{
					{Path: "business_date", Control: json.RawMessage(`"2026-03-07"`), Candidate: json.RawMessage(`"2026-03-08"`), Rule: "v1-utc-business-date"},
					{Path: "lines[line_no=1].tax_minor", Control: json.RawMessage(`145`), Candidate: json.RawMessage(`146`)},
				}},
			{Identity: "O-2|E-2", Kind: diffstore.KindMissingInControl, EventTime: minute.Add(time.Minute),
				Candidate: json.RawMessage(`{"order_id":"O-2"}`)},
		},
		Accepted: []diffstore.AcceptedPair{
			{Identity: "O-3|E-3", Diff: []diffstore.FieldDiff{{Path: "business_date", Control: json.RawMessage(`"a"`), Candidate: json.RawMessage(`"b"`), Rule: "v1-utc-business-date"}}},
			{Identity: "O-4|E-4", Diff: []diffstore.FieldDiff{{Path: "business_date", Control: json.RawMessage(`"a"`), Candidate: json.RawMessage(`"b"`), Rule: "v1-utc-business-date"}}},
		},
	}
	if err := st.CommitBatch(ctx, batch); err != nil {
		t.Fatal(err)
	}
	if err := st.Heartbeat(ctx, runName, "comparator-a", []int{0}, 0, true); err != nil {
		t.Fatal(err)
	}

	m, err := New(ctx, Config{Run: runName, Source: storeSource{st}, Now: stepClock(), Refresh: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	m, _ = send(m, tea.WindowSizeMsg{Width: 160, Height: 48})
	m, _ = run(t, m, m.Init())
	if m.state != ready {
		t.Fatalf("state %v after the first refresh: %v", m.state, m.err)
	}
	view := m.View()
	for _, want := range []string{
		"run store-run (rtcim.v1 ⇄ rtcim.v2)",
		"no plan applied",
		"1/1 alive",
		"pairs 101",
		"divergent 1 (0.99%)",
		"identical 89.11% · equivalent 7.92%",
		"accepted 1.98% by v1-utc-business-date 2",
		"pending control 1 · candidate 0",
		"accounting ✓ holds",
		"lines[line_no=1].tax_minor",
		"O-1|E-1",
		"O-2|E-2",
		"no control",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("the dashboard lacks %q:\n%s", want, view)
		}
	}

	// Both divergences were first seen at once, at the same event time:
	// O-1|E-1 comes first by identity, and is selected.
	if d, _ := m.divs.Selected(); d.Identity != "O-1|E-1" {
		t.Fatalf("selected divergence = %q, want O-1|E-1 first", d.Identity)
	}
	m, cmd := press(t, m, "enter")
	m = settle(t, m, cmd)
	view = m.View()
	for _, want := range []string{"O-1|E-1 · divergent · partition 0", `"tax_minor": 145`, `"tax_minor": 146`} {
		if !strings.Contains(view, want) {
			t.Errorf("the side-by-side view lacks %q:\n%s", want, view)
		}
	}
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, `"tax_minor": 145`) && !strings.HasPrefix(l, "» ") {
			t.Errorf("the differing tax_minor line is not marked »: %q", l)
		}
		if strings.Contains(l, `"business_date": "2026-03-07"`) && !strings.HasPrefix(l, "~ ") {
			t.Errorf("the accepted business_date line is not marked ~: %q", l)
		}
	}
}
