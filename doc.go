// Package oink holds the domain of the OINK migration: the upstream order
// event ([OrderEvent]), the retail transaction message it becomes
// ([RetailTransaction], an "RTCIM"), the money and currency rules both share,
// and [InputError], the one error type every rejection of bad input uses.
//
// The components live in sub-packages: producer (OINK v2, the v1 simulator,
// the load generator), comparator, diffstore, cutover and tui; cmd/oink wires
// them into one binary. See DESIGN.md for the data flow and the invariants.
//
//	ev, err := producer.Decode(raw)          // *oink.InputError on bad JSON
//	rt, err := producer.Transform(ev)        // *oink.InputError names the field
package oink
