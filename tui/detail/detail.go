package detail

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/keys"
	"github.com/oinkhq/oink/tui/style"
)

// CloseMsg asks to close the view.
type CloseMsg struct{}

// Model is the side-by-side view.
type Model struct {
	st            style.Styles
	keys          keys.Map
	width, height int
	div           diffstore.Divergence
	others        []diffstore.Kind // other kinds recorded for the identity
	topics        [2]string        // control and candidate topic
	left, right   []line
	offset        int
}

// New returns an empty view.
func New(st style.Styles, km keys.Map) Model { return Model{st: st, keys: km} }

// Init does nothing.
func (m Model) Init() tea.Cmd { return nil }

// SetSize sets the view's size.
func (m *Model) SetSize(width, height int) {
	m.width, m.height = width, height
	m.scroll(0)
}

// SetData shows d, whose identity also has divergences of the kinds others,
// from the given topics, scrolled to the first differing line.
func (m *Model) SetData(d diffstore.Divergence, others []diffstore.Kind, controlTopic, candidateTopic string) {
	m.div, m.others, m.topics = d, others, [2]string{controlTopic, candidateTopic}
	m.left = side(d.Control, d.Diff, "missing in control: only the candidate has this record")
	m.right = side(d.Candidate, d.Diff, "missing in candidate: only the control has this record")
	// Open on the first divergence beyond the rules, else on the first
	// accepted difference.
	for _, want := range []mark{divergent, accepted} {
		m.offset = -context - 1 // so that a difference on the first line is found
		if m.jumpTo(1, want) {
			return
		}
	}
	m.offset = 0
}

// context is how many lines above a difference a jump to it shows.
const context = 2

// jump scrolls to the next (dir 1) or previous (dir -1) difference.
func (m *Model) jump(dir int) { m.jumpTo(dir, accepted) }

// jumpTo scrolls to the next (dir 1) or previous (dir -1) line, on either
// side, that starts a run of lines marked at least least, and reports
// whether there was one.
func (m *Model) jumpTo(dir int, least mark) bool {
	starts := func(i int) bool {
		for _, ls := range [][]line{m.left, m.right} {
			if at(ls, i).mark >= least && (i == 0 || at(ls, i-1).mark < least) {
				return true
			}
		}
		return false
	}
	found := false
	for i := m.offset + context + dir; i >= 0 && i < m.rows(); i += dir {
		if starts(i) {
			m.offset, found = max(i-context, 0), true
			break
		}
	}
	m.scroll(0)
	return found
}

// Identity is the identity shown.
func (m Model) Identity() string { return m.div.Identity }

// side renders one record with the diff's paths marked, or a note when the
// record is absent or not JSON.
func side(raw json.RawMessage, diff []diffstore.FieldDiff, absent string) []line {
	if len(raw) == 0 || string(raw) == "null" {
		return []line{{text: "(" + absent + ")"}}
	}
	root, err := parse(raw)
	if err != nil {
		return []line{{text: "(not JSON: " + err.Error() + ")"}, {text: string(raw)}}
	}
	for _, f := range diff {
		path, err := parsePath(f.Path)
		if err != nil {
			continue // a path this view cannot read is still listed above the records
		}
		if n := find(root, path); n != nil {
			mk := divergent
			if f.Rule != "" {
				mk = accepted
			}
			n.mark = max(n.mark, mk)
		}
	}
	return render(root)
}

func at(ls []line, i int) line {
	if i < len(ls) {
		return ls[i]
	}
	return line{}
}

// Update scrolls, and on Esc returns a command sending CloseMsg.
func (m Model) Update(msg tea.Msg) (Model, tea.Cmd) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return m, nil
	}
	page := max(m.bodyHeight()-1, 1)
	switch {
	case key.Matches(k, m.keys.Back):
		return m, func() tea.Msg { return CloseMsg{} }
	case key.Matches(k, m.keys.Next):
		m.jump(1)
	case key.Matches(k, m.keys.Prev):
		m.jump(-1)
	case key.Matches(k, m.keys.Up):
		m.scroll(-1)
	case key.Matches(k, m.keys.Down):
		m.scroll(1)
	case key.Matches(k, m.keys.PageUp):
		m.scroll(-page)
	case key.Matches(k, m.keys.PageDown):
		m.scroll(page)
	case key.Matches(k, m.keys.Top):
		m.offset = 0
	case key.Matches(k, m.keys.Bottom):
		m.scroll(m.rows())
	}
	return m, nil
}

func (m *Model) scroll(delta int) {
	m.offset = min(max(m.offset+delta, 0), max(m.rows()-m.bodyHeight(), 0))
}

func (m Model) rows() int { return max(len(m.left), len(m.right)) }

// diffLines is how many lines the list of differing fields takes.
func (m Model) diffLines() int {
	n := len(m.div.Diff)
	limit := max(m.height/4, 2)
	if n > limit {
		return limit // the last one says how many more
	}
	return n
}

// bodyHeight is the number of record lines shown: the height less the
// title, the differences, the column heads and the footer.
func (m Model) bodyHeight() int { return max(m.height-3-m.diffLines(), 0) }

// View renders the view in exactly its size.
func (m Model) View() string {
	d, st := m.div, m.st
	title := style.Join(st.Title.Render(d.Identity), string(d.Kind), fmt.Sprintf("partition %d", d.Partition),
		"event "+d.EventTime.UTC().Format(time.RFC3339))
	if len(m.others) > 0 {
		var ks []string
		for _, k := range m.others {
			ks = append(ks, string(k))
		}
		title = style.Join(title, "also "+strings.Join(ks, ", "))
	}
	lines := []string{title}
	lines = append(lines, m.diffList()...)
	colW := max((m.width-3)/2, 4)
	head := func(name, topic string) string {
		return style.Pad(st.Title.Render(name)+st.Dim.Render(" ("+topic+")"), colW)
	}
	lines = append(lines, head("control", m.topics[0])+" │ "+head("candidate", m.topics[1]))
	for i := m.offset; i < m.offset+m.bodyHeight(); i++ {
		lines = append(lines, m.cell(at(m.left, i), colW)+" │ "+m.cell(at(m.right, i), colW))
	}
	from, to := m.offset+1, min(m.offset+m.bodyHeight(), m.rows())
	lines = append(lines, st.Dim.Render(fmt.Sprintf("lines %d–%d of %d · n/N next/previous difference · » divergent · ~ accepted", from, to, m.rows())))
	return style.Lines(lines, m.width, m.height)
}

// diffList lists the differing fields with both values.
func (m Model) diffList() []string {
	n := m.diffLines()
	var out []string
	for i, f := range m.div.Diff {
		if i == n-1 && len(m.div.Diff) > n {
			out = append(out, m.st.Dim.Render(fmt.Sprintf("  … and %d more differing fields", len(m.div.Diff)-i)))
			break
		}
		mk, text := "» ", f.Path+": "+value(f.Control)+" → "+value(f.Candidate)
		if f.Rule != "" {
			mk, text = "~ ", text+" (accepted: "+f.Rule+")"
			out = append(out, m.st.Accepted.Render(mk+text))
			continue
		}
		out = append(out, m.st.Bad.Render(mk+text))
	}
	return out
}

func value(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "(absent)"
	}
	return string(raw)
}

// cell renders one record line in a column of width w, with its marker.
func (m Model) cell(l line, w int) string {
	text := style.Pad(l.text, w-2)
	switch l.mark {
	case divergent:
		return "» " + m.st.Diff.Render(text)
	case accepted:
		return "~ " + m.st.Accepted.Render(text)
	}
	return "  " + text
}
