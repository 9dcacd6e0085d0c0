package list

import (
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/tui/keys"
	"github.com/oinkhq/oink/tui/style"
)

// Spec is what a list does with its items.
type Spec[T any] struct {
	// Title names the pane, e.g. "top diverging paths".
	Title string
	// Same reports whether a and b are the same item, so that a refresh
	// keeps the selection on it. nil: the selection keeps its row.
	Same func(a, b T) bool
	// Follow keeps a selection on the first row there when new items
	// arrive, as tail -f follows the newest line; any other selection stays
	// on its item.
	Follow bool
	// Open is the message Enter sends for the selected item; nil: Enter
	// does nothing.
	Open func(T) tea.Msg
}

// Frame is what a View shows around the rows.
type Frame struct {
	// Note follows the title, dimmed: a count, a limit, a filter.
	Note string
	// Columns are the headings of the rows' columns, right after the title
	// at the column where the rows' own columns start (ColumnsAt).
	Columns   string
	ColumnsAt int
	// Empty is what is shown, wrapped, when there is no item.
	Empty string
}

// Model is a list pane of items of type T.
type Model[T any] struct {
	st      style.Styles
	keys    keys.Map
	spec    Spec[T]
	width   int
	height  int
	focused bool
	items   []T
	cur     Cursor
}

// New returns an empty list.
func New[T any](st style.Styles, km keys.Map, spec Spec[T]) Model[T] {
	return Model[T]{st: st, keys: km, spec: spec}
}

// Init does nothing.
func (m Model[T]) Init() tea.Cmd { return nil }

// SetSize sets the pane's size, its title line included.
func (m *Model[T]) SetSize(width, height int) {
	m.width, m.height = width, height
	m.cur.SetHeight(height - 1)
}

// Width and Height are the pane's size: View returns exactly Height lines
// of Width cells.
func (m Model[T]) Width() int  { return m.width }
func (m Model[T]) Height() int { return m.height }

// SetFocused says whether keys go to this pane.
func (m *Model[T]) SetFocused(f bool) { m.focused = f }

// SetItems replaces the items. The selection stays on the same item while
// it is listed (see Spec.Same), or on the first row with Spec.Follow.
func (m *Model[T]) SetItems(items []T) {
	old, ok := m.Selected()
	first := m.cur.Index == 0
	m.items = items
	m.cur.SetLen(len(items))
	if !ok || m.spec.Same == nil || (first && m.spec.Follow) {
		return
	}
	for i, it := range items {
		if m.spec.Same(it, old) {
			m.cur.Index = i
			m.cur.Move(0)
			return
		}
	}
}

// Items are the items listed.
func (m Model[T]) Items() []T { return m.items }

// Len is the number of items listed.
func (m Model[T]) Len() int { return len(m.items) }

// Selected returns the selected item, false when the list is empty.
func (m Model[T]) Selected() (T, bool) {
	if m.cur.Index < len(m.items) {
		return m.items[m.cur.Index], true
	}
	var zero T
	return zero, false
}

// Update moves the selection, and on Enter returns a command sending the
// selected item's Spec.Open message.
func (m Model[T]) Update(msg tea.Msg) (Model[T], tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Up):
		m.cur.Move(-1)
	case key.Matches(k, m.keys.Down):
		m.cur.Move(1)
	case key.Matches(k, m.keys.PageUp):
		m.cur.Move(-m.cur.Page())
	case key.Matches(k, m.keys.PageDown):
		m.cur.Move(m.cur.Page())
	case key.Matches(k, m.keys.Top):
		m.cur.Top()
	case key.Matches(k, m.keys.Bottom):
		m.cur.Bottom()
	case key.Matches(k, m.keys.Open):
		if it, ok := m.Selected(); ok && m.spec.Open != nil {
			msg := m.spec.Open(it)
			return m, func() tea.Msg { return msg }
		}
	}
	return m, nil
}

// Mark is the width of the selection mark ("> ") that starts every row.
const Mark = 2

// View renders the title line and the visible rows, each drawn by row
// (without the selection mark, which View adds) and cut to the pane's
// width.
func (m Model[T]) View(f Frame, row func(T) string) string {
	title := m.st.Title.Render("  " + m.spec.Title)
	if m.focused {
		title = m.st.Focused.Render("▸ " + m.spec.Title)
	}
	if f.Note != "" {
		title += m.st.Dim.Render(" " + f.Note)
	}
	if f.Columns != "" {
		title = style.Pad(title, max(f.ColumnsAt, style.Width(title)+1)) + m.st.Dim.Render(f.Columns)
	}
	lines := []string{title}
	if len(m.items) == 0 && f.Empty != "" {
		for _, l := range style.Wrap(f.Empty, m.width-Mark) {
			lines = append(lines, m.st.Dim.Render("  "+l))
		}
	}
	from, to := m.cur.Visible()
	for i := from; i < to; i++ {
		sel := i == m.cur.Index && m.focused
		mark := "  "
		if sel {
			mark = "> "
		}
		line := mark + row(m.items[i])
		if sel {
			line = m.st.Selected.Render(style.Pad(line, m.width))
		}
		lines = append(lines, line)
	}
	return style.Lines(lines, m.width, m.height)
}
