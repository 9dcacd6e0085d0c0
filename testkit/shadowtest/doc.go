// Package shadowtest builds a finished shadow pipeline for tests: upstream
// orders, the v1 simulator with known faults (and its fault log), and v2,
// all on the test's broker. The comparator, the switch and the CLI tests
// start from it.
//
//	s := shadowtest.New(t, 30000)
//	s.Identities(legacy.FaultDrop)   // ground truth
package shadowtest
