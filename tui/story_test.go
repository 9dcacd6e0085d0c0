package tui

import (
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
)

// TestStoryShowsNotesAsTheyComeAndTheEndWaitsForAKey: each note of the
// story appears in the dashboard as it arrives; once the story ends the
// dashboard stops refreshing, says so, and the next key (any) closes it.
func TestStoryShowsNotesAsTheyComeAndTheEndWaitsForAKey(t *testing.T) {
	t.Parallel()
	notes := make(chan Note, 1)
	m, err := New(t.Context(), Config{Run: "shadow-1", Source: fixtureSource(), Now: stepClock(), Refresh: time.Hour, Story: notes})
	if err != nil {
		t.Fatal(err)
	}
	m, _ = send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m, _ = run(t, m, m.refreshCmd())
	if !strings.Contains(m.View(), "waiting for the first note") {
		t.Errorf("before any note the story pane does not say it waits:\n%s", m.View())
	}
	for _, text := range []string{"act 1: shadow run", "act 2: v1 starts a fault no rule accepts"} {
		notes <- Note{At: t0, Text: text}
		var next tea.Cmd
		m, next = run(t, m, m.nextNote)
		if !strings.Contains(m.View(), text) {
			t.Errorf("note %q is not on the screen:\n%s", text, m.View())
		}
		if next == nil {
			t.Fatal("after a note the dashboard does not wait for the next one")
		}
	}
	close(notes)
	m, _ = run(t, m, m.nextNote)
	if !m.ended || !strings.Contains(lastLine(m.View()), "the story has ended: any key closes the dashboard") {
		t.Fatalf("after the story's end: ended %v, status bar %q", m.ended, lastLine(m.View()))
	}
	if _, cmd := send(m, tickMsg{}); cmd != nil {
		t.Error("a tick after the end started a refresh")
	}
	for _, k := range []string{"a", "enter", " "} {
		if _, cmd := press(t, m, k); cmd == nil {
			t.Errorf("key %q after the end: no command", k)
		} else if _, ok := cmd().(tea.QuitMsg); !ok {
			t.Errorf("key %q after the end does not close the dashboard", k)
		}
	}
}
