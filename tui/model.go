package tui

import (
	"context"
	"errors"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/chart"
	"github.com/oinkhq/oink/tui/detail"
	"github.com/oinkhq/oink/tui/divlist"
	"github.com/oinkhq/oink/tui/header"
	"github.com/oinkhq/oink/tui/keys"
	"github.com/oinkhq/oink/tui/paths"
	"github.com/oinkhq/oink/tui/prompt"
	"github.com/oinkhq/oink/tui/story"
	"github.com/oinkhq/oink/tui/style"
	"github.com/oinkhq/oink/tui/totals"
)

// Defaults of Config's optional fields.
const (
	DefaultRefresh      = time.Second
	DefaultAliveWithin  = 5 * time.Second
	DefaultQueryTimeout = 10 * time.Second
)

// Limits of what one refresh reads.
const (
	topPathsLimit = 20
	// divergencesLimit is how many divergences the list shows at most: a
	// display limit, which its title names when more exist.
	divergencesLimit = 100
	// acceptedPathsLimit bounds the paths read to say where a filter that
	// matches no divergence matches accepted differences.
	acceptedPathsLimit = 500
)

// Config is what the dashboard shows and with what it acts.
type Config struct {
	// Run is the shadow run to show. Required.
	Run string
	// Source reads the run. Required.
	Source Source
	// Actions runs the cutover's commands. nil makes the dashboard
	// read-only: a, p, r and x then say so.
	Actions Actions
	// Actor is who the commands are recorded as. Required with Actions.
	Actor string
	// Refresh is the interval between two reads. Default: 1s.
	Refresh time.Duration
	// AliveWithin is how recent a comparator heartbeat must be for the
	// instance to count as alive. Default: 5s.
	AliveWithin time.Duration
	// QueryTimeout bounds one refresh, one opening and one command.
	// Default: 10s.
	QueryTimeout time.Duration
	// Now is the clock of the header and of the rates. Default: time.Now.
	Now func() time.Time
	// Styles and Keys default to style.New() and keys.Default().
	Styles *style.Styles
	Keys   *keys.Map
	// Story, when set, feeds the story pane: the notes of a scripted run
	// (oink demo) as it happens. Its sender closes it when the story has
	// ended: the dashboard then stops reading, says so, and the next key
	// closes it.
	Story <-chan Note
}

// Note is a line of the story pane.
type Note = story.Note

// Validate checks the required fields.
func (c Config) Validate() error {
	var errs []error
	if c.Run == "" {
		errs = append(errs, errors.New("dashboard: Run is required"))
	}
	if c.Source == nil {
		errs = append(errs, errors.New("dashboard: Source is required"))
	}
	if c.Actions != nil && c.Actor == "" {
		errs = append(errs, errors.New("dashboard: Actor is required with Actions: who the commands are recorded as"))
	}
	if c.Refresh < 0 || c.AliveWithin < 0 || c.QueryTimeout < 0 {
		errs = append(errs, errors.New("dashboard: Refresh, AliveWithin and QueryTimeout must not be negative"))
	}
	return errors.Join(errs...)
}

// state is what the dashboard can show.
type state uint8

const (
	loading state = iota // nothing read yet
	ready                // data read at least once
	failed               // the first reads failed; retried every Refresh
)

// pane is a pane keys can go to.
type pane uint8

const (
	divergencesPane pane = iota
	pathsPane
)

// runIO runs f with a context that ends with the program and after the
// query timeout. bubbletea's commands (func() tea.Msg) take no context, so
// New closes over the program's context here once instead of every command
// taking one: the only way a query learns that the program ended.
type runIO func(f func(ctx context.Context) tea.Msg) tea.Cmd

