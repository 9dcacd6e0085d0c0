// Package oink holds the domain of the OINK migration: the upstream order
// event ([OrderEvent]), the retail transaction message it becomes
// ([RetailTransaction], an "RTCIM"), the money and currency rules both share,
// and [InputError], the one error type every rejection of bad input uses.
//
// The components live in sub-packages: producer (OINK v2), legacy (the v1
// simulator), loadgen (upstream events), identity, comparator, diffstore,
// cutover, report and tui; cmd/oink wires them into one binary. See
// docs/design.md for the data flow and the invariants.
//
//	ev, err := producer.Decode(raw)          // *oink.InputError on bad JSON
//	rt, err := producer.Transform(ev)        // *oink.InputError names the field
package oink
