// Package loadgen generates upstream order events: realistic orders from
// stores in many time zones and currencies, their sales, returns and
// cancellations, with a share of invalid events of every kind OINK v2
// rejects ([InvalidKinds]) and, on request, events dated a year ahead. The
// same [Config] (seed and start) gives the same events, so a test or a
// benchmark can regenerate what it loaded. [Load] writes them to a topic
// at a rate.
//
//	sum, err := loadgen.Load(ctx, loadgen.LoadConfig{Brokers: brokers, Topic: "orders",
//	    Count: 100000, Gen: loadgen.Config{Seed: 1, InvalidRatio: 0.01}})
package loadgen
