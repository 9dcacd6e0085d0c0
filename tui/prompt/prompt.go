package prompt

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/tui/keys"
	"github.com/oinkhq/oink/tui/style"
)

// Request is what to ask.
type Request struct {
	// ID tags the answer (SubmitMsg.ID, CancelMsg.ID).
	ID string
	// Title says what the answer is for, e.g. "advance run shadow-1".
	Title string
	// Label goes before the input, e.g. "reason: ".
	Label string
	// Value fills the input at first.
	Value string
	// Required refuses an empty answer.
	Required bool
	// Confirm, when set, is the y/N question asked after the input.
	Confirm string
}

// SubmitMsg is a confirmed answer.
type SubmitMsg struct {
	ID    string
	Value string
}

// CancelMsg says the prompt was cancelled: Esc, or anything but y at the
// confirmation.
type CancelMsg struct{ ID string }

type stage uint8

const (
	closed stage = iota
	input
	confirm
)

// Model is the prompt.
type Model struct {
	st    style.Styles
	keys  keys.Map
	width int
	req   Request
	stage stage
	in    textinput.Model
	hint  string // why the answer was refused
}

// New returns a closed prompt.
func New(st style.Styles, km keys.Map) Model {
	in := textinput.New()
	in.Prompt = ""
	in.CharLimit = 500
	// A static cursor: a blinking one would send a message every half
	// second and make screens differ from one moment to the next.
	in.Cursor.SetMode(cursor.CursorStatic)
	return Model{st: st, keys: km, in: in}
}

// Init does nothing.
func (m Model) Init() tea.Cmd { return nil }

// SetSize sets the width; the height is Height.
func (m *Model) SetSize(width, _ int) {
	m.width = width
	m.in.Width = max(width-style.Width(m.req.Label)-3, 10)
}

// Open starts asking r.
func (m *Model) Open(r Request) {
	m.req, m.stage, m.hint = r, input, ""
	m.in.SetValue(r.Value)
	m.in.CursorEnd()
	m.in.Focus()
	m.SetSize(m.width, 0)
}

// Active reports whether the prompt is asking.
func (m Model) Active() bool { return m.stage != closed }

// Confirming reports whether the prompt asks for y/N.
func (m Model) Confirming() bool { return m.stage == confirm }

// ID is the ID of the request being asked.
func (m Model) ID() string { return m.req.ID }

// Value is the text typed so far.
func (m Model) Value() string { return m.in.Value() }

// maxQuestionLines is how many lines a confirmation's question may wrap
// over.
const maxQuestionLines = 3

// Height is the number of lines View returns while active: the title or
// the question (wrapped, at most maxQuestionLines), then the input.
func (m Model) Height() int {
	if m.stage == closed {
		return 0
	}
	return len(m.firstLines()) + 1
}

// firstLines are the lines above the input: the question wrapped while
// confirming, else the title with the hint or the keys, on one line.
func (m Model) firstLines() []string {
	st := m.st
	if m.stage == confirm {
		lines := style.Wrap(m.req.Confirm, max(m.width, 10))
		for i, l := range lines {
			lines[i] = st.Prompt.Render(l)
		}
		return lines[:min(len(lines), maxQuestionLines)]
	}
	first := st.Prompt.Render(m.req.Title)
	if m.hint != "" {
		return []string{st.Error.Render(m.hint) + "  " + first}
	}
	return []string{first + st.Dim.Render("  (enter to continue, esc to cancel)")}
}

// Update reads keys while active: at the input Enter submits (or asks to
// confirm) and Esc cancels; at the confirmation y submits and any other
// key cancels.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	if m.stage == closed {
		return m, nil
	}
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		var cmd tea.Cmd
		m.in, cmd = m.in.Update(msg)
		return m, cmd
	}
	if key.Matches(k, m.keys.Back) {
		return m.close(CancelMsg{ID: m.req.ID})
	}
	if m.stage == confirm {
		if key.Matches(k, m.keys.Yes) {
			return m.close(SubmitMsg{ID: m.req.ID, Value: m.answer()})
		}
		return m.close(CancelMsg{ID: m.req.ID})
	}
	if k.Type == tea.KeyEnter {
		switch {
		case m.req.Required && m.answer() == "":
			m.hint = "an answer is required (esc cancels)"
			return m, nil
		case m.req.Confirm != "":
			m.stage, m.hint = confirm, ""
			m.in.Blur()
			return m, nil
		}
		return m.close(SubmitMsg{ID: m.req.ID, Value: m.answer()})
	}
	m.hint = ""
	var cmd tea.Cmd
	m.in, cmd = m.in.Update(msg)
	return m, cmd
}

func (m Model) answer() string { return strings.TrimSpace(m.in.Value()) }

// close closes the prompt and returns a command sending msg.
func (m Model) close(msg tea.Msg) (Model, tea.Cmd) {
	m.stage = closed
	m.in.Blur()
	return m, func() tea.Msg { return msg }
}

// View renders the prompt's Height lines, or nothing when closed.
func (m Model) View() string {
	if m.stage == closed {
		return ""
	}
	st := m.st
	second := st.Label.Render(m.req.Label) + m.in.View()
	if m.stage == confirm {
		second = st.Label.Render(strings.TrimSpace(m.req.Label)) + " " + m.answer() + "   " + st.Prompt.Render("[y/N]")
	}
	lines := append(m.firstLines(), second)
	return style.Lines(lines, m.width, len(lines))
}
