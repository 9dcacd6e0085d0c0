package cutover

import "github.com/oinkhq/oink/diffstore"

// Phase is where a run's cutover is in its life:
//
//	Pending ──start──▶ Running ──gate passes at the last step──▶ Promoted
//	                   │  ▲  │
//	       divergence, │  │  │ divergence (policy rollback), or rollback
//	  policy pause, or │  │  ▼
//	             pause ▼  │ RolledBack (0%) ──resume──▶ Running at the first step
//	                Paused ─resume─┘
//
// Abort takes any phase to Aborted (0%). Applying a plan to an Aborted run
// makes it Pending again.
type Phase string

// The phases. Their values are those stored in cutover_state.phase.
const (
	// Pending: a plan is applied, nothing started; v2 owns nothing.
	Pending Phase = diffstore.PhasePending
	// Running: the controller evaluates the current step's gate every tick
	// and advances, or acts on a divergence by the plan's policy.
	Running Phase = diffstore.PhaseRunning
	// Paused: the stage holds its percent; the controller does nothing until
	// an operator resumes, advances, rolls back or aborts.
	Paused Phase = diffstore.PhasePaused
	// RolledBack: v2 owns nothing again, after a divergence or an operator's
	// rollback; resume starts over at the first step.
	RolledBack Phase = diffstore.PhaseRolledBack
	// Promoted: the last step's gate passed; v2 owns everything. Final.
	Promoted Phase = diffstore.PhasePromoted
	// Aborted: v2 owns nothing and the plan has ended. Final; apply a plan
	// to start a new cutover.
	Aborted Phase = diffstore.PhaseAborted
)

// Completed reports whether the phase is final: Promoted or Aborted.
func (p Phase) Completed() bool { return p == Promoted || p == Aborted }

// Valid reports whether p is one of the phases.
func (p Phase) Valid() bool {
	switch p {
	case Pending, Running, Paused, RolledBack, Promoted, Aborted:
		return true
	}
	return false
}

// Action names a decision or a command, as the audit log records it.
type Action string

// The actions.
const (
	ActionNone     Action = "none"     // Reconcile decided nothing
	ActionApply    Action = "apply"    // a plan version was applied
	ActionStart    Action = "start"    // Pending → Running at the first step
	ActionAdvance  Action = "advance"  // to the next step, by the gate or an operator
	ActionPromote  Action = "promote"  // the last step's gate passed (or an operator skipped it)
	ActionPause    Action = "pause"    // Running → Paused, by the policy or an operator
	ActionResume   Action = "resume"   // Paused or RolledBack → Running
	ActionRollback Action = "rollback" // → RolledBack at 0%, by the policy or an operator
	ActionAbort    Action = "abort"    // → Aborted at 0%
)
