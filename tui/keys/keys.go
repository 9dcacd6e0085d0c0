package keys

import "github.com/charmbracelet/bubbles/key"

// Map holds every key binding of the dashboard.
type Map struct {
	Advance  key.Binding // a: advance the cutover
	Pause    key.Binding // p: pause, or resume a paused or rolled back cutover
	Rollback key.Binding // r: roll back to 0%
	Abort    key.Binding // x: abort the cutover
	Filter   key.Binding // /: filter divergences by path
	Tab      key.Binding // tab: switch panes
	Open     key.Binding // enter: open the selected divergence, or filter by the selected path
	Back     key.Binding // esc: close a view or prompt
	Next     key.Binding // n: the detail view's next difference
	Prev     key.Binding // N: the detail view's previous difference
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	Help     key.Binding // ?: toggle help
	Quit     key.Binding // q, ctrl+c: quit
	Yes      key.Binding // y: confirm
}

// Default returns the dashboard's bindings.
func Default() Map {
	return Map{
		Advance:  key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "advance")),
		Pause:    key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "pause/resume")),
		Rollback: key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "rollback")),
		Abort:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "abort")),
		Filter:   key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Tab:      key.NewBinding(key.WithKeys("tab", "shift+tab"), key.WithHelp("tab", "pane")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open")),
		Back:     key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Next:     key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "next difference")),
		Prev:     key.NewBinding(key.WithKeys("N"), key.WithHelp("N", "previous difference")),
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+u"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+d", " "), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
		Help:     key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Quit:     key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Yes:      key.NewBinding(key.WithKeys("y", "Y"), key.WithHelp("y", "confirm")),
	}
}

// ShortHelp is the one-line help of the status bar.
func (m Map) ShortHelp() []key.Binding {
	return []key.Binding{m.Advance, m.Pause, m.Rollback, m.Abort, m.Filter, m.Tab, m.Help, m.Quit}
}

// FullHelp is the help view, in columns.
func (m Map) FullHelp() [][]key.Binding {
	return [][]key.Binding{
		{m.Advance, m.Pause, m.Rollback, m.Abort},
		{m.Tab, m.Up, m.Down, m.PageUp, m.PageDown, m.Top, m.Bottom},
		{m.Open, m.Next, m.Prev, m.Filter, m.Back, m.Help, m.Quit},
	}
}