// Model is the root model of the dashboard.
type Model struct {
	cfg    Config
	io     runIO
	keys   keys.Map
	styles style.Styles

	state         state
	err           error // why the first reads failed
	width, height int
	focus         pane
	showHelp      bool
	showDetail    bool
	opening       string // identity being read for the detail view
	filter        string // part of a path the divergences are filtered by
	fetching      bool   // a refresh is in flight
	status        status
	summary       diffstore.Summary
	cutover       *CutoverStatus
	prev          *sample // the previous refresh, for rates
	// seenChange is the newest cutover change announced (changesSeen: the
	// first refresh with a cutover came).
	seenChange  int64
	changesSeen bool
	// asked is where the cutover stood when a command's prompt opened, and
	// submitted the newest change then: the command runs only from there.
	asked     Position
	submitted int64
	// nextNote waits for the story's next note (nil without a story);
	// ended says the story has ended.
	nextNote tea.Cmd
	ended    bool

	header header.Model
	story  story.Model
	totals totals.Model
	chart  chart.Model
	paths  paths.Model
	divs   divlist.Model
	detail detail.Model
	prompt prompt.Model
	help   help.Model
}

// status is the status bar's message.
type status struct {
	text    string
	isErr   bool
	alert   bool // an announcement that must stand out: a rollback
	refresh bool // an error of a refresh, cleared by the next good one
}

// New returns the dashboard's model. Queries run under ctx: when it ends,
// they stop.
func New(ctx context.Context, cfg Config) (Model, error) {
	if err := cfg.Validate(); err != nil {
		return Model{}, err
	}
	cfg.Refresh = cmpOr(cfg.Refresh, DefaultRefresh)
	cfg.AliveWithin = cmpOr(cfg.AliveWithin, DefaultAliveWithin)
	cfg.QueryTimeout = cmpOr(cfg.QueryTimeout, DefaultQueryTimeout)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	st := style.New()
	if cfg.Styles != nil {
		st = *cfg.Styles
	}
	km := keys.Default()
	if cfg.Keys != nil {
		km = *cfg.Keys
	}
	timeout := cfg.QueryTimeout
	m := Model{cfg: cfg, keys: km, styles: st,
		io: func(f func(context.Context) tea.Msg) tea.Cmd {
			return func() tea.Msg {
				qctx, cancel := context.WithTimeout(ctx, timeout)
				defer cancel()
				return f(qctx)
			}
		},
		header: header.New(st), story: story.New(st), totals: totals.New(st), chart: chart.New(st),
		paths: paths.New(st, km), divs: divlist.New(st, km, divergencesLimit), detail: detail.New(st, km),
		prompt: prompt.New(st, km), help: help.New(),
	}
	if ch := cfg.Story; ch != nil {
		m.nextNote = func() tea.Msg {
			select {
			case n, ok := <-ch:
				if !ok {
					return storyEndMsg{}
				}
				return noteMsg{n}
			case <-ctx.Done():
				return nil
			}
		}
	}
	m.setFocus(divergencesPane)
	return m, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Init starts the first refresh, and waits for the story's first note.
func (m Model) Init() tea.Cmd {
	return tea.Batch(m.refreshCmd(), m.nextNote)
}

// ErrInterrupted is returned by Run when the viewer pressed Ctrl-C: the
// terminal's interrupt, which the dashboard reads as a key.
var ErrInterrupted = errors.New("interrupted")

// Run shows the dashboard on the terminal until the viewer quits (then it
// returns nil), presses Ctrl-C (ErrInterrupted) or ctx ends (nil).
func Run(ctx context.Context, cfg Config, opts ...tea.ProgramOption) error {
	m, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	opts = append([]tea.ProgramOption{tea.WithAltScreen(), tea.WithContext(ctx)}, opts...)
	_, err = tea.NewProgram(m, opts...).Run()
	switch {
	case errors.Is(err, tea.ErrInterrupted):
		return ErrInterrupted
	case errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil:
		return nil
	}
	return err
}

// setFocus gives the keys to pane p.
func (m *Model) setFocus(p pane) {
	m.focus = p
	m.paths.SetFocused(p == pathsPane)
	m.divs.SetFocused(p == divergencesPane)
}
