package diffstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// ErrStale is returned (wrapped) by [Store.ApplyPlan] and
// [Store.ChangeCutover] when the run's cutover state is no longer the
// version the change was computed from: another controller, or an operator,
// changed it in between. Nothing was written. Read the state again and
// decide again; never retry the same change blindly.
var ErrStale = errors.New("cutover state changed since it was read")

// Cutover phases as stored in cutover_state.phase. The cutover package gives
// them a type and their meaning.
const (
	PhasePending    = "pending"
	PhaseRunning    = "running"
	PhasePaused     = "paused"
	PhaseRolledBack = "rolled_back"
	PhasePromoted   = "promoted"
	PhaseAborted    = "aborted"
)

// StageBeforeFirst is the stage of a run whose route gives v2 nothing: before
// its first step, after a rollback or an abort.
const StageBeforeFirst = -1

// CutoverState is where a run's cutover stands: one row per run, created by
// the first [Store.ApplyPlan].
type CutoverState struct {
	Run         string `db:"run" json:"run"`
	PlanVersion int    `db:"plan_version" json:"planVersion"` // the plan in force
	// Stage indexes the plan's steps; StageBeforeFirst (-1) means 0%.
	Stage int    `db:"stage" json:"stage"`
	Phase string `db:"phase" json:"phase"` // one of the Phase… constants
	// StageStartedAt is the EffectiveFrom of the transition that began the
	// stage (source event time), StageEnteredAt that transition's CreatedAt
	// (database time). Both nil until the first transition.
	StageStartedAt *time.Time `db:"stage_started_at" json:"stageStartedAt"`
	StageEnteredAt *time.Time `db:"stage_entered_at" json:"stageEnteredAt"`
	// Version is raised by every write of the row, transitions included:
	// the token a change must present (ExpectVersion) to be applied.
	Version   int64     `db:"version" json:"version"`
	Reason    string    `db:"reason" json:"reason"`        // why the last change was made
	UpdatedBy string    `db:"updated_by" json:"updatedBy"` // who made it
	UpdatedAt time.Time `db:"updated_at" json:"updatedAt"` // database time
}

// StoredPlan is one version of a run's plan, as the cutover package encoded
// it.
type StoredPlan struct {
	Run       string          `db:"run" json:"run"`
	Version   int             `db:"version" json:"version"`
	Plan      json.RawMessage `db:"plan" json:"plan"`
	Margin    time.Duration   `db:"margin" json:"margin"`
	CreatedAt time.Time       `db:"created_at" json:"createdAt"`
	CreatedBy string          `db:"created_by" json:"createdBy"`
}

const stateColumns = `run, plan_version, stage, phase, stage_started_at, stage_entered_at,
    version, reason, updated_by, updated_at`

const cutoverStateSQL = `SELECT ` + stateColumns + ` FROM cutover_state WHERE run = $1`

// CutoverState returns the run's cutover state, or an error wrapping
// [ErrNotFound] when no plan was ever applied to it.
func (s *Store) CutoverState(ctx context.Context, run string) (CutoverState, error) {
	return selectOne[CutoverState](ctx, s.db, fmt.Sprintf("cutover state of run %q", run), cutoverStateSQL, run)
}

const planColumns = `run, version, plan, margin, created_at, created_by`

const planSQL = `SELECT ` + planColumns + ` FROM plans WHERE run = $1 AND version = $2`

// Plan returns version of the run's plan, or an error wrapping [ErrNotFound].
func (s *Store) Plan(ctx context.Context, run string, version int) (StoredPlan, error) {
	return selectOne[StoredPlan](ctx, s.db, fmt.Sprintf("plan %d of run %q", version, run), planSQL, run, version)
}

// PlanApply is a new plan version for a run and the state the run takes
// under it. See [Store.ApplyPlan].
type PlanApply struct {
	Run    string
	Plan   json.RawMessage // the plan, encoded by its owner
	Margin time.Duration   // the plan's margin; must be positive
	Actor  string          // who applies it (required)
	Reason string
	// ExpectVersion is the Version of the state the new Stage and Phase were
	// computed from, or 0 when the run had no state.
	ExpectVersion int64
	Stage         int
	Phase         string
	// Details are stored with the audit entry (JSON object; nil for none).
	Details json.RawMessage
}

