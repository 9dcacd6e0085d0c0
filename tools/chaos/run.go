package chaos

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/internal/pglocal"
	"github.com/oinkhq/oink/tools/childproc"
)

// Report is the outcome of a Run: every trial, in the order they were
// planned (role by role, seed by seed), and the totals.
type Report struct {
	Seed          uint64        `json:"seed"`
	Roles         []Role        `json:"roles"`
	TrialsPerRole int           `json:"trialsPerRole"`
	Events        int           `json:"events"`
	Trials        []TrialResult `json:"trials"`
	Passed        int           `json:"passed"`
	Failed        int           `json:"failed"`
	Kills         int           `json:"kills"`
	Seconds       float64       `json:"seconds"`
	// OK is true when every check of every trial held.
	OK bool `json:"ok"`
}

// TrialResult is one trial: which role it killed, its seed, the kills, how
// long it took, and every invariant checked at its end.
type TrialResult struct {
	Role Role   `json:"role"`
	Seed uint64 `json:"seed"`
	// Kills is how many SIGKILLs were sent; KillsAt the role's progress at
	// each (Progress says what it counts). Fewer kills than planned means
	// the run ended before the later kill moments.
	Kills    int     `json:"kills"`
	KillsAt  []int64 `json:"killsAt"`
	Progress string  `json:"progress"`
	// Events is the number of upstream records the trial ran on.
	Events  int     `json:"events"`
	Seconds float64 `json:"seconds"`
	Checks  []Check `json:"checks"`
	OK      bool    `json:"ok"`
}

// Check is one invariant checked at the end of a trial.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Run runs cfg.Trials trials for each of cfg.Roles and returns the report.
// Its error is for failing to run at all (no broker, no database); a
// trial that fails is reported in the Report (OK false).
func Run(ctx context.Context, cfg Config) (Report, error) {
	cfg.defaults()
	if err := cfg.Validate(); err != nil {
		return Report{}, err
	}
	start := time.Now()
	rules, err := comparator.LoadRules(cfg.RulesFile)
	if err != nil {
		return Report{}, fmt.Errorf("rules: %w", err)
	}
	h := &harness{cfg: cfg, rules: rules, id: randomHex(3),
		spec: kafkaio.TopicSpec{Partitions: cfg.Partitions, ReplicationFactor: cfg.ReplicationFactor,
			Configs: map[string]string{"retention.ms": "-1"}}}
	stop, err := h.setUp(ctx)
	defer stop()
	if err != nil {
		return Report{}, err
	}
	rep := Report{Seed: cfg.Seed, Roles: cfg.Roles, TrialsPerRole: cfg.Trials, Events: cfg.Events}
	rep.Trials = h.runTrials(ctx)
	for _, t := range rep.Trials {
		rep.Kills += t.Kills
		if t.OK {
			rep.Passed++
		} else {
			rep.Failed++
		}
	}
	rep.OK = rep.Failed == 0 && len(rep.Trials) > 0
	rep.Seconds = time.Since(start).Seconds()
	return rep, ctx.Err()
}

// harness is what every trial of a Run shares.
type harness struct {
	cfg     Config
	rules   *comparator.Rules
	id      string   // in every topic, group and run name of this Run
	env     []string // added to every child's (childproc.Env); DATABASE_URL once set up
	spec    kafkaio.TopicSpec
	brokers []string
	dbURL   string // with the run's schema as search_path
	store   *diffstore.Store
}

// setUp starts the broker (unless given) and creates the run's schema. The
// returned function undoes both; it is never nil.
func (h *harness) setUp(ctx context.Context) (func(), error) {
	var undo []func()
	stop := func() {
		for i := len(undo) - 1; i >= 0; i-- {
			undo[i]()
		}
	}
	h.brokers = h.cfg.Brokers
	if len(h.brokers) == 0 {
		b, err := childproc.StartBroker(ctx, h.cfg.Exe, h.env, h.cfg.Partitions)
		if err != nil {
			return stop, err
		}
		undo = append(undo, b.Close)
		h.brokers = b.Addrs
	}
	schema := "oink_chaos_" + h.id
	dbURL, err := withSearchPath(h.cfg.DatabaseURL, schema)
	if err != nil {
		return stop, err
	}
	if err := execSQL(ctx, h.cfg.DatabaseURL, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		return stop, fmt.Errorf("creating schema %s for the run: %w", schema, err)
	}
	if !h.cfg.KeepData {
		undo = append(undo, func() {
			ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
			defer cancel()
			if err := execSQL(ctx, h.cfg.DatabaseURL, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
				h.cfg.Log.Warn("dropping the chaos schema", "schema", schema, "err", err)
			}
		})
	}
	pool, err := diffstore.Open(ctx, dbURL)
	if err != nil {
		return stop, err
	}
	undo = append(undo, pool.Close)
	if err := diffstore.Migrate(ctx, pool); err != nil {
		return stop, err
	}
	h.dbURL, h.store = dbURL, diffstore.New(pool)
	// Secrets go through the environment, never the command line.
	h.env = append(slices.Clip(h.env), "DATABASE_URL="+dbURL)
	h.cfg.Log.Info("chaos run set up", "brokers", h.brokers, "schema", schema, "seed", h.cfg.Seed)
	return stop, nil
}

// runTrials runs every planned trial, cfg.Parallel at a time.
func (h *harness) runTrials(ctx context.Context) []TrialResult {
	type planned struct {
		role Role
		seed uint64
	}
	var plan []planned
	for _, r := range h.cfg.Roles {
		for i := range h.cfg.Trials {
			plan = append(plan, planned{r, h.cfg.Seed + uint64(i)})
		}
	}
	out := make([]TrialResult, len(plan))
	sem := make(chan struct{}, h.cfg.Parallel)
	var wg sync.WaitGroup
	var report sync.Mutex
	for i, p := range plan {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			out = out[:i]
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			out[i] = h.trial(ctx, p.role, p.seed)
			if h.cfg.OnTrial != nil {
				report.Lock()
				h.cfg.OnTrial(out[i])
				report.Unlock()
			}
		})
	}
	wg.Wait()
	return out
}

// withSearchPath returns u with its connections using schema.
func withSearchPath(u, schema string) (string, error) {
	if strings.Contains(u, "://") {
		parsed, err := url.Parse(u)
		if err != nil {
			// url.Parse's error quotes the URL, password and all.
			return "", fmt.Errorf("database URL %s: not a valid URL", pglocal.Redact(u))
		}
		q := parsed.Query()
		q.Set("search_path", schema)
		parsed.RawQuery = q.Encode()
		return parsed.String(), nil
	}
	return u + " search_path=" + schema, nil // a key=value DSN
}

// execSQL runs one statement on a connection of its own.
func execSQL(ctx context.Context, dbURL, sql string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails on Linux
	return hex.EncodeToString(b)
}
