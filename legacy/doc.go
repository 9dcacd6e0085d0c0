// Package legacy is a simulator of the legacy producer, v1: OINK v2's
// RTCIM contract plus the faults a real legacy service shows, each at a
// seeded rate, so that a shadow run's expected differences are known
// exactly. The real v1 is not ours to change; this one stands in for it in
// the demo, the tests, the benchmarks and the fault-injection suite.
//
// Value faults: half-up rounding (rounding), a UTC business date
// (utc-date), a zeroed shipping amount (shipping), dropped and duplicated
// events (drop, dup), reversed lines (reorder), a delay (lag). Format
// faults, which change the record but not its meaning: another field order
// (field-order), another number spelling (number-spelling), an extra
// header (header-extra), a shifted timestamp (timestamp). Every fault that
// changed an event's output goes to the fault log ([FaultEntry], one JSON
// line each): the ground truth a comparison of v1 and v2 must find.
//
//	faults, err := legacy.ParseFaults("rounding=0.02,drop=0.001")
//	stats, err := legacy.Run(ctx, legacy.Config{Config: producer.Config{…, To: "rtcim.v1"},
//	    Faults: faults, Seed: 7, FaultLog: f})
package legacy
