// Package demo runs the whole migration on one machine: the embedded
// broker, a Postgres (found or started), live upstream traffic, the v1
// simulator with realistic faults, OINK v2, the comparator with the shipped
// rules, the switch and the cutover controller with a short plan. It then
// tells the story a viewer should see: shadow agreement with known v1
// differences accepted by rules, the gate opening stage by stage, a new
// divergence (a v1 fault no rule accepts) and the automatic rollback, and,
// once the fault stops, the cutover resuming to 100%. At the end it checks
// the invariants from outside, by reading the topics and the diffstore.
//
//	sum, err := demo.Run(ctx, demo.Config{Log: log, Events: events})
package demo
