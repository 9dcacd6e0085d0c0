package tui

import (
	"context"
	"errors"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/oinkhq/oink/diffstore"
)

// tickMsg says it is time to refresh.
type tickMsg struct{}

// dataMsg is the result of a refresh.
type dataMsg struct {
	at      time.Time
	summary diffstore.Summary
	health  diffstore.ComparatorHealth
	minutes []diffstore.MinuteCounts // from since on
	since   time.Time
	paths   []diffstore.PathStat
	filter  string // the filter divs were read with
	divs    []diffstore.Divergence
	// cutover is nil when the run has no plan or the status failed
	// (cutoverErr).
	cutover    *CutoverStatus
	cutoverErr error
}

// divsMsg is the divergences read for a new filter.
type divsMsg struct {
	filter string
	divs   []diffstore.Divergence
}

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
	src, run, filter, since, alive, now := m.cfg.Source, m.cfg.Run, m.filter, m.sparkSince, m.cfg.AliveWithin, m.cfg.Now
	return m.io(func(ctx context.Context) tea.Msg {
		d := dataMsg{filter: filter, since: since}
		fail := func(err error) tea.Msg { return errMsg{err: err, refresh: true} }
		var err error
		if d.summary, err = src.Summary(ctx, run); err != nil {
			return fail(err)
		}
		if d.health, err = src.ComparatorHealth(ctx, run, alive); err != nil {
			return fail(err)
		}
		if d.minutes, err = src.CountsPerMinute(ctx, run, since); err != nil {
			return fail(err)
		}
		if d.paths, err = src.TopPaths(ctx, run, topPathsLimit); err != nil {
			return fail(err)
		}
		if d.divs, err = src.Divergences(ctx, diffstore.Filter{Run: run, Path: filter, Limit: divergencesLimit}); err != nil {
			return fail(err)
		}
		cs, err := src.CutoverStatus(ctx, run)
		switch {
		case err == nil:
			d.cutover = &cs
		case !errors.Is(err, diffstore.ErrNotFound): // not found: no plan yet
			d.cutoverErr = err
		}
		d.at = now()
		return d
	})
}

// divsCmd reads the divergences with a difference at path ("": all).
func (m Model) divsCmd(path string) tea.Cmd {
	src, run := m.cfg.Source, m.cfg.Run
	return m.io(func(ctx context.Context) tea.Msg {
		divs, err := src.Divergences(ctx, diffstore.Filter{Run: run, Path: path, Limit: divergencesLimit})
		if err != nil {
			return errMsg{err: err}
		}
		return divsMsg{filter: path, divs: divs}
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

// mergeMinutes replaces the minutes of old at or after since by fresh (both
// oldest first) and keeps at most keep minutes.
func mergeMinutes(old, fresh []diffstore.MinuteCounts, since time.Time, keep int) []diffstore.MinuteCounts {
	out := make([]diffstore.MinuteCounts, 0, len(old)+len(fresh))
	for _, c := range old {
		if c.Minute.Before(since) {
			out = append(out, c)
		}
	}
	out = append(out, fresh...)
	if len(out) > keep {
		out = out[len(out)-keep:]
	}
	return out
}
