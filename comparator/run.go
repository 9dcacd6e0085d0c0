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
	// side once that side's event-time watermark passed it by Window, or
	// the other side was caught up and quiet for Window. Default 30s.
	Window time.Duration
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
	sup := newSupervisor(cfg, stop)
	health := copart.NewHealth(cfg.Health)
	sup.health = health
	var wg sync.WaitGroup
	wg.Go(func() { sup.loop(ctx) })
	err = copart.Run(ctx, copart.Config{Brokers: cfg.Brokers, Group: cfg.Group,
		Topics: []string{cfg.Control, cfg.Candidate}, SessionTimeout: cfg.SessionTimeout, Log: cfg.Log, Health: health},
		func(ctx context.Context, p copart.Partition) error {
			pw := &partitionWorker{cfg: cfg, p: p, w: w, sup: sup, health: health}
			return pw.run(ctx)
		})
	stop()
	wg.Wait()
	return err
}

// heartbeatHealth is the heartbeat's slot in the Health of partitions.
const heartbeatHealth = -1

// supervisor watches the partitions of this instance: it writes heartbeats
// and ends the run when StopWhenIdle says so.
type supervisor struct {
	cfg    Config
	stop   context.CancelFunc
	health *copart.Health

	mu       sync.Mutex
	parts    map[int]partStatus
	assigned bool
	since    time.Time // when every partition was last seen complete, zero if not
}

type partStatus struct {
	complete bool
	lag      int64
	waiting  int
}

func newSupervisor(cfg Config, stop context.CancelFunc) *supervisor {
	return &supervisor{cfg: cfg, stop: stop, parts: map[int]partStatus{}}
}

func (s *supervisor) set(p int, st partStatus) {
	s.mu.Lock()
	s.parts[p] = st
	s.assigned = true
	s.mu.Unlock()
}

func (s *supervisor) drop(p int) {
	s.mu.Lock()
	delete(s.parts, p)
	s.mu.Unlock()
}

// loop heartbeats every second and stops the run once it is idle and complete.
func (s *supervisor) loop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		parts, lag, complete := s.snapshot()
		if err := s.cfg.Store.Heartbeat(ctx, s.cfg.Run, s.cfg.Instance, parts, lag, complete); err != nil && ctx.Err() == nil {
			s.health.Fail(heartbeatHealth)
			s.cfg.Log.Warn("heartbeat failed; retrying at the next beat", "err", err)
		} else {
			s.health.OK(heartbeatHealth)
		}
		s.cfg.Metrics.setLag(lag)
		if s.cfg.StopWhenIdle <= 0 {
			continue
		}
		s.mu.Lock()
		switch {
		case !complete || !s.assigned:
			s.since = time.Time{}
		case s.since.IsZero():
			s.since = time.Now()
		case time.Since(s.since) >= s.cfg.StopWhenIdle:
			s.cfg.Log.Info("every partition compared and idle, stopping", "idle", s.cfg.StopWhenIdle)
			s.stop()
		}
		s.mu.Unlock()
	}
}

func (s *supervisor) snapshot() (parts []int, lag int64, complete bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	// No partition is not "all compared": between two generations (a
	// rebalance, the broker unreachable) a member holds none, and stopping
	// then would leave its partitions half done.
	complete = len(s.parts) > 0
	for p, st := range s.parts {
		parts = append(parts, p)
		lag += st.lag
		complete = complete && st.complete
	}
	return parts, lag, complete
}
