package comparator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/copart"
	"github.com/oinkhq/oink/internal/kafkaio"
)

// Config configures Run.
type Config struct {
	Run       string // run name: the key of everything stored
	Brokers   []string
	Control   string // the v1 topic
	Candidate string // the v2 topic
	Group     string // consumer group; instances in one group share partitions
	Rules     *Rules // default DefaultRules()
	// Window is the match window: a record is declared missing on the other
	// side once that side's event-time watermark passed it by Window (or on
	// the evidence of Input and the groups below, never on quiet alone),
	// and a side whose partners have kept the other side's records waiting
	// for Window is reported behind. Default 30s.
	Window time.Duration
	// Input is the upstream topic both versions convert, and ControlGroup
	// and CandidateGroup the consumer groups they convert it in. Their
	// committed offsets are the evidence that settles a record whose
	// partner never comes, such as the last records of a run (see
	// docs/comparator-evidence.md): it needs producers that commit an
	// input offset only after their outputs for the events below it are
	// acknowledged (oink produce and oink legacy do). An empty Input, or
	// an empty group for one side, gives no such evidence for that side:
	// its missing records are then found only by the watermark.
	Input                        string
	ControlGroup, CandidateGroup string
	// MaxFutureSkew: a record whose event time lies further past the clock
	// is counted undecodable and dead-lettered (oink.CodeFutureEventTime),
	// so no watermark moves past the clock plus it. Default
	// oink.DefaultMaxFutureSkew.
	MaxFutureSkew time.Duration
	// Now is the clock that bound is read from, default time.Now.
	Now func() time.Time
	// DLQ receives records whose identity cannot be read. Empty: counted only.
	DLQ string
	// StopWhenIdle, when positive, ends Run once every partition of this
	// instance is caught up on both sides, nothing waits for a partner,
	// and that has lasted this long.
	StopWhenIdle   time.Duration
	SessionTimeout time.Duration // consumer group session timeout, default 6s
	BatchSize      int           // most records per partition checkpoint, default 1000
	Instance       string        // this instance's name, default host-pid
	Store          *diffstore.Store
	Topics         kafkaio.TopicSpec
	Log            *slog.Logger
	Metrics        *Metrics // nil records nothing
	// Health, when set, is false while a partition cannot be compared (its
	// checkpoint cannot be committed, or its records read) or heartbeats
	// fail, and true once every partition commits again: /healthz serves
	// it. Failures are retried with capped exponential backoff from the
	// last checkpoint, so nothing is counted twice.
	Health *atomic.Bool
}

func (c *Config) validate() error {
	switch {
	case c.Run == "":
		return errors.New("run: empty; name the shadow run, e.g. --run shadow-2026-11")
	case len(c.Brokers) == 0:
		return errors.New("brokers: none given (set --brokers host:port)")
	case c.Control == "" || c.Candidate == "" || c.Control == c.Candidate:
		return fmt.Errorf("control %q and candidate %q: two different topics are needed (set --control and --candidate)", c.Control, c.Candidate)
	case c.Group == "":
		return errors.New("group: empty (set --group)")
	case c.Store == nil:
		return errors.New("store: no diffstore (set DATABASE_URL)")
	case c.Window < 0:
		return fmt.Errorf("window %v: must be positive (set --window, e.g. 30s)", c.Window)
	case c.MaxFutureSkew < 0:
		return fmt.Errorf("max future skew %v: must be positive (set --max-future-skew, e.g. 5m)", c.MaxFutureSkew)
	case c.Input != "" && (c.Input == c.Control || c.Input == c.Candidate):
		return fmt.Errorf("input %q: must be the upstream topic, not the control or candidate topic (set --input)", c.Input)
	}
	if c.MaxFutureSkew == 0 {
		c.MaxFutureSkew = oink.DefaultMaxFutureSkew
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rules == nil {
		c.Rules = DefaultRules()
	}
	if c.Window == 0 {
		c.Window = 30 * time.Second
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 1000
	}
	if c.Instance == "" {
		host, _ := os.Hostname()
		c.Instance = host + "-" + strconv.Itoa(os.Getpid())
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Run compares the control and candidate topics of cfg.Run until ctx ends
// or, with StopWhenIdle, until everything is compared. Results and progress
// go to the store, checkpointed per partition in one transaction with the
// results they cover, so a Run killed at any moment and started again ends
// with the same totals and divergences (invariant 2).
func Run(ctx context.Context, cfg Config) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	topics := []string{cfg.Control, cfg.Candidate}
	if cfg.DLQ != "" {
		topics = append(topics, cfg.DLQ)
	}
	if err := kafkaio.EnsureTopics(ctx, cfg.Brokers, cfg.Topics, topics...); err != nil {
		return err
	}
	rules, err := bindTopics(ctx, cfg)
	if err != nil {
		return err
	}
	cfg.Rules = rules
	rulesJSON, err := cfg.Rules.JSON()
	if err != nil {
		return err
	}
	if err := cfg.Store.EnsureRun(ctx, diffstore.Run{Name: cfg.Run, ControlTopic: cfg.Control,
		CandidateTopic: cfg.Candidate, RulesName: cfg.Rules.Name, Rules: rulesJSON}); err != nil {
		return err
	}
	w := kafkaio.NewWriter(cfg.Brokers)
	defer w.Close()
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	pr := newProber(cfg)
	sup := newSupervisor(cfg, stop)
	sup.prober = pr
	health := copart.NewHealth(cfg.Health)
	sup.health = health
	var wg sync.WaitGroup
	wg.Go(func() { sup.loop(ctx) })
	if pr != nil {
		wg.Go(func() { pr.loop(ctx) })
	} else {
		cfg.Log.Warn("no input topic or producer groups given: a record whose partner never comes is declared missing only once the other side's watermark passes it, so the last records of a run keep waiting (set --input, --control-group and --candidate-group)")
	}
	err = copart.Run(ctx, copart.Config{Brokers: cfg.Brokers, Group: cfg.Group,
		Topics: []string{cfg.Control, cfg.Candidate}, SessionTimeout: cfg.SessionTimeout, Log: cfg.Log, Health: health},
		func(ctx context.Context, p copart.Partition) error {
			pw := &partitionWorker{cfg: cfg, p: p, w: w, sup: sup, health: health, prober: pr}
			return pw.run(ctx)
		})
	stop()
	wg.Wait()
	return err
}
