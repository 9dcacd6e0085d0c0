package diffstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// Run is one shadow run: the comparison of a control topic (v1) with a
// candidate topic (v2) under a set of rules. Every other row of the store
// belongs to a run and is deleted with it.
type Run struct {
	Name           string          `db:"name" json:"name"`
	ControlTopic   string          `db:"control_topic" json:"controlTopic"`
	CandidateTopic string          `db:"candidate_topic" json:"candidateTopic"`
	RulesName      string          `db:"rules_name" json:"rulesName"`
	Rules          json.RawMessage `db:"rules" json:"rules,omitempty"`  // the rules as JSON; nil when none
	CreatedAt      time.Time       `db:"created_at" json:"createdAt"`   // set by the store
	FinishedAt     *time.Time      `db:"finished_at" json:"finishedAt"` // nil while the run goes on
}

// RunMismatchError is returned by [Store.EnsureRun] when the run exists with
// another value in Field (the column name: "control_topic" or
// "candidate_topic"). It wraps [ErrConflict].
type RunMismatchError struct {
	Run    string
	Field  string // column name
	Stored string // value in the store
	Given  string // value EnsureRun was called with
}

// Error names the run, the field and both values.
func (e *RunMismatchError) Error() string {
	return fmt.Sprintf("run %q exists with %s %q, not %q: use another run name or delete the run",
		e.Run, e.Field, e.Stored, e.Given)
}

// Unwrap returns ErrConflict.
func (e *RunMismatchError) Unwrap() error { return ErrConflict }

const runColumns = `name, control_topic, candidate_topic, rules_name, rules, created_at, finished_at`

// ensureRunSQL inserts the run unless it exists and returns the stored row
// either way: the CTE's insert is invisible to the outer SELECT's snapshot, so
// exactly one branch of the UNION yields a row.
const ensureRunSQL = `
WITH ins AS (
    INSERT INTO runs (name, control_topic, candidate_topic, rules_name, rules)
    VALUES ($1, $2, $3, $4, $5)
    ON CONFLICT (name) DO NOTHING
    RETURNING ` + runColumns + `
)
SELECT ` + runColumns + ` FROM ins
UNION ALL
SELECT ` + runColumns + ` FROM runs WHERE name = $1`

// EnsureRun creates r unless a run of that name exists. An existing run is
// accepted when its topics are the same as r's; otherwise the error is a
// *[RunMismatchError] naming the first field that differs. The rules of an
// existing run are kept as stored (the first EnsureRun wins), so restarting a
// comparator never rewrites a run's history. CreatedAt and FinishedAt of r are
// ignored.
func (s *Store) EnsureRun(ctx context.Context, r Run) error {
	if r.Name == "" || r.ControlTopic == "" || r.CandidateTopic == "" {
		return fmt.Errorf("ensure run: name, control topic and candidate topic are required (got %q, %q, %q)",
			r.Name, r.ControlTopic, r.CandidateTopic)
	}
	if r.Rules != nil && !json.Valid(r.Rules) {
		return fmt.Errorf("ensure run %q: rules are not valid JSON", r.Name)
	}
	var stored Run
	// Two concurrent first calls: the loser's ON CONFLICT waits for the
	// winner's commit, but its statement snapshot predates that row, so it
	// sees none. A second statement takes a new snapshot and sees it.
	for attempt := 0; ; attempt++ {
		rows, err := s.db.Query(ctx, ensureRunSQL, r.Name, r.ControlTopic, r.CandidateTopic, r.RulesName, r.Rules)
		if err != nil {
			return fmt.Errorf("ensure run %q: %w", r.Name, err)
		}
		stored, err = pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[Run])
		if err == nil {
			break
		}
		if err = convertErr(err); !errors.Is(err, ErrNotFound) || attempt == 2 {
			return fmt.Errorf("ensure run %q: %w", r.Name, err)
		}
	}
	switch {
	case stored.ControlTopic != r.ControlTopic:
		return &RunMismatchError{Run: r.Name, Field: "control_topic", Stored: stored.ControlTopic, Given: r.ControlTopic}
	case stored.CandidateTopic != r.CandidateTopic:
		return &RunMismatchError{Run: r.Name, Field: "candidate_topic", Stored: stored.CandidateTopic, Given: r.CandidateTopic}
	}
	return nil
}

const getRunSQL = `SELECT ` + runColumns + ` FROM runs WHERE name = $1`

// GetRun returns the run called name, or an error wrapping [ErrNotFound].
func (s *Store) GetRun(ctx context.Context, name string) (Run, error) {
	r, err := selectOne[Run](ctx, s.db, getRunSQL, name)
	if err != nil {
		return Run{}, fmt.Errorf("get run %q: %w", name, err)
	}
	return r, nil
}

const listRunsSQL = `SELECT ` + runColumns + ` FROM runs ORDER BY created_at DESC, name`

// ListRuns returns every run, newest first.
func (s *Store) ListRuns(ctx context.Context) ([]Run, error) {
	runs, err := selectAll[Run](ctx, s.db, listRunsSQL)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return runs, nil
}

const deleteRunSQL = `DELETE FROM runs WHERE name = $1`

// DeleteRun deletes the run and, by cascade, all its counts, divergences,
// field diffs, checkpoints and heartbeats. A comparator still working on the
// run gets [ErrFenced] at its next commit. It returns an error wrapping
// [ErrNotFound] when there is no such run.
func (s *Store) DeleteRun(ctx context.Context, name string) error {
	tag, err := s.db.Exec(ctx, deleteRunSQL, name)
	if err != nil {
		return fmt.Errorf("delete run %q: %w", name, err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("delete run %q: %w", name, ErrNotFound)
	}
	return nil
}

const finishRunSQL = `
UPDATE runs SET finished_at = coalesce(finished_at, now())
WHERE name = $1
RETURNING finished_at`

// FinishRun marks the run finished (now, by the database's clock) and returns
// when it finished. Finishing a finished run keeps the first time. It returns
// an error wrapping [ErrNotFound] when there is no such run.
func (s *Store) FinishRun(ctx context.Context, name string) (time.Time, error) {
	var at time.Time
	if err := s.db.QueryRow(ctx, finishRunSQL, name).Scan(&at); err != nil {
		return time.Time{}, fmt.Errorf("finish run %q: %w", name, convertErr(err))
	}
	return at, nil
}
