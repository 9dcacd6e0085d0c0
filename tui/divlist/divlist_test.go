package divlist

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/keys"
	"github.com/oinkhq/oink/tui/style"
)

func items(ids ...string) []diffstore.Divergence {
	out := make([]diffstore.Divergence, len(ids))
	for i, id := range ids {
		out[i] = diffstore.Divergence{Identity: id, Kind: diffstore.KindDivergent}
	}
	return out
}

func selected(m Model) string {
	d, _ := m.Selected()
	return d.Identity
}

func TestSetItemsFollowsTheNewestOrKeepsTheSelection(t *testing.T) {
	t.Parallel()
	m := New(style.New(), keys.Default(), 100)
	m.SetSize(80, 10)
	m.SetItems(items("b", "a"), false)
	m.SetItems(items("c", "b", "a"), false)
	if got := selected(m); got != "c" {
		t.Errorf("selection on the first row after a new divergence = %q, want the newest, c", got)
	}
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyDown})
	m.SetItems(items("d", "c", "b", "a"), false)
	if got := selected(m); got != "b" {
		t.Errorf("selection below the first row after a new divergence = %q, want it kept on b", got)
	}
	m.SetItems(items("d", "c"), false)
	if got := selected(m); got != "c" {
		t.Errorf("selection after b left the list = %q, want the last row, c", got)
	}
}

func TestEnterOpensTheSelectedDivergence(t *testing.T) {
	t.Parallel()
	m := New(style.New(), keys.Default(), 100)
	m.SetSize(80, 10)
	m.SetItems(items("x", "y"), false)
	m, _ = m.Update(tea.KeyMsg{Type: tea.KeyDown})
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter returned no command")
	}
	if got, want := cmd(), (OpenMsg{Identity: "y", Kind: diffstore.KindDivergent}); got != want {
		t.Errorf("enter sent %v, want %v", got, want)
	}
}
