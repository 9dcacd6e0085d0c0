// Package bench measures oink's roles end to end, each against two
// franz-go (kgo) reference pipelines over the same broker and data, every
// pipeline in processes of its own so that its peak RSS and CPU time are
// its own:
//
//   - Oink: the real command(s).
//   - RefTransform: kgo pipes doing the same work as the role without
//     kafka-go (and, for the comparator and the switch, without copart).
//   - RefRaw: kgo pipes copying the same bytes: the broker's ceiling.
//
// Report.Ratio is Oink's throughput ÷ RefTransform's, Report.RatioRaw
// Oink's ÷ RefRaw's. The roles (Config.Role):
//
//   - RoleProducer: `oink produce` from a loaded topic of Config.Events
//     events to its own output, done once its group has committed every
//     event. RefTransform runs producer.Decode, Transform and Record per
//     event (RunRef with RefModeTransform).
//   - RoleComparator: v1 (`oink legacy` with Config.Faults) and v2 (`oink
//     produce`) run over the loaded events to completion as unmeasured
//     setup; then `oink compare` from offset 0 into a fresh run, done once
//     its Postgres checkpoints cover every v1 and v2 record with none
//     waiting. Throughput is pairs (valid events) per second. RefTransform
//     joins v1 and v2 in memory, runs comparator.Compare under the same
//     rules and commits each batch with diffstore.CommitBatch
//     (RefModeCompare). Each comparison is checked in Postgres against v1's
//     fault log.
//   - RoleSwitch: a route giving v2 Config.Percent of the key buckets, then
//     the same setup over events stamped with the current time; then `oink
//     switch` to a fresh live topic, done once its group has committed every
//     v1 and v2 record. Throughput is those records per second. RefTransform
//     routes with cutover.Owner and drops duplicates (RefModeSwitch). Each
//     live topic is checked with cutover.CheckLive.
//   - RolePipeline: loadgen → legacy + produce → compare + switch as five
//     processes started at once, done once the live topic holds every valid
//     event and the comparator has accounted for every record; throughput
//     is events per second, latency each event's from its creation to its
//     arrival on the live topic. RefTransform chains the kgo transform (as
//     v1, without faults, and v2), compare and switch pipes; RefRaw chains
//     kgo copies.
//
// Run starts an embedded broker as a child process when no brokers are
// given; the comparator, switch and pipeline roles find Postgres with
// internal/pglocal and delete every run they created at the end. RunRef is
// the reference pipe itself; `oink bench ref` runs it as a child process.
//
// What is measured, per pipeline:
//
//   - Seconds: from the start of the child processes until a poll of the
//     pipeline's progress (every Config.PollInterval, default 5ms) finds it
//     complete: the group's committed offsets, the comparator's Postgres
//     checkpoints, or the records read back from the live topic. Every
//     pipeline commits only after its writes are acknowledged by all
//     in-sync replicas. It includes process start and the group join
//     (StartupSeconds), not an idle wait before exit.
//   - Batch latency p50/p99 (all roles but the pipeline): the intervals
//     between consecutive advances of the progress, overall for the
//     producer (one batch in hand at a time: one batch's fetch → ack →
//     commit, to within the poll interval), per partition for the
//     comparator and the switch, whose partitions commit on their own.
//   - Event latency p50/p99 (pipeline): from an event's event time, which
//     the load generator sets when it creates it, until the benchmark read
//     its record from the live topic.
//   - Peak RSS and CPU seconds: each process's rusage after it exits
//     (ru_maxrss, user + system time). Result.PeakRssMB is the largest of a
//     pipeline's processes, CPUSeconds their sum; Result.Processes has each.
//   - Broker CPU seconds: the embedded broker's user + system time while the
//     pipeline ran, from /proc/PID/stat (Linux only; zero otherwise and with
//     Config.Brokers).
//
// Use:
//
//	rep, err := bench.Run(ctx, bench.Config{Exe: exe, Role: bench.RoleComparator, Events: 100_000})
//	fmt.Println(rep.Pipelines[0].EventsPerSecond, *rep.Ratio)
package bench
