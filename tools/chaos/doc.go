// Package chaos is the SIGKILL part of oink's fault-injection suite: it runs
// the whole migration pipeline as `oink` child processes, kills one role
// (the v2 producer, the comparator, the switch or the cutover controller)
// with SIGKILL at seeded moments, restarts it each time, and then checks the
// invariants from outside, by reading the topics and Postgres, never the
// components' own counters.
//
// A trial has its own topics, consumer groups and run: seeded upstream
// events (1% invalid) at a steady rate, the v1 simulator with seeded faults
// that the comparator rules accept (rounding, UTC business date, drops,
// duplicates, reordered lines) and its fault log, OINK v2, the comparator,
// a second, never-killed comparator run over the same topics (the
// reference), the switch, and the controller walking a plan from 0% to
// 100%. The trial's role is killed Config.Kills times, each when its
// progress, read from outside, reaches a moment drawn from the trial's seed;
// upstream goes on until the cutover has ended. Then everything drains and
// stops, and the checks run:
//
//   - invariant 1: producer.CheckNoLoss over orders, rtcim.v2 and the DLQ;
//   - invariant 2: the trial's comparator totals, pending records and
//     divergences (kind, identity, field paths) equal the reference run's,
//     and match v1's fault log (missing from v1 = its drops, accepted = the
//     events its rounding or date bug changed, nothing divergent);
//   - invariant 4: cutover.CheckLive over the live topic;
//   - the controller: every decision made from the position the previous
//     one left, no stage entered twice, one transition per decision, the
//     route growing except at rollbacks, and the run promoted.
//
// RoleStall, run only when named, is the stalled-side fault: instead of a
// kill, OINK v2 is stopped with SIGSTOP for StallWindows match windows and
// continued with SIGCONT. The same checks then prove that a slow v2 is not
// a lossy one: nothing missing from v2, no rollback. (v2, resumed after its
// session expired, converts part of its backlog twice; a copy written later
// than the match window past the first is counted missing from v1, and the
// fault-log check allows exactly those identities.)
//
// A trial's seed alone chooses its events, v1's faults and its kill
// moments: Config.Seed S runs trials S, S+1, …, and a failed trial is
// replayed with Seed S and Trials 1. `oink chaos` runs it from the binary;
// `go test ./tools/chaos` runs the CI-sized suite and `go test -tags
// chaos ./tools/chaos` the long one.
//
//	rep, err := chaos.Run(ctx, chaos.Config{Exe: exe, DatabaseURL: url,
//		RulesFile: "shipped/rules/rtcim.yaml", Roles: []chaos.Role{chaos.RoleSwitch}})
//	fmt.Println(rep.OK, rep.Kills)
package chaos
