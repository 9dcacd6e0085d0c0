package main

import (
	"context"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/diffstore"
)

// rulesAndStore loads the rules at rulesFile (the RTCIM rules built into
// oink when it is empty) and opens the diffstore: how the roles that read
// records by identity (compare, switch, bench ref) start. The caller calls
// closeStore once the store is no longer used; it is never nil.
func rulesAndStore(ctx context.Context, g *globalOptions, rulesFile string) (*comparator.Rules, *diffstore.Store, func(), error) {
	rules, err := loadRules(rulesFile)
	if err != nil {
		return nil, nil, func() {}, err
	}
	store, closeStore, err := openStore(ctx, g)
	if err != nil {
		return nil, nil, closeStore, err
	}
	return rules, store, closeStore, nil
}

// roleMetrics returns a role's metrics registry and health flag, served as
// /metrics and /healthz on addr until ctx ends (not served when addr is
// empty).
func roleMetrics(ctx context.Context, g *globalOptions, addr string) (*prometheus.Registry, *atomic.Bool, error) {
	reg, healthy := newRegistry(), newHealthy()
	if err := serveMetrics(ctx, addr, reg, healthy, g.log); err != nil {
		return nil, nil, err
	}
	return reg, healthy, nil
}
