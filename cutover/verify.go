package cutover

import (
	"bytes"
	"fmt"
	"slices"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/identity"
	"github.com/segmentio/kafka-go"
)

// LiveReport is the outcome of CheckLive: invariant 4 read from the topics.
type LiveReport struct {
	Live      int `json:"live"`      // records on the live topic
	FromV1    int `json:"fromV1"`    // of which v1's records (v1 owned their bucket)
	FromV2    int `json:"fromV2"`    // and v2's
	Expected  int `json:"expected"`  // identities whose owner version produced them
	OwnerLack int `json:"ownerLack"` // identities the owning version never produced (a v1 drop): not the switch's to fill
}

// CheckLive checks invariant 4 over whole topics: every identity appears on
// the live topic at most once, and as the record of the version that owned
// its bucket at its source time under route, unchanged — key, value,
// headers in order, timestamp and partition equal to one that version
// wrote; and every identity the owning version produced is there (no
// gap). It returns the first violation. live must be read with
// read_committed (kafkaio.ReadCommitted). It checks a switch that keeps
// each record's partition (PartitionAsSource); CheckLiveOn checks either.
func CheckLive(live, v1, v2 []kafka.Message, route diffstore.Route, rules *identity.Spec) (LiveReport, error) {
	return CheckLiveOn(live, v1, v2, route, rules, PartitionAsSource, 0)
}

// CheckLiveOn is CheckLive for a switch that partitions the live topic, of
// n partitions, with lp: a live record must equal its owner's record in
// everything but the partition, and be on the partition lp gives that
// record (by key: murmur2 of its key mod n).
func CheckLiveOn(live, v1, v2 []kafka.Message, route diffstore.Route, rules *identity.Spec, lp LivePartitioning, n int) (LiveReport, error) {
	var rep LiveReport
	if lp == PartitionByKey && n < 1 {
		return rep, fmt.Errorf("checking a live topic partitioned by key needs its partition count, got %d", n)
	}
	// The route is read at each record's event time under the rules, as
	// the switch reads it.
	at := func(m kafka.Message) time.Time {
		_, t, err := rules.Identify(m.Key, m.Value, m.Time)
		if err != nil {
			return m.Time
		}
		return t
	}
	id := func(m kafka.Message) (string, error) {
		s, _, err := rules.Identify(m.Key, m.Value, m.Time)
		return s, err
	}
	produced := [2]map[string][]kafka.Message{{}, {}}
	for s, msgs := range [][]kafka.Message{v1, v2} {
		for _, m := range msgs {
			if k, err := id(m); err == nil {
				produced[s][k] = append(produced[s][k], m)
			}
		}
	}
	onLive := map[string]bool{}
	for _, m := range live {
		k, err := id(m)
		if err != nil {
			return rep, fmt.Errorf("live record %d@%d has no identity: %w", m.Partition, m.Offset, err)
		}
		if onLive[k] {
			return rep, fmt.Errorf("identity %s is on the live topic twice", k)
		}
		onLive[k] = true
		owner := Owner(route, m.Key, at(m))
		same := func(o kafka.Message) bool {
			o.Partition = lp.Partition(o.Key, o.Partition, n)
			return SameRecord(o, m)
		}
		if !slices.ContainsFunc(produced[owner][k], same) {
			other := "no version wrote it"
			if slices.ContainsFunc(produced[1-owner][k], same) {
				other = "it is " + version(1-owner) + "'s record"
			}
			return rep, fmt.Errorf("identity %s on the live topic (partition %d) is not %s's record unchanged, though %s owned bucket %d at %s (%.2f%% to v2): %s",
				k, m.Partition, version(owner), version(owner), bucketOf(m.Key), at(m).UTC().Format("15:04:05.000"), route.PercentAt(at(m)), other)
		}
		if owner == 0 {
			rep.FromV1++
		} else {
			rep.FromV2++
		}
	}
	rep.Live = len(live)
	all := map[string]kafka.Message{}
	for s := range 2 {
		for k, ms := range produced[s] {
			all[k] = ms[0]
		}
	}
	for k, m := range all {
		owner := Owner(route, m.Key, at(m))
		if len(produced[owner][k]) == 0 {
			rep.OwnerLack++
			continue
		}
		rep.Expected++
		if !onLive[k] {
			return rep, fmt.Errorf("identity %s is missing from the live topic (owner %s produced it)", k, version(owner))
		}
	}
	if rep.Expected != rep.Live {
		return rep, fmt.Errorf("%d identities expected on the live topic, %d there", rep.Expected, rep.Live)
	}
	return rep, nil
}

// SameRecord reports whether a consumer could not tell a from b: equal key
// and value bytes, equal headers in the same order, equal timestamps (to
// the millisecond Kafka keeps) and the same partition.
func SameRecord(a, b kafka.Message) bool {
	if a.Partition != b.Partition || !bytes.Equal(a.Key, b.Key) || !bytes.Equal(a.Value, b.Value) ||
		a.Time.UnixMilli() != b.Time.UnixMilli() || len(a.Headers) != len(b.Headers) {
		return false
	}
	for i := range a.Headers {
		if a.Headers[i].Key != b.Headers[i].Key || !bytes.Equal(a.Headers[i].Value, b.Headers[i].Value) {
			return false
		}
	}
	return true
}
