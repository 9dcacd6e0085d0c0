package report

import (
	"context"
	"time"

	"github.com/oinkhq/oink/diffstore"
)

// Store is what Gather reads. *diffstore.Store has every method; read it
// inside one REPEATABLE READ transaction (diffstore.New(tx)) so that every
// section of a report on a live run describes the same moment.
type Store interface {
	// Summary returns the run and its totals; an error wrapping
	// diffstore.ErrNotFound when there is no such run.
	Summary(ctx context.Context, run string) (diffstore.Summary, error)
	// CountsPerMinute returns the counts of each minute of source event
	// time at or after since, oldest first.
	CountsPerMinute(ctx context.Context, run string, since time.Time) ([]diffstore.MinuteCounts, error)
	// CountsSince sums the counts of the buckets at or after since.
	CountsSince(ctx context.Context, run string, since time.Time) (diffstore.Totals, error)
	// TopPaths returns the most often differing field paths.
	TopPaths(ctx context.Context, run string, limit int) ([]diffstore.PathStat, error)
	// Divergence returns every divergence of one identity, one per kind.
	Divergence(ctx context.Context, run, identity string) ([]diffstore.Divergence, error)
	// CutoverState returns where the cutover stands; an error wrapping
	// diffstore.ErrNotFound when no plan was applied to the run.
	CutoverState(ctx context.Context, run string) (diffstore.CutoverState, error)
	// Plan returns one version of the run's plan.
	Plan(ctx context.Context, run string, version int) (diffstore.StoredPlan, error)
	// Route returns the run's route transitions.
	Route(ctx context.Context, run string) (diffstore.Route, error)
	// History returns the run's audit log, newest first.
	History(ctx context.Context, run string, limit int) ([]diffstore.AuditEntry, error)
	// Switch returns the switch's synced state per live partition and
	// their totals.
	Switch(ctx context.Context, run string) (diffstore.SwitchSummary, error)
	// SwitchMinutes returns what the switch forwarded per minute of
	// source event time and version.
	SwitchMinutes(ctx context.Context, run string) ([]diffstore.SwitchMinute, error)
}

// Data is everything a report shows. Gather fills it from a Store;
// ReadDeadLetters fills DeadLetters. The renderers read nothing else, so a
// field added here and filled by Gather is all a new section needs.
type Data struct {
	// GeneratedAt is when the report was made (Options.Now).
	GeneratedAt time.Time
	// Summary is the run, its totals and its comparator's state.
	Summary diffstore.Summary
	// Accounting is the accounting identity checked on Summary.
	Accounting Accounting
	// Series is divergent and missing over source event time, with the
	// route's changes marked.
	Series Series
	// Cutover is the run's cutover; nil when no plan was applied.
	Cutover *Cutover
	// Paths are the top diverging paths, most divergent first, each with
	// an example pair.
	Paths []PathExample
	// Rules are the accept rules stored with the run, with the pairs each
	// accepted.
	Rules []RuleUse
	// DeadLetters holds one entry per dead-letter topic read; nil when
	// none was read (the section then says so).
	DeadLetters []DeadLetterTopic
	// Levels is the pairs at each level of sameness; nil when no pair was
	// compared.
	Levels *Levels
	// Switch is what the switch wrote to the live topic from each version
	// and what it skipped or dropped; nil when no switch ever synced its
	// state for the run.
	Switch *SwitchForwards
}

// Accounting is invariant 2 on a run's totals: per side, every record read
// is paired, missing on the other side, pending, a duplicate or undecodable,
// and every pair is equal, accepted or divergent.
type Accounting struct {
	Control, Candidate Side
	// Pairs is the number of pairs; PairsSplit whether it equals
	// Equal + Accepted + Divergent.
	Pairs      int64
	PairsSplit bool
	// Holds is true when both sides and the split hold.
	Holds bool
}

// Side is the accounting of one topic.
type Side struct {
	Topic        string
	Read         int64
	Paired       int64 // the run's pairs: one record of this side each
	MissingOther int64 // this side's records the other side never had
	Pending      int64 // waiting for a partner now
	Duplicates   int64
	Undecodable  int64
}

// Sum is the right-hand side of the identity.
func (s Side) Sum() int64 {
	return s.Paired + s.MissingOther + s.Pending + s.Duplicates + s.Undecodable
}

// Holds reports whether Read equals Sum.
func (s Side) Holds() bool { return s.Read == s.Sum() }

// Series is a run's counts in buckets of source event time.
type Series struct {
	// Grain is the width of each bucket.
	Grain time.Duration
	// Buckets are consecutive, oldest first; a bucket without records is
	// present with zero counts.
	Buckets []Bucket
	// Markers are the route's transitions that take effect within the
	// buckets' span.
	Markers []Marker
}

// Bucket is the counts of one span of source event time.
type Bucket struct {
	Start              time.Time
	Pairs              int64
	Divergent          int64
	MissingInControl   int64
	MissingInCandidate int64
}

// Marker is a route transition: from At (source event time) on, v2 owns
// Percent of the key buckets.
type Marker struct {
	At      time.Time
	Percent float64
	// Action is the audit action that wrote it ("start", "advance",
	// "rollback", …; "" when the audit has none).
	Action string
}

