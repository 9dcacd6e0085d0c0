// Package comparator joins two topics of JSON records, the control (v1) and
// the candidate (v2), by identity and diffs every pair field by field with
// go-cmp under a YAML rules file. It is generic: nothing in it knows RTCIMs
// beyond what testdata/rules/rtcim.yaml says.
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
// nothing is decoded or allocated.
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
// A record waits for its partner until the other side's event-time
// watermark has passed it by the window (or the other side is caught up and
// quiet for the window); then it is missing on that side. Duplicates of an
// identity on one side within the window are counted, and a duplicate whose
// bytes differ from the first is a divergence. Records whose identity cannot
// be read go to the comparator's DLQ. Run reads both topics'
// message.timestamp.type when it starts (kafka-go does not expose a
// record's timestamp type, and a topic sets it for all its records): when
// they differ, every pair differs at $timestamp_type.
//
//	rules, _ := comparator.LoadRules("testdata/rules/rtcim.yaml")
//	err := comparator.Run(ctx, comparator.Config{Run: "shadow-1", Brokers: brokers,
//	    Control: "rtcim.v1", Candidate: "rtcim.v2", Group: "oink-compare",
//	    Rules: rules, Window: 30 * time.Second, Store: diffstore.New(pool)})
package comparator
