// Package bench measures OINK v2's producer pipeline end to end and against
// two reference pipelines over the same input, each in its own process so
// that its peak RSS and CPU time are its own:
//
//   - Oink: the real `oink produce` command.
//   - RefTransform: a franz-go (kgo) consumer-group → producer pipe running
//     oink's own Decode, Transform and JSON encoding per record, with the
//     same dead letters: what oink's work costs without kafka-go.
//   - RefRaw: the same kgo pipe copying bytes unchanged: the broker's
//     ceiling on this machine.
//
// Run loads Config.Events generated events into a fresh topic once (starting
// an embedded broker as a child process when no brokers are given), then
// runs each pipeline with its own output topics and consumer group from
// offset 0 until the group has committed every input record, and returns a
// Report. RunRef is the reference pipe itself; `oink bench ref` runs it as a
// child process.
//
// What is measured, per pipeline:
//
//   - Seconds: from the start of the child process until a poll of the
//     group's committed offsets (every Config.PollInterval, default 5ms)
//     finds every input record committed. All three pipelines commit only
//     after their writes are acknowledged by all in-sync replicas, so this
//     is "all N events written and acked". It includes process start and
//     the group join (StartupSeconds), not `oink produce`'s idle wait
//     before it exits.
//   - Batch latency p50/p99: the intervals between consecutive advances of
//     the group's committed offsets. Every pipeline handles one batch at a
//     time (fetch, convert, write and wait for acks, commit, next fetch), so
//     an interval is one batch's fetch → ack → commit time, to within the
//     poll interval. It is the same external measure for all three; it is
//     not an event's time from upstream append to output ack, which in a
//     drain benchmark is only its place in the backlog.
//   - Peak RSS and CPU seconds: the child's rusage after it exits (ru_maxrss,
//     user + system time), so they include start-up and `oink produce`'s
//     idle wait (a few polls).
//   - Broker CPU seconds: the embedded broker's user + system time while the
//     pipeline ran, from /proc/PID/stat (Linux only; zero otherwise and with
//     Config.Brokers).
//
// Use:
//
//	rep, err := bench.Run(ctx, bench.Config{Exe: exe, Events: 1_000_000})
//	fmt.Println(rep.Pipelines[0].EventsPerSecond, *rep.Ratio)
package bench
