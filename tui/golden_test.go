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
		keys          []tea.KeyMsg
		waitFor       string // on the screen once the keys took effect
	}{
		{name: "dashboard 80x24", width: 80, height: 24},
		{name: "dashboard 160x48", width: 160, height: 48},
		{name: "divergence 80x24", width: 80, height: 24, keys: []tea.KeyMsg{keyMsg("enter")}, waitFor: "lines "},
		{name: "divergence 160x48", width: 160, height: 48, keys: []tea.KeyMsg{keyMsg("enter")}, waitFor: "lines "},
		{name: "confirm rollback 80x24", width: 80, height: 24,
			keys: []tea.KeyMsg{keyMsg("r"), keyMsg("divergence in tax"), keyMsg("enter")}, waitFor: "[y/N]"},
		{name: "help 80x24", width: 80, height: 24, keys: []tea.KeyMsg{keyMsg("?")}, waitFor: "refreshing every"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m, err := New(t.Context(), Config{Run: "shadow-1", Source: fixtureSource(), Actions: &fakeActions{},
				Actor: "dashboard:alice", Now: stepClock(), Refresh: time.Hour})
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
			for _, k := range tc.keys {
				tm.Send(k)
			}
			if tc.waitFor != "" {
				waitFor(t, tm, tc.waitFor)
			}
			tm.Send(keyMsg("ctrl+c"))
			final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(Model)
			golden.RequireEqual(t, final.View()+"\n")
		})
	}
}

// waitFor waits until the program has painted s.
func waitFor(t *testing.T, tm *teatest.TestModel, s string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(s)) },
		teatest.WithDuration(5*time.Second), teatest.WithCheckInterval(10*time.Millisecond))
}
