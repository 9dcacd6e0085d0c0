package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/chart"
)

// tickMsg says it is time to refresh.
type tickMsg struct{}

// dataMsg is the result of a refresh.
type dataMsg struct {
	at      time.Time
	summary diffstore.Summary
	health  diffstore.ComparatorHealth
	series  chart.Data
	paths   []diffstore.PathStat
	divs    divsMsg
	// cutover is nil when the run has no plan or the status failed
	// (cutoverErr).
	cutover    *CutoverStatus
	cutoverErr error
}

// divsMsg is the divergences read for a filter.
type divsMsg struct {
	filter string
	divs   []diffstore.Divergence
	more   bool // more than divergencesLimit matched
	// accepted are the paths containing filter with accepted differences,
	// read when no divergence matched.
	accepted []diffstore.PathStat
}

// noteMsg is a note of the story; storyEndMsg says the story has ended.
type (
	noteMsg     struct{ note Note }
	storyEndMsg struct{}
)

// detailMsg is the divergences of one identity, for the detail view.
type detailMsg struct {
	identity string
	kind     diffstore.Kind
	divs     []diffstore.Divergence
}

// actionMsg is the outcome of a cutover command.
type actionMsg struct {
	action  string
	outcome Outcome
}

// errMsg is an error to show in the status bar. refresh marks the error of
// a refresh, which the next good refresh clears.
type errMsg struct {
	err     error
	refresh bool
}

func (e errMsg) Error() string { return e.err.Error() }

// tickCmd waits for the next refresh.
func (m Model) tickCmd() tea.Cmd {
	return tea.Tick(m.cfg.Refresh, func(time.Time) tea.Msg { return tickMsg{} })
}

// refreshCmd reads everything the dashboard shows.
func (m Model) refreshCmd() tea.Cmd {
	src, run, filter, alive, now, columns := m.cfg.Source, m.cfg.Run, m.filter, m.cfg.AliveWithin, m.cfg.Now, m.chart.Columns()
	return m.io(func(ctx context.Context) tea.Msg {
		d := dataMsg{}
		fail := func(err error) tea.Msg { return errMsg{err: err, refresh: true} }
		var err error
		if d.summary, err = src.Summary(ctx, run); err != nil {
			return fail(err)
		}
		if d.health, err = src.ComparatorHealth(ctx, run, alive); err != nil {
			return fail(err)
		}
		if d.series, err = readSeries(ctx, src, run, columns); err != nil {
			return fail(err)
		}
		if d.paths, err = src.TopPaths(ctx, run, topPathsLimit); err != nil {
			return fail(err)
		}
		if d.divs, err = readDivs(ctx, src, run, filter); err != nil {
			return fail(err)
		}
		cs, err := src.CutoverStatus(ctx, run)
		switch {
		case err == nil:
			d.cutover = &cs
			d.series.Marks = marks(cs.Transitions)
		case !errors.Is(err, diffstore.ErrNotFound): // not found: no plan yet
			d.cutoverErr = err
		}
		d.at = now()
		return d
	})
}

// readSeries reads the run's counts in the finest grain that fits columns.
func readSeries(ctx context.Context, src Source, run string, columns int) (chart.Data, error) {
	first, last, ok, err := src.CountsSpan(ctx, run)
	if err != nil || !ok {
		return chart.Data{}, err
	}
	grain := chart.Grain(first, last, columns)
	buckets, err := src.CountsPer(ctx, run, first, grain)
	return chart.Data{Grain: grain, Buckets: buckets}, err
}

// marks are the chart's marks of the route's transitions.
func marks(ts []Transition) []chart.Mark {
	out := make([]chart.Mark, len(ts))
	for i, t := range ts {
		out[i] = chart.Mark{At: t.At, Percent: t.Percent}
	}
	return out
}

// readDivs reads the newest divergences with a difference at a path
// containing filter ("": all), one more than the list shows to tell
// whether there are more; when none matches, the paths containing filter
// where rules accepted differences.
func readDivs(ctx context.Context, src Source, run, filter string) (divsMsg, error) {
	d := divsMsg{filter: filter}
	divs, err := src.Divergences(ctx, diffstore.Filter{Run: run, PathContains: filter, Limit: divergencesLimit + 1})
	if err != nil {
		return d, err
	}
	d.divs, d.more = divs[:min(len(divs), divergencesLimit)], len(divs) > divergencesLimit
	if len(divs) > 0 || filter == "" {
		return d, nil
	}
	paths, err := src.TopPaths(ctx, run, acceptedPathsLimit)
	if err != nil {
		return d, err
	}
	for _, p := range paths {
		if p.Accepted > 0 && strings.Contains(p.Path, filter) {
			d.accepted = append(d.accepted, p)
		}
	}
	return d, nil
}

// divsCmd reads the divergences with a difference at a path containing
// filter ("": all).
func (m Model) divsCmd(filter string) tea.Cmd {
	src, run := m.cfg.Source, m.cfg.Run
	return m.io(func(ctx context.Context) tea.Msg {
		d, err := readDivs(ctx, src, run, filter)
		if err != nil {
			return errMsg{err: err}
		}
		return d
	})
}

// detailCmd reads the divergences of identity.
func (m Model) detailCmd(identity string, kind diffstore.Kind) tea.Cmd {
	src, run := m.cfg.Source, m.cfg.Run
	return m.io(func(ctx context.Context) tea.Msg {
		divs, err := src.Divergence(ctx, run, identity)
		if err != nil {
			return errMsg{err: err}
		}
		return detailMsg{identity: identity, kind: kind, divs: divs}
	})
}

// The cutover commands, as prompt request IDs and as Outcome actions.
const (
	actAdvance  = "advance"
	actPause    = "pause"
	actResume   = "resume"
	actRollback = "rollback"
	actAbort    = "abort"
	// askFilter is the prompt of the path filter.
	askFilter = "filter"
)

// actionCmd runs the cutover command action with reason.
func (m Model) actionCmd(action, reason string) tea.Cmd {
	act, run, req := m.cfg.Actions, m.cfg.Run, Request{Actor: m.cfg.Actor, Reason: reason}
	var do func(context.Context, string, Request) (Outcome, error)
	switch action {
	case actAdvance:
		do = act.Advance
	case actPause:
		do = act.Pause
	case actResume:
		do = act.Resume
	case actRollback:
		do = act.Rollback
	case actAbort:
		do = act.Abort
	default:
		return func() tea.Msg { return errMsg{err: fmt.Errorf("%s: not a cutover command", action)} }
	}
	return m.io(func(ctx context.Context) tea.Msg {
		o, err := do(ctx, run, req)
		if err != nil {
			return errMsg{err: fmt.Errorf("%s: %w", action, err)}
		}
		return actionMsg{action: action, outcome: o}
	})
}
