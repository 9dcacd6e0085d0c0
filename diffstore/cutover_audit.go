package diffstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// AuditEntry is one line of a run's cutover audit log: a decision of the
// controller or a command of an operator.
type AuditEntry struct {
	Run    string    `db:"run" json:"run"`
	ID     int64     `db:"id" json:"id"` // set by the store; grows with time
	At     time.Time `db:"at" json:"at"` // set by the store (database time)
	Actor  string    `db:"actor" json:"actor"`
	Action string    `db:"action" json:"action"` // "apply", "start", "advance", "rollback", …
	Reason string    `db:"reason" json:"reason"`
	// Details is a JSON object: the states before and after, the
	// transition written, the gate the decision was made on.
	Details json.RawMessage `db:"details" json:"details"`
}

const insertAuditSQL = `INSERT INTO audit (run, actor, action, reason, details) VALUES ($1, $2, $3, $4, $5)`

// Audit appends e to the run's audit log (its ID and At are set by the
// store). [Store.ApplyPlan] and [Store.ChangeCutover] write their own entry;
// use Audit for anything else worth a line.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	if err := insertAudit(ctx, s.db, e); err != nil {
		return fmt.Errorf("audit %s of run %q: %w", e.Action, e.Run, err)
	}
	return nil
}

// insertAudit writes e with db (the Store's, or a transaction of it).
func insertAudit(ctx context.Context, db interface {
	Exec(context.Context, string, ...any) (pgconn.CommandTag, error)
}, e AuditEntry) error {
	if e.Run == "" || e.Actor == "" || e.Action == "" {
		return fmt.Errorf("audit entry needs a run, an actor and an action (got %q, %q, %q)", e.Run, e.Actor, e.Action)
	}
	details := e.Details
	if len(details) == 0 {
		details = json.RawMessage(`{}`)
	}
	if !json.Valid(details) {
		return fmt.Errorf("audit details of %s are not valid JSON", e.Action)
	}
	if _, err := db.Exec(ctx, insertAuditSQL, e.Run, e.Actor, e.Action, e.Reason, details); err != nil {
		return fmt.Errorf("insert audit entry: %w", err)
	}
	return nil
}

const historySQL = `
SELECT run, id, at, actor, action, reason, details
FROM audit WHERE run = $1 ORDER BY id DESC LIMIT $2`

// History returns the run's audit log, newest first: at most limit entries
// (DefaultLimit when limit <= 0).
func (s *Store) History(ctx context.Context, run string, limit int) ([]AuditEntry, error) {
	return selectAll[AuditEntry](ctx, s.db, fmt.Sprintf("history of run %q", run), historySQL, run, orDefault(limit))
}
