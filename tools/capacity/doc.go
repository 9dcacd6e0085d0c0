// Package capacity answers the question the OINK migration started from:
// how many partitions and instances does each role need for a given
// traffic, and why. It plans from measured per-instance throughput (the
// reports `oink bench … --json` prints), not from rules of thumb.
//
// The model, per role (v2 producer, comparator, switch):
//
//	peak      = rate × peak factor                      (events/s)
//	need      = peak + backlog ÷ catch-up               (after an outage, if asked)
//	usable    = measured per-instance rate × utilization
//	instances = max(min instances, ⌈need ÷ usable⌉)
//	cores     = need × CPU seconds per unit             (from the same benchmark)
//
// in each role's unit: events for the producer, pairs for the comparator,
// records read for the switch (a v1 and a v2 record per event, so its need
// is twice the event rate).
//
// and for the topics, which are co-partitioned (the comparator and the
// switch join control and candidate partition by partition, so orders,
// v1, v2 and the live topic share one partition count):
//
//	partitions = the smallest "round" count ≥ max instances × growth
//
// where a round count (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64, 96, …) is
// divisible by many instance counts, so the group balancer spreads
// partitions evenly, and growth is how far a role can scale out later
// without repartitioning (adding partitions to a keyed topic moves keys
// between partitions and breaks per-key order and co-partitioning).
//
//	plan, err := capacity.Compute(capacity.Input{RatePerSecond: 150000.0 / 3600, PeakFactor: 5,
//		Measured: ms, Utilization: 0.5, MinInstances: 2, Growth: 4})
package capacity
