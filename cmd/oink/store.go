package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/pglocal"
	"github.com/oinkhq/oink/shipped"
)

// openPool connects to the diffstore named by --database-url (env
// DATABASE_URL), or finds a local one, and applies the migrations. close
// releases the pool and stops a throwaway cluster if one was started. A
// server that does not answer is a dbConnectError naming where it was
// looked for.
func openPool(ctx context.Context, g *globalOptions) (pool *pgxpool.Pool, close func(), err error) {
	url, stop, err := pglocal.Resolve(ctx, g.databaseURL, g.log)
	if err != nil {
		return nil, func() {}, err
	}
	pool, err = diffstore.Open(ctx, url)
	if err != nil {
		stop()
		return nil, func() {}, asDBConnectError(err)
	}
	if err := diffstore.Migrate(ctx, pool); err != nil {
		pool.Close()
		stop()
		return nil, func() {}, err
	}
	return pool, func() { pool.Close(); stop() }, nil
}

// openStore is openPool with a Store over the pool.
func openStore(ctx context.Context, g *globalOptions) (store *diffstore.Store, close func(), err error) {
	pool, close, err := openPool(ctx, g)
	if err != nil {
		return nil, close, err
	}
	return diffstore.New(pool), close, nil
}

// withStore runs f with an open diffstore.
func withStore(ctx context.Context, g *globalOptions, f func(*diffstore.Store) error) error {
	store, closeStore, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer closeStore()
	return f(store)
}

// requireCutover returns a noCutoverError when no plan was applied to run
// (its cutover may exist before the comparator creates the run).
func requireCutover(ctx context.Context, s *diffstore.Store, run string) error {
	if _, err := s.CutoverState(ctx, run); errors.Is(err, diffstore.ErrNotFound) {
		return noCutoverError{run: run, err: err}
	} else if err != nil {
		return err
	}
	return nil
}

// shippedRulesName names the rules built into oink in messages and in the
// runs table.
const shippedRulesName = shipped.RulesPath

// loadRules reads --rules, or returns the rules built into oink when the
// flag is empty. A missing or invalid file is a usage error.
func loadRules(path string) (*comparator.Rules, error) {
	if path == "" {
		// The shipped RTCIM rules, never the Kafka key: an order's second
		// event (a return, a cancellation) shares its key with the first,
		// so a key identity would drop it as a duplicate.
		return comparator.ParseRules(shippedRulesName, shipped.RTCIMRules)
	}
	r, err := comparator.LoadRules(path)
	if err != nil {
		return nil, usageError{fmt.Errorf("--rules: %w", err)}
	}
	return r, nil
}
