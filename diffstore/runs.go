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
	return selectOne[Run](ctx, s.db, fmt.Sprintf("get run %q", name), getRunSQL, name)
}

const listRunsSQL = `SELECT ` + runColumns + ` FROM runs ORDER BY created_at DESC, name`

// ListRuns returns every run, newest first.
func (s *Store) ListRuns(ctx context.Context) ([]Run, error) {
	return selectAll[Run](ctx, s.db, "list runs", listRunsSQL)
}

// runTables are the tables that hold a run's rows, in the order DeleteRun
// empties them: cutover_state before the plans it references, and runs
// last, whose delete cascades to counts, accepted_counts,
// equivalent_counts, divergences, field_diffs, checkpoints and heartbeats.
// The cutover and switch tables do not reference runs (a plan may be
// applied, and a switch may start, before the comparator creates the run),
// so each is emptied by name. TestDeleteRunLeavesNoRow checks that every
// table with a run column is here or cascades from runs.
var runTables = []string{"cutover_state", "plans", "transitions", "gate_evaluations", "audit",
	"switch_partitions", "switch_forwards", "runs"}

// DeleteRun deletes every row of the run, in one transaction: the run and,
// by cascade, its counts, divergences, field diffs, checkpoints and
// heartbeats; its cutover (plans, state, transitions, gate evaluations,
// audit); and the switch's provenance. A run that has only a cutover (the
// comparator never ran) is deleted too. A comparator still working on the
// run gets [ErrFenced] at its next commit. It returns an error wrapping
// [ErrNotFound] when no table holds a row of the run.
func (s *Store) DeleteRun(ctx context.Context, name string) error {
	var deleted int64
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		for _, table := range runTables {
			column := "run"
			if table == "runs" {
				column = "name"
			}
			tag, err := tx.Exec(ctx, "DELETE FROM "+table+" WHERE "+column+" = $1", name)
			if err != nil {
				return fmt.Errorf("%s: %w", table, err)
			}
			deleted += tag.RowsAffected()
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete run %q: %w", name, err)
	}
	if deleted == 0 {
		return fmt.Errorf("delete run %q: %w", name, ErrNotFound)
	}
	return nil
}

// RunListing is one run as `oink runs list` shows it: the comparator's run,
// its cutover, or both (a plan may be applied before the comparator creates
// the run).
type RunListing struct {
	Name string `json:"name"`
	// Run is the comparator's run; nil when only a cutover exists.
	Run *Run `json:"run"`
	// LastHeartbeat is the newest heartbeat of the run's comparator
	// instances; nil when none ever sent one.
	LastHeartbeat *time.Time `json:"lastHeartbeat"`
	// Cutover is where the run's cutover stands; nil when no plan was
	// applied.
	Cutover *CutoverListing `json:"cutover"`
}

// CutoverListing is a cutover's position in a RunListing.
type CutoverListing struct {
	Phase     string    `json:"phase"`
	Stage     int       `json:"stage"`  // index into the plan's steps; -1 before the first
	Stages    int       `json:"stages"` // steps of the plan in force
	Percent   float64   `json:"percent"`
	UpdatedAt time.Time `json:"updatedAt"`
}

const runListingSQL = `
SELECT coalesce(r.name, c.run) AS name,
    r.name IS NOT NULL AS has_run, r.control_topic, r.candidate_topic, r.rules_name, r.created_at, r.finished_at,
    (SELECT max(h.last_seen) FROM heartbeats h WHERE h.run = r.name) AS last_heartbeat,
    c.run IS NOT NULL AS has_cutover, c.phase, c.stage, c.updated_at,
    coalesce(jsonb_array_length(p.plan->'steps'), 0) AS stages,
    coalesce((SELECT t.percent FROM transitions t WHERE t.run = c.run ORDER BY t.seq DESC LIMIT 1), 0) AS percent
FROM runs r
FULL JOIN cutover_state c ON c.run = r.name
LEFT JOIN plans p ON p.run = c.run AND p.version = c.plan_version
ORDER BY coalesce(r.created_at, c.updated_at) DESC, 1`

// RunListings returns every run and every cutover, newest first, each
// with its comparator's last heartbeat and its cutover's position.
func (s *Store) RunListings(ctx context.Context) ([]RunListing, error) {
	rows, err := s.db.Query(ctx, runListingSQL)
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (RunListing, error) {
		var (
			l                  RunListing
			hasRun, hasCutover bool
			r                  Run
			control, candidate *string
			rules              *string
			created            *time.Time
			c                  CutoverListing
			phase              *string
			stage              *int
			updated            *time.Time
		)
		err := row.Scan(&l.Name, &hasRun, &control, &candidate, &rules, &created, &r.FinishedAt, &l.LastHeartbeat,
			&hasCutover, &phase, &stage, &updated, &c.Stages, &c.Percent)
		if err != nil {
			return l, err
		}
		if hasRun {
			r.Name, r.ControlTopic, r.CandidateTopic, r.RulesName, r.CreatedAt = l.Name, *control, *candidate, *rules, *created
			l.Run = &r
		}
		if hasCutover {
			c.Phase, c.Stage, c.UpdatedAt = *phase, *stage, *updated
			l.Cutover = &c
		}
		return l, nil
	})
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
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