const insertPlanSQL = `
INSERT INTO plans (run, version, plan, margin, created_by)
SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4 FROM plans WHERE run = $1
RETURNING version`

const insertStateSQL = `
INSERT INTO cutover_state (run, plan_version, stage, phase, reason, updated_by, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, clock_timestamp())
ON CONFLICT (run) DO NOTHING
RETURNING ` + stateColumns

const updatePlanStateSQL = `
UPDATE cutover_state
SET plan_version = $2, stage = $3, phase = $4, reason = $5, updated_by = $6,
    version = version + 1, updated_at = clock_timestamp()
WHERE run = $1 AND version = $7
RETURNING ` + stateColumns

// ApplyPlan stores a new version of the run's plan (version 1, 2, 3…; every
// version is kept) and, in the same transaction, puts the run's state at
// a.Stage and a.Phase under it and writes an "apply" audit entry. With
// a.ExpectVersion 0 the run must have no state yet; otherwise its state must
// still be at that version. If either does not hold nothing is written and
// the error wraps [ErrStale]. The stage window (StageStartedAt) is kept:
// applying a plan writes no transition.
func (s *Store) ApplyPlan(ctx context.Context, a PlanApply) (CutoverState, error) {
	if a.Run == "" || a.Actor == "" || a.Margin <= 0 || !json.Valid(a.Plan) {
		return CutoverState{}, fmt.Errorf("apply plan to run %q: need a run, an actor, a positive margin and a JSON plan", a.Run)
	}
	var out CutoverState
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var version int
		if err := tx.QueryRow(ctx, insertPlanSQL, a.Run, a.Plan, a.Margin, a.Actor).Scan(&version); err != nil {
			return fmt.Errorf("insert plan: %w", convertErr(err))
		}
		var rows pgx.Rows
		var err error
		if a.ExpectVersion == 0 {
			rows, err = tx.Query(ctx, insertStateSQL, a.Run, version, a.Stage, a.Phase, a.Reason, a.Actor)
		} else {
			rows, err = tx.Query(ctx, updatePlanStateSQL, a.Run, version, a.Stage, a.Phase, a.Reason, a.Actor, a.ExpectVersion)
		}
		if err != nil {
			return fmt.Errorf("write state: %w", err)
		}
		if out, err = collectState(rows); err != nil {
			return err
		}
		return insertAudit(ctx, tx, AuditEntry{Run: a.Run, Actor: a.Actor, Action: "apply", Reason: a.Reason, Details: a.Details})
	})
	if err != nil {
		return CutoverState{}, fmt.Errorf("apply plan to run %q: %w", a.Run, err)
	}
	return out, nil
}

// collectState reads the one state row a conditional write returned; no row
// means the condition failed: ErrStale.
func collectState(rows pgx.Rows) (CutoverState, error) {
	st, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[CutoverState])
	if errors.Is(err, pgx.ErrNoRows) {
		return CutoverState{}, ErrStale
	}
	if err != nil {
		return CutoverState{}, fmt.Errorf("write state: %w", convertErr(err))
	}
	return st, nil
}

// Change is a decision on a run's cutover: the state it moves to, with or
// without a route transition. See [Store.ChangeCutover].
type Change struct {
	Run string
	// ExpectVersion is the Version of the state the decision was made on;
	// 0 skips the check (for tools that mean "whatever the state is").
	ExpectVersion int64
	Stage         int
	Phase         string
	// Percent, when not nil, adds a transition to that percent (see
	// [Store.AddTransition]) and restarts the stage window at it. nil keeps
	// the route and the window.
	Percent *float64
	Action  string // the audit action: "advance", "rollback", …
	Actor   string // required
	Reason  string
	// Details are stored with the audit entry (JSON object; nil for none).
	Details json.RawMessage
}

