// Package cutover moves a run's live traffic from v1 to v2 in stages, only
// while the comparator finds no divergence (invariant 3 of docs/design.md), and
// records every decision in the diffstore.
//
// A [Plan] is data: a list of [Step]s (percent of key buckets owned by v2,
// hold time, minimum pairs), a [Policy] on divergence (roll back to 0%, or
// pause), the margin of route transitions and the comparator lag a gate
// tolerates. [ParsePlan] reads it from YAML, naming the line, field and fix
// of every problem.
//
// The [Controller] walks the plan. Each tick its leader (one per run, by a
// Postgres advisory lock; any number of standbys) evaluates the current
// stage's [Gate]: it passes only when at least MinPairs pairs (never fewer
// than one) were compared in the stage's window, none diverged and none went
// missing from v2, every partition's comparator instance is alive and within
// the plan's lag, and the hold has passed; its [Verdict] is the worst of its
// [Check]s. A plan (or a step) may also require a [Level]: with require:
// identical, the gate waits (holds the stage, never rolls back) until every
// pair in its window is identical, so downstream cannot tell the versions
// apart; the default, accepted, counts only divergence. A passed gate advances the run to the next step (a route
// transition) or, at the last, promotes it; a divergence triggers the
// policy. The manual commands (Start, Advance, Pause, Resume, Rollback,
// Abort, Apply) are methods of the same Controller, recorded with who and
// why. The run's [Phase] and stage live in the diffstore, so a restarted
// controller resumes the same stage; every change is a compare-and-set on the
// stored state, so nothing is decided twice.
//
// Route transitions take effect a margin in the future, from a source event
// time chosen by the database (see diffstore.Store.AddTransition): that is
// what lets the switch forward each record from exactly one version.
//
// [RunSwitch] also drops a version's own duplicates (v1's dup fault, a
// batch a producer redelivered, a write its Writer retried): it remembers
// the last [SwitchConfig].Dedupe identities forwarded per partition, as
// 128-bit hashes (~26 bytes each), and a restarted switch re-reads that
// many records of the live topic's tail to remember them again. The window
// is a count, default [DefaultDedupe] (20,000): copies land within one
// producer batch of each other, and a bounded window keeps the switch's
// memory flat however long it runs (12 partitions × 20,000 × 26 B ≈ 6 MB;
// the former 200,000 reached ~60 MB, and 127 MB as a Go map).
//
// Each live record keeps the partition its version's topic gave it, so the
// live topic needs the control topic's partition count; for a live topic
// that exists with another count, [PartitionByKey]
// (SwitchConfig.LivePartitioning, `--live-partitioning key`) puts it on
// murmur2 of its key over the live topic's count instead, and
// [CheckLiveOn] checks such a topic.
//
// Applying a plan never starts it: `oink cutover start`, or a controller with
// AutoStart, does.
//
//	plan, err := cutover.LoadPlan("testdata/plans/example.yaml")
//	if err != nil { … }
//	c := &cutover.Controller{Store: diffstore.New(pool), RunName: plan.Run}
//	_, err = c.Apply(ctx, plan, cutover.Request{Actor: "alice", Reason: "canary"})
//	_, err = c.Start(ctx, cutover.Request{Actor: "alice"})
//	err = c.Run(ctx) // leads or stands by until ctx ends
package cutover
