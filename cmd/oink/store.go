package main

import (
	"context"
	"fmt"

	"github.com/oinkhq/oink/shipped"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/pglocal"
)

// openStore connects to the diffstore named by --database-url (env
// DATABASE_URL), or finds a local one, and applies the migrations. close
// releases the pool and stops a throwaway cluster if one was started.
func openStore(ctx context.Context, g *globalOptions) (store *diffstore.Store, close func(), err error) {
	url, stop, err := pglocal.Resolve(ctx, g.databaseURL, g.log)
	if err != nil {
		return nil, func() {}, err
	}
	pool, err := diffstore.Open(ctx, url)
	if err != nil {
		stop()
		return nil, func() {}, err
	}
	if err := diffstore.Migrate(ctx, pool); err != nil {
		pool.Close()
		stop()
		return nil, func() {}, err
	}
	return diffstore.New(pool), func() { pool.Close(); stop() }, nil
}

// loadRules reads --rules, or returns the default rules (identity = Kafka
// key) when the flag is empty.
// shippedRulesName names the rules built into oink in messages and in the
// runs table.
const shippedRulesName = shipped.RulesPath

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
