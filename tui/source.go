package tui

import (
	"context"
	"fmt"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/header"
)

// Source is what the dashboard reads. *diffstore.Store has every method but
// CutoverStatus; cmd/oink adds that one from the cutover controller.
type Source interface {
	// Summary returns the run's totals, pending records and heartbeats; an
	// error wrapping diffstore.ErrNotFound when there is no such run.
	Summary(ctx context.Context, run string) (diffstore.Summary, error)
	// CountsSpan returns the first and the last count bucket of the run;
	// ok is false when it has none.
	CountsSpan(ctx context.Context, run string) (first, last time.Time, ok bool, err error)
	// CountsPer returns the counts per grain of source event time from
	// the bucket holding from on, oldest first.
	CountsPer(ctx context.Context, run string, from time.Time, grain time.Duration) ([]diffstore.MinuteCounts, error)
	// TopPaths returns the most often differing field paths.
	TopPaths(ctx context.Context, run string, limit int) ([]diffstore.PathStat, error)
	// Divergences returns the divergences f selects, newest first.
	Divergences(ctx context.Context, f diffstore.Filter) ([]diffstore.Divergence, error)
	// Divergence returns every divergence of one identity, one per kind.
	Divergence(ctx context.Context, run, identity string) ([]diffstore.Divergence, error)
	// ComparatorHealth judges the comparator's instances alive when their
	// heartbeat is at most aliveWithin old.
	ComparatorHealth(ctx context.Context, run string, aliveWithin time.Duration) (diffstore.ComparatorHealth, error)
	// CutoverStatus says where the run's cutover stands; an error wrapping
	// diffstore.ErrNotFound when the run has no plan.
	CutoverStatus(ctx context.Context, run string) (CutoverStatus, error)
}

// CutoverStatus is where a run's cutover stands (see header.Cutover).
type CutoverStatus = header.Cutover

// Gate is the progress of the current stage's gate (see header.Gate).
type Gate = header.Gate

// Change is one change of the cutover from its audit log (see
// header.Change).
type Change = header.Change

// Transition is a change of v2's share (see header.Transition).
type Transition = header.Transition

// Position is where a cutover stands (see header.Position).
type Position = header.Position

// Actions are the cutover's manual commands. Each is recorded with who asks
// (Request.Actor) and why (Request.Reason), as the CLI's `oink cutover`
// commands are, and returns what changed.
type Actions interface {
	Advance(ctx context.Context, run string, r Request) (Outcome, error)
	Pause(ctx context.Context, run string, r Request) (Outcome, error)
	Resume(ctx context.Context, run string, r Request) (Outcome, error)
	Rollback(ctx context.Context, run string, r Request) (Outcome, error)
	Abort(ctx context.Context, run string, r Request) (Outcome, error)
}

// Request says who asks for a command and why.
type Request struct {
	Actor, Reason string
}

// Outcome is what a command did: Action is "none" when nothing changed.
type Outcome struct {
	Action   string
	From, To Position
}

// String shows o for the status bar.
func (o Outcome) String() string {
	if o.Action == "none" {
		return fmt.Sprintf("nothing to do: the cutover is already %s", o.To.Phase)
	}
	return fmt.Sprintf("%s: %s → %s", o.Action, o.From, o.To)
}