const lockStateSQL = `SELECT version FROM cutover_state WHERE run = $1 FOR UPDATE`

const changeStateSQL = `
UPDATE cutover_state
SET stage = $2, phase = $3, reason = $4, updated_by = $5,
    stage_started_at = coalesce($6, stage_started_at),
    stage_entered_at = coalesce($7, stage_entered_at),
    version = version + 1, updated_at = clock_timestamp()
WHERE run = $1
RETURNING ` + stateColumns

// ChangeCutover applies c in one transaction: it locks the run's state row,
// checks that its version is still c.ExpectVersion (else nothing is written
// and the error wraps [ErrStale]), adds the transition if c.Percent is set,
// writes the new state and an audit entry whose details gain the transition.
// This is how every decision is made exactly once: two controllers (or a
// controller and an operator) deciding on the same state cannot both win.
// It returns the new state and the transition written, if any.
func (s *Store) ChangeCutover(ctx context.Context, c Change) (CutoverState, *Transition, error) {
	if c.Run == "" || c.Actor == "" || c.Action == "" {
		return CutoverState{}, nil, fmt.Errorf("change cutover of run %q: need a run, an actor and an action", c.Run)
	}
	var out CutoverState
	var tr *Transition
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		if err := lockState(ctx, tx, c.Run, c.ExpectVersion); err != nil {
			return err
		}
		var started, entered *time.Time
		if c.Percent != nil {
			t, err := insertTransition(ctx, tx, c.Run, *c.Percent, 0, c.Actor, c.Reason)
			if err != nil {
				return err
			}
			tr, started, entered = &t, &t.EffectiveFrom, &t.CreatedAt
		}
		rows, err := tx.Query(ctx, changeStateSQL, c.Run, c.Stage, c.Phase, c.Reason, c.Actor, started, entered)
		if err != nil {
			return fmt.Errorf("write state: %w", err)
		}
		if out, err = collectState(rows); err != nil {
			return err
		}
		details, err := withTransition(c.Details, tr)
		if err != nil {
			return err
		}
		return insertAudit(ctx, tx, AuditEntry{Run: c.Run, Actor: c.Actor, Action: c.Action, Reason: c.Reason, Details: details})
	})
	if err != nil {
		return CutoverState{}, nil, fmt.Errorf("%s run %q: %w", c.Action, c.Run, err)
	}
	return out, tr, nil
}

// lockState locks the run's state row until the transaction ends and checks
// its version (expect 0 checks nothing).
func lockState(ctx context.Context, tx pgx.Tx, run string, expect int64) error {
	var version int64
	if err := tx.QueryRow(ctx, lockStateSQL, run).Scan(&version); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("%w: no plan was applied to run %q", ErrNotFound, run)
		}
		return fmt.Errorf("lock cutover state: %w", err)
	}
	if expect != 0 && version != expect {
		return fmt.Errorf("%w (version %d, now %d)", ErrStale, expect, version)
	}
	return nil
}

// withTransition adds {"transition": tr} to the details object.
func withTransition(details json.RawMessage, tr *Transition) (json.RawMessage, error) {
	if tr == nil {
		return details, nil
	}
	m := map[string]any{}
	if len(details) > 0 {
		if err := json.Unmarshal(details, &m); err != nil {
			return nil, fmt.Errorf("audit details are not a JSON object: %w", err)
		}
	}
	m["transition"] = tr
	return json.Marshal(m)
}

// txBeginner is what *pgxpool.Pool and *pgx.Conn offer beyond DBTX.
type txBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// inTx runs f in a READ COMMITTED transaction whatever the server's default,
// so that each statement sees what committed before it: the route's locks
// rely on that (see Route). Over a pgx.Tx it runs in a savepoint of that
// transaction, at the transaction's own isolation level.
func (s *Store) inTx(ctx context.Context, f func(pgx.Tx) error) error {
	if b, ok := s.db.(txBeginner); ok {
		return pgx.BeginTxFunc(ctx, b, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, f)
	}
	return pgx.BeginFunc(ctx, s.db, f)
}
