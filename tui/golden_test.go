package tui

import (
	"bytes"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
)

// TestScreens runs the whole program under teatest at fixed sizes over
// fixed data and a fixed clock, and compares the final screen with
// testdata/TestScreens/<name>.golden (go test ./tui -update rewrites them).
//
// The golden file holds the final View, not teatest's raw output stream:
// the stream is every frame the renderer happened to paint, with cursor
// moves between them, so it depends on how frames coalesce, and it is
// unreadable in review. The final view is the same screen, deterministic.
func TestScreens(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		width, height int
		src           func() *fakeSource // default: fixtureSource
		readOnly      bool
		story         []Note // notes of a story, which then ends
		keys          []tea.KeyMsg
		waitFor       string // on the screen once the keys took effect
	}{
		{name: "dashboard 80x24", width: 80, height: 24},
		{name: "dashboard 160x48", width: 160, height: 48},
		{name: "divergence 80x24", width: 80, height: 24, keys: []tea.KeyMsg{keyMsg("enter")}, waitFor: "lines "},
		{name: "divergence 160x48", width: 160, height: 48, keys: []tea.KeyMsg{keyMsg("enter")}, waitFor: "lines "},
		{name: "confirm rollback 80x24", width: 80, height: 24,
			keys: []tea.KeyMsg{keyMsg("r"), keyMsg("divergence in tax"), keyMsg("enter")}, waitFor: "[y/N]"},
		{name: "confirm advance 80x24", width: 80, height: 24,
			keys: []tea.KeyMsg{keyMsg("a"), keyMsg("peak passed"), keyMsg("enter")}, waitFor: "[y/N]"},
		{name: "help 80x24", width: 80, height: 24, keys: []tea.KeyMsg{keyMsg("?")}, waitFor: "refreshing every"},
		{name: "read-only 80x24", width: 80, height: 24, readOnly: true},
		{name: "read-only help 80x24", width: 80, height: 24, readOnly: true, keys: []tea.KeyMsg{keyMsg("?")}, waitFor: "refreshing every"},
		{name: "rolled back 80x24", width: 80, height: 24, src: func() *fakeSource { return rolledBack(fixtureSource()) }},
		{name: "rolled back 160x48", width: 160, height: 48, src: func() *fakeSource { return rolledBack(fixtureSource()) }},
		{name: "rolled back help 80x24", width: 80, height: 24, src: func() *fakeSource { return rolledBack(fixtureSource()) },
			keys: []tea.KeyMsg{keyMsg("?")}, waitFor: "refreshing every"},
		{name: "story 80x24", width: 80, height: 24, story: demoNotes()},
		{name: "story 160x48", width: 160, height: 48, story: demoNotes()},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := fixtureSource()
			if tc.src != nil {
				src = tc.src()
			}
			cfg := Config{Run: "shadow-1", Source: src, Actions: &fakeActions{}, Actor: "dashboard:alice", Now: stepClock(), Refresh: time.Hour}
			if tc.readOnly {
				cfg.Actions, cfg.Actor = nil, ""
			}
			var story chan Note
			if tc.story != nil {
				story = make(chan Note, len(tc.story))
				cfg.Story = story
			}
			m, err := New(t.Context(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(tc.width, tc.height))
			t.Cleanup(func() { _ = tm.Quit() }) // best effort: a failed test may leave it running
			// WaitFor consumes the output it reads: each wait looks for
			// something the previous step painted anew.
			waitFor(t, tm, "recent divergences")
			tm.Send(tickMsg{}) // a second refresh, 2s later by the clock: rates
			waitFor(t, tm, "pairs 30,000 · 250/s")
			if tc.story != nil {
				for _, n := range tc.story {
					story <- n
				}
				close(story)
				waitFor(t, tm, "the story has ended")
			}
			for _, k := range tc.keys {
				tm.Send(k)
			}
			if tc.waitFor != "" {
				waitFor(t, tm, tc.waitFor)
			}
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
			golden.RequireEqual(t, final.View()+"\n")
		})
	}
}

// demoNotes are notes as oink demo sends them.
func demoNotes() []Note {
	return []Note{
		{At: t0.Add(-60 * time.Second), Text: "logs go to /tmp/oink-demo-20260308-042905.log (not to this screen)"},
		{At: t0.Add(-50 * time.Second), Text: "act 1: shadow run; the controller advances while v1 and v2 agree (known v1 bugs are accepted by rules)"},
		{At: t0.Add(-20 * time.Second), Text: "act 2: v1 starts a fault no rule accepts (it leaves shipping out of its totals)"},
		{At: t0, Text: "the end: every check held · downstream can tell: 0 of 30,089 live records · press any key for the summary"},
	}
}

// waitFor waits until the program has painted s.
func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}
