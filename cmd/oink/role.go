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

// roleSetup is what compare and switch run with: their rules, the diffstore,
// and the metrics registry and health flag served as /metrics and /healthz.
type roleSetup struct {
	rules   *comparator.Rules
	store   *diffstore.Store
	metrics *prometheus.Registry
	healthy *atomic.Bool
}

// setUpRole loads the rules and opens the diffstore (rulesAndStore), and
// serves the metrics on metricsAddr until ctx ends (not when it is empty).
// The caller calls closeRole once the role is done; it is never nil.
func setUpRole(ctx context.Context, g *globalOptions, rulesFile, metricsAddr string) (r roleSetup, closeRole func(), err error) {
	r.rules, r.store, closeRole, err = rulesAndStore(ctx, g, rulesFile)
	if err != nil {
		return roleSetup{}, closeRole, err
	}
	r.metrics, r.healthy = newRegistry(), newHealthy()
	if err := serveMetrics(ctx, metricsAddr, r.metrics, r.healthy, g.log); err != nil {
		return roleSetup{}, closeRole, err
	}
	return r, closeRole, nil
}
