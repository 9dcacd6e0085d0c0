// Command oink is the one binary of the oink toolkit: the embedded broker
// (broker), the load generator (loadgen), OINK v2 (produce), the v1
// simulator (legacy), the comparator (compare) and its results (runs,
// diffs, report), the switch that writes the live topic (switch), the
// cutover and its controller (cutover, controller), the dashboard
// (dashboard), dead-letter tools (dlq), the diffstore's database (db) and
// the tools built on them (demo, bench, capacity, chaos).
//
// Every flag has an OINK_<FLAG> environment twin; the exit codes are 0 ok,
// 1 failure, 2 usage error, 3 a check failed, 130 interrupted. Run
// oink --help, and read docs/design.md for how the pieces fit together.
package main
