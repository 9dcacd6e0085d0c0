// Package comparator joins two topics of JSON records, the control (v1) and
// the candidate (v2), by identity and diffs every pair field by field with
// go-cmp under a YAML rules file. It is generic: nothing in it knows RTCIMs
// beyond what shipped/rules/rtcim.yaml says.
//
// It judges the whole Kafka record, so that downstream consumers cannot
// tell which version made it, at four levels ([Outcome]), each counted:
//
//   - identical: key bytes, value bytes, headers (names, values, order) and
//     timestamp equal; a consumer cannot tell;
//   - equivalent: equal after the rules, but some bytes or metadata differ:
//     another member order, number spelling, string escape or whitespace in
//     the value ($value.order, $value.numbers, $value.strings,
//     $value.space), or a difference a rule ignores, tolerates or
//     normalises (a tracing header, a timestamp skew, a trimmed string);
//   - accepted: every difference is accepted by a named rule;
//   - divergent: some difference is not.
//
// Metadata has paths like the value's members — $key, $timestamp,
// $timestamp_type, $headers.NAME, $header_order (paths_meta.go) — usable in
// rules exactly like value paths; a metadata difference no rule covers is a
// divergence. A pair whose bytes are all equal costs byte comparisons only:
// nothing is decoded or allocated. A pair whose values differ only in form
// (member order, spelling, an unordered array in another order) is judged
// by walking both values as written; only a pair that differs in content
// is decoded into trees for go-cmp.
//
// The main types: [Rules] (identity, ignore, tolerance, unordered arrays,
// null-equals-absent, normalisation and accept rules for known, explained
// differences), [Rules.CompareRecords] (one pair of records → [Result]),
// [Rules.Compare] (values only), and [Run], the service: a co-partitioned consumer group (partition p of both topics on
// one instance) whose per-partition join state is checkpointed in Postgres
// (diffstore) in the same transaction as the counts and divergences it
// covers. That is what makes a comparator killed at any moment and restarted
// end with exactly the totals of an uninterrupted run (invariant 2).
//
// # Missing only on evidence
//
// A record waits for its partner until there is evidence that the other
// side o has passed it, never because o was quiet; then it is missing on o.
// There are two kinds of evidence:
//
//   - the watermark: o's event-time watermark is at least the record's time
//     plus the window (o has written records that much later);
//   - the input (Config.Input, ControlGroup, CandidateGroup): a prober reads,
//     each round and in this order, the input topic's end offsets E, o's
//     producer group's committed offsets C on the input, and the end
//     offsets H of both output topics. If C ≥ E on every input partition,
//     o has converted every event that was in the input when E was read;
//     producers commit an input offset only after the outputs of the events
//     below it are acknowledged, so each of those outputs lies below H (read
//     after C). A record w of the other side that lies below that side's
//     end offset read in the previous round (before E) was written before E
//     was read, so its source event lies below E. Hence if w's partner has
//     not arrived once this partition is read up to H on o, o never wrote it
//     (it lost or dead-lettered the event): w is missing on o. All input
//     partitions are required, so the argument holds however input and
//     output partitions map; one lagging producer instance delays evidence
//     for every partition, never falsifies it.
//
// Without evidence a record keeps waiting (a group with no committed offsets,
// a missing input topic, or an empty group name give none; a producer that
// commits before its outputs are acknowledged, such as one that auto-commits,
// must be given an empty group). While records of one side wait for the
// other, that other side is behind: by the event-time lag between the two
// (the waiting side's watermark minus the later of the other's watermark and
// the oldest waiting record), behind once that lag reaches the window, the
// waiting side holds maxWaiting records (it is then not read, which keeps
// memory bounded), or the other side's producer group has not converted, a
// whole prober round later, the events the waiting records come from.
// Heartbeats (diffstore.SideProgress), metrics (oink_compare_behind,
// oink_compare_side_lag_seconds, oink_compare_input_lag) and the cutover
// gate (which waits, and counts nothing missing) report it. The argument in
// full: docs/comparator-evidence.md.
//
// # Event times past the clock
//
// A record whose event time lies past the clock plus Config.MaxFutureSkew
// (oink.DefaultMaxFutureSkew) is undecodable: counted so on its side,
// dead-lettered with oink.CodeFutureEventTime naming the rules' time field,
// logged with its key and time. No watermark therefore moves past the clock
// plus the skew. The judgment is made once, when the record is first read
// and checkpointed: the checkpoint keeps the offset ranges of such records
// inside the range a restart replays, and the replay skips exactly them
// whatever the clock says then (invariant 2). A record read but not yet
// checkpointed when the comparator dies is judged again by the restarted
// one, by its clock.
//
// Duplicates of an identity on one side within the window are counted, and
// a duplicate whose bytes differ from the copy before it is a divergence; a
// copy read once the side's watermark has passed the previous copy by the
// window is a record of its own (and, its partner long paired, missing on
// the other side). That is decided at each copy from the watermark as of
// it, never by when a batch ended, so the counts depend on the records
// alone. Records whose identity cannot be read go to the comparator's DLQ.
//
// Run reads both topics' message.timestamp.type when it starts (kafka-go
// does not expose a record's timestamp type, and a topic sets it for all
// its records): when they differ, every pair differs at $timestamp_type.
//
//	rules, _ := comparator.LoadRules("shipped/rules/rtcim.yaml")
//	err := comparator.Run(ctx, comparator.Config{Run: "shadow-1", Brokers: brokers,
//	    Control: "rtcim.v1", Candidate: "rtcim.v2", Group: "oink-compare",
//	    Input: "orders", ControlGroup: "oink-v1", CandidateGroup: "oink-v2",
//	    Rules: rules, Window: 30 * time.Second, Store: diffstore.New(pool)})
package comparator
