package demo

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/broker"
	"github.com/oinkhq/oink/internal/pglocal"
	"github.com/oinkhq/oink/producer"
)

// Config configures Run.
type Config struct {
	DatabaseURL string // "" finds or starts a Postgres
	Rate        float64
	RulesFile   string // default shipped/rules/rtcim.yaml
	PlanFile    string // default shipped/plans/demo.yaml
	Log         *slog.Logger
	// Events, when set, receives one line per step of the story.
	Events func(Event)
	// Ready, when set, is called once the pipeline runs, with the store and
	// run name (the dashboard attaches there).
	Ready func(store *diffstore.Store, run string, ctl *cutover.Controller)
	// End, when set, is called with the summary once the checks are done,
	// while the broker and the store are still up: Run tears them down
	// only after End returns (a dashboard stays up until the viewer has
	// read it).
	End func(Summary)
}

// Event is one step of the story, for progress lines.
type Event struct {
	At      time.Time `json:"at"`
	Message string    `json:"message"`
}

// Summary is the demo's outcome. Checks lists every invariant checked and
// whether it held; OK is true only when all did.
type Summary struct {
	Run     string  `json:"run"`
	Seconds float64 `json:"seconds"`
	// Events are the upstream events, as read back from the orders topic
	// (Producer.Upstream, the same number).
	Events     int                 `json:"events"`
	Producer   producer.Accounting `json:"producer"`
	Comparator ComparatorTotals    `json:"comparator"`
	Live       cutover.LiveReport  `json:"live"`
	Downstream Downstream          `json:"downstream"`
	Rollbacks  int                 `json:"rollbacks"`
	// RollbackEvents say when, from where and why each rollback happened.
	RollbackEvents []Rollback `json:"rollbackEvents"`
	Stages         []string   `json:"stages"`
	Final          Final      `json:"final"`
	Checks         []Check    `json:"checks"`
	OK             bool       `json:"ok"`
}

// Final is where the cutover ended, counted as people read "stage 4/4".
type Final struct {
	// Stage is the plan's step, from 1 (0 before the first step), of
	// Stages.
	Stage   int           `json:"stage"`
	Stages  int           `json:"stages"`
	Phase   cutover.Phase `json:"phase"`
	Percent float64       `json:"percent"`
}

// Rollback is one rollback of the cutover.
type Rollback struct {
	At time.Time `json:"at"`
	// FromStage (from 1) and FromPercent are where the cutover stood.
	FromStage   int     `json:"fromStage"`
	FromPercent float64 `json:"fromPercent"`
	By          string  `json:"by"`
	Reason      string  `json:"reason"`
	// Cause is what the story knows and the comparison cannot: which
	// version was at fault.
	Cause string `json:"cause"`
}

// Downstream is the migration's criterion: downstream consumers must be
// unable to tell which version made a record.
type Downstream struct {
	// LiveRecords are the records of the live topic.
	LiveRecords int `json:"liveRecords"`
	// CanTell is how many of them differ from the record their owning
	// version wrote: 0 when invariant 4's check read every one byte for
	// byte; -1 when it failed (it stops at the first difference).
	CanTell int `json:"canTell"`
	// IdenticalPairs is the share of compared pairs whose two records are
	// identical (key, value bytes, headers, timestamp).
	IdenticalPairs float64 `json:"identicalPairs"`
}

// ComparatorTotals are the comparator's totals at the end.
type ComparatorTotals struct {
	Pairs          int64            `json:"pairs"`
	Equal          int64            `json:"equal"`
	Identical      int64            `json:"identical"`
	Equivalent     int64            `json:"equivalent"`
	Accepted       int64            `json:"accepted"`
	AcceptedByRule map[string]int64 `json:"acceptedByRule"`
	Divergent      int64            `json:"divergent"`
	MissingControl int64            `json:"missingInControl"`
	// MissingCandidate are v1's records v2 never wrote: what the gate
	// counts against v2 (none expected here).
	MissingCandidate int64 `json:"missingInCandidate"`
	DuplicatesV1     int64 `json:"duplicatesControl"`
	Accounting       bool  `json:"accountingHolds"`
}

// Check is one invariant checked at the end.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

func (c *Config) defaults() {
	if c.Rate <= 0 {
		c.Rate = 1000
	}
	if c.RulesFile == "" {
		c.RulesFile = "shipped/rules/rtcim.yaml"
	}
	if c.PlanFile == "" {
		c.PlanFile = "shipped/plans/demo.yaml"
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if c.Events == nil {
		c.Events = func(Event) {}
	}
}

// Run runs the demo to its end and returns its summary; the error is for
// failures to run at all (a failed invariant is reported in the summary),
// or ctx's error when ctx ended first: then nothing is checked.
func Run(ctx context.Context, cfg Config) (Summary, error) {
	cfg.defaults()
	start := time.Now()
	rules, err := comparator.LoadRules(cfg.RulesFile)
	if err != nil {
		return Summary{}, fmt.Errorf("rules: %w", err)
	}
	plan, err := cutover.LoadPlan(cfg.PlanFile)
	if err != nil {
		return Summary{}, fmt.Errorf("plan: %w", err)
	}
	b, err := broker.Start(broker.Config{Partitions: 6, Topics: []string{}})
	if err != nil {
		return Summary{}, err
	}
	defer b.Close()
	url, stopPG, err := pglocal.Resolve(ctx, cfg.DatabaseURL, cfg.Log)
	if err != nil {
		return Summary{}, err
	}
	defer stopPG()
	pool, err := diffstore.Open(ctx, url)
	if err != nil {
		return Summary{}, err
	}
	defer pool.Close()
	if err := diffstore.Migrate(ctx, pool); err != nil {
		return Summary{}, err
	}
	run := fmt.Sprintf("demo-%s", start.UTC().Format("20060102-150405"))
	plan.Run = run
	s := &stage{cfg: cfg, brokers: b.Addrs(), store: diffstore.New(pool), run: run, rules: rules, plan: plan, start: start}
	return s.play(ctx)
}
