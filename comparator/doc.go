// Package comparator joins two topics of JSON records, the control (v1) and
// the candidate (v2), by identity and diffs every pair field by field with
// go-cmp under a YAML rules file. It is generic: nothing in it knows RTCIMs
// beyond what testdata/rules/rtcim.yaml says.
//
// The main types: [Rules] (identity, ignore, tolerance, unordered arrays,
// null-equals-absent, normalisation and accept rules for known, explained
// differences), [Rules.Compare] (one pair → [Result]), and [Run], the
// service: a co-partitioned consumer group (partition p of both topics on
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
// be read go to the comparator's DLQ.
//
//	rules, _ := comparator.LoadRules("testdata/rules/rtcim.yaml")
//	err := comparator.Run(ctx, comparator.Config{Run: "shadow-1", Brokers: brokers,
//	    Control: "rtcim.v1", Candidate: "rtcim.v2", Group: "oink-compare",
//	    Rules: rules, Window: 30 * time.Second, Store: diffstore.New(pool)})
package comparator