// Rollback reports whether the marker took traffic away from v2 by a
// rollback or an abort.
func (m Marker) Rollback() bool { return m.Action == "rollback" || m.Action == "abort" }

// Cutover is a run's cutover: the plan, where it stands, and what happened.
type Cutover struct {
	State diffstore.CutoverState
	// Plan is the plan in force; nil when it could not be decoded.
	Plan *Plan
	// Stages are the route's transitions as stages: each from its
	// effective time to the next one's.
	Stages []Stage
	// Events are the audit log, oldest first.
	Events []Event
	// Truncated is true when the audit log had more entries than
	// Options.MaxEvents: Events holds the newest ones.
	Truncated bool
}

// Plan is a cutover plan as stored.
type Plan struct {
	Steps        []Step `json:"steps"`
	OnDivergence string `json:"onDivergence"`
	Margin       string `json:"margin"`
}

// Step is one step of a Plan.
type Step struct {
	Percent  float64 `json:"percent"`
	Hold     string  `json:"hold"`
	MinPairs int64   `json:"minPairs"`
}

// Stage is one route transition and how long it held.
type Stage struct {
	Transition diffstore.Transition
	Action     string // the audit action that wrote it, or ""
	// Until is the next transition's EffectiveFrom; nil for the last.
	Until *time.Time
}

// Held is how long the stage was in force (of source event time), or 0 for
// the last stage.
func (s Stage) Held() time.Duration {
	if s.Until == nil {
		return 0
	}
	return s.Until.Sub(s.Transition.EffectiveFrom)
}

// Event is one audit entry: a decision of the controller or a command of an
// operator.
type Event struct {
	diffstore.AuditEntry
	// From and To are the positions before and after; nil when the entry
	// carries none.
	From, To *Position
	// Transition is the route transition it wrote, if any.
	Transition *diffstore.Transition
	// Gate is the gate evaluation it was decided on, if any.
	Gate *GateSummary
}

// Position is where a cutover stood.
type Position struct {
	Stage   int     `json:"stage"`
	Phase   string  `json:"phase"`
	Percent float64 `json:"percent"`
}

// GateSummary is the part of a gate evaluation a reader needs: what was
// counted and the verdict.
type GateSummary struct {
	Verdict            string
	Pairs              int64
	Divergent          int64
	MissingInCandidate int64
}

// PathExample is a diverging path with one pair where it diverged.
type PathExample struct {
	diffstore.PathStat
	// Example is the example identity's divergence; nil when it could not
	// be read (deleted since).
	Example *diffstore.Divergence
	// Field is Example's difference at the path; nil when absent.
	Field *diffstore.FieldDiff
}

// RuleUse is one accept rule and what it accepted.
type RuleUse struct {
	Name   string
	Reason string
	Paths  []string
	When   string // the rule's condition, e.g. "tolerance 10"; "" for none
	Pairs  int64  // pairs it accepted (a pair under two rules counts in each)
	// Stored is false for a rule that accepted pairs but is not in the
	// run's stored rules.
	Stored bool
}

// DeadLetterTopic is the dead letters of one topic, grouped.
type DeadLetterTopic struct {
	Topic string
	// Missing is true when the topic does not exist: nothing was ever
	// dead-lettered there.
	Missing bool
	Total   int64
	// First and Last are the earliest and latest record times.
	First, Last time.Time
	// Groups are by error code and field, most letters first.
	Groups []DeadLetterGroup
}

// DeadLetterGroup is the dead letters of one error code at one field.
type DeadLetterGroup struct {
	Code  string
	Field string // array indices replaced by [*]; "" when the letter names none
	Count int64
	// Example is the first letter's message and where its record came
	// from (topic/partition@offset).
	Example       string
	ExampleSource string
}

// Levels is the pairs at each level of sameness: a consumer cannot tell
// identical records apart; equivalent ones are equal after the rules but
// differ in bytes or metadata; accepted ones differ only where a named rule
// accepts it; divergent ones differ elsewhere.
type Levels struct {
	Pairs      int64
	Identical  int64
	Equivalent int64
	Accepted   int64
	Divergent  int64
	// Unleveled is the equal pairs of no known level: compared before the
	// store recorded levels (0 for every run compared since).
	Unleveled int64
}

// SwitchForwards is what the switch did with each version's records, as
// its synced state in the store says (exact as of each partition's last
// committed transaction).
type SwitchForwards struct {
	// Live is the live topic (several, comma-separated, if the run's
	// switch wrote more than one).
	Live string
	// Partitions is the number of switch partitions (source partitions)
	// with a synced state.
	Partitions int
	// Parked is the records read but not yet decided: their source time
	// lies past what the route covered.
	Parked int
	// Versions are v1 then v2.
	Versions []VersionForwards
}

// VersionForwards is the switch's work on one version's records.
type VersionForwards struct {
	Version string // "v1" or "v2"
	Topic   string // the version's topic, as the run names it
	// Forwarded went to the live topic (Collisions among them).
	Forwarded int64
	// NotOwned were skipped: the other version owned their key's bucket.
	NotOwned int64
	// Duplicates were dropped: the same identity and bytes as a record
	// forwarded.
	Duplicates int64
	// Collisions were forwarded though a record of their identity was,
	// with other bytes.
	Collisions int64
	// First and Last are the first and last minute of source event time
	// forwarded from this version; zero when none is known.
	First, Last time.Time
}
