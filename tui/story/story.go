package story

import (
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/tui/style"
)

// Note is one line of a story.
type Note struct {
	At   time.Time
	Text string
}

// kept is how many notes the pane keeps: more than any screen shows.
const kept = 64

// labelWidth is the width of the label before the notes, as in the header.
const labelWidth = 11

// Model is the narration pane.
type Model struct {
	st            style.Styles
	width, height int
	notes         []Note
}

// New returns an empty pane.
func New(st style.Styles) Model { return Model{st: st} }

// Init does nothing.
func (m Model) Init() tea.Cmd { return nil }

// Update changes nothing: the pane reads no keys.
func (m Model) Update(tea.Msg) (Model, tea.Cmd) { return m, nil }

// SetSize sets the pane's size.
func (m *Model) SetSize(width, height int) { m.width, m.height = width, height }

// Height is the number of lines View returns.
func (m Model) Height() int { return m.height }

// Add appends a note.
func (m *Model) Add(n Note) {
	m.notes = append(m.notes, n)
	if len(m.notes) > kept {
		m.notes = m.notes[len(m.notes)-kept:]
	}
}

// Notes are the notes kept, oldest first.
func (m Model) Notes() []Note { return m.notes }

// View renders the newest notes that fit whole, each wrapped under the
// label; a newest note longer than the pane shows its beginning.
func (m Model) View() string {
	w := max(m.width-labelWidth, 10)
	var notes [][]string // newest first
	n := 0
	for i := len(m.notes) - 1; i >= 0; i-- {
		wrapped := style.Wrap(m.notes[i].At.Format("15:04:05")+" "+m.notes[i].Text, w)
		if n+len(wrapped) > m.height {
			if len(notes) == 0 { // the newest alone does not fit
				wrapped = wrapped[:m.height]
				if m.height > 0 {
					wrapped[m.height-1] = style.Cut(wrapped[m.height-1]+" …", w)
				}
				notes = append(notes, wrapped)
			}
			break
		}
		notes = append(notes, wrapped)
		n += len(wrapped)
	}
	var out []string
	for i := len(notes) - 1; i >= 0; i-- {
		out = append(out, notes[i]...)
	}
	if len(out) == 0 {
		out = []string{m.st.Dim.Render("waiting for the first note…")}
	}
	for i := range out {
		label := strings.Repeat(" ", labelWidth)
		if i == 0 {
			label = m.st.Label.Render(style.Pad("story", labelWidth))
		}
		out[i] = label + out[i]
	}
	return style.Lines(out, m.width, m.height)
}
