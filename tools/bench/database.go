package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/pglocal"
)

// routeMargin is the margin of the plan the benchmark applies to its route
// run: how far ahead of the database clock a transition takes effect.
const routeMargin = 200 * time.Millisecond

// database is the diffstore of a run: the comparator's results and the
// switch's route. Every run the benchmark creates there is deleted by
// close, so a shared database is left as it was found.
type database struct {
	url   string // resolved, passed to the child processes
	pool  *pgxpool.Pool
	store *diffstore.Store
	stop  func() // stops a throwaway cluster pglocal started
	log   *slog.Logger
	runs  []string
}

// openDatabase connects to cfg.DatabaseURL, or the local Postgres
// pglocal.Resolve finds (or starts), and applies the migrations.
func openDatabase(ctx context.Context, cfg Config) (*database, error) {
	url, stop, err := pglocal.Resolve(ctx, cfg.DatabaseURL, cfg.Log)
	if err != nil {
		return nil, err
	}
	pool, err := diffstore.Open(ctx, url)
	if err != nil {
		stop()
		return nil, err
	}
	if err := diffstore.Migrate(ctx, pool); err != nil {
		pool.Close()
		stop()
		return nil, err
	}
	return &database{url: url, pool: pool, store: diffstore.New(pool), stop: stop, log: cfg.Log}, nil
}

// track registers a run to delete at close.
func (d *database) track(run string) { d.runs = append(d.runs, run) }

// close deletes the tracked runs (best effort, even when ctx has ended)
// and releases the database.
func (d *database) close(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	for _, run := range d.runs {
		if err := d.store.DeleteRun(ctx, run); err != nil {
			d.log.Warn("deleting a benchmark run", "run", run, "err", err)
		}
	}
	d.pool.Close()
	d.stop()
}

// route creates run with a cutover route giving v2 percent of the key
// buckets, and returns once the route is in force: every record with a
// source event time from now on is routed at percent.
func (d *database) route(ctx context.Context, run string, percent float64) (diffstore.Route, error) {
	if err := d.store.EnsureRun(ctx, diffstore.Run{Name: run, ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2"}); err != nil {
		return diffstore.Route{}, err
	}
	d.track(run)
	if _, err := d.store.ApplyPlan(ctx, diffstore.PlanApply{Run: run, Plan: json.RawMessage(`{}`), Margin: routeMargin,
		Actor: "oink-bench", Reason: "benchmark route", Stage: 0, Phase: diffstore.PhaseRunning}); err != nil {
		return diffstore.Route{}, err
	}
	tr, err := d.store.AddTransition(ctx, run, percent, routeMargin, "oink-bench", "benchmark route")
	if err != nil {
		return diffstore.Route{}, err
	}
	// Wait until both clocks are past the transition: the load generator
	// stamps events with this machine's clock, the route's horizon is the
	// database's.
	deadline := time.Now().Add(30 * time.Second)
	for {
		r, err := d.store.Route(ctx, run)
		if err != nil {
			return r, err
		}
		if r.Horizon.Add(-routeMargin).After(tr.EffectiveFrom) && time.Now().After(tr.EffectiveFrom) {
			return r, nil
		}
		if time.Now().After(deadline) {
			return r, fmt.Errorf("route of run %s: the transition to %v%% effective from %s is not in force after 30s; is the database clock far from this machine's?",
				run, percent, tr.EffectiveFrom.Format(time.RFC3339Nano))
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// checkpointProgress reads a comparator run's progress from its Postgres
// checkpoints: the records read on both sides (the next offsets, as the
// topics are fresh), per partition, complete once they reach total and no
// record waits for a partner.
func (d *database) checkpointProgress(run string, total int64) progressReader {
	return func(ctx context.Context) (progress, error) {
		ctx, cancel := context.WithTimeout(ctx, pollTimeout)
		defer cancel()
		cks, err := d.store.Checkpoints(ctx, run)
		if err != nil {
			return progress{}, err
		}
		p := progress{parts: map[int]int64{}}
		pending := 0
		for _, ck := range cks {
			n := max(ck.ControlOffset, 0) + max(ck.CandidateOffset, 0)
			p.parts[ck.Partition] = n
			p.done += n
			pending += len(ck.Pending)
		}
		p.complete = p.done >= total && pending == 0
		return p, nil
	}
}
