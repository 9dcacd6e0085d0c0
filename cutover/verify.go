package cutover

import (
	"fmt"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// LiveReport is the outcome of CheckLive: invariant 4 read from the topics.
type LiveReport struct {
	Live      int `json:"live"`      // records on the live topic
	FromV1    int `json:"fromV1"`    // of which forwarded from v1
	FromV2    int `json:"fromV2"`    // and from v2
	Expected  int `json:"expected"`  // identities whose owner version produced them
	OwnerLack int `json:"ownerLack"` // identities the owning version never produced (a v1 drop): not the switch's to fill
}

// CheckLive checks invariant 4 over whole topics: every identity appears on
// the live topic at most once and from the version that owned its bucket at
// its source time under route; and every identity the owning version
// produced is there (no gap). It returns the first violation.
func CheckLive(live, v1, v2 []kafka.Message, route diffstore.Route, rules *comparator.Rules) (LiveReport, error) {
	var rep LiveReport
	id := func(m kafka.Message) (string, error) {
		s, _, err := rules.Identify(m.Key, m.Value, m.Time)
		return s, err
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
		src := kafkaio.Header(m, HeaderSource)
		want := version(Owner(route, m.Key, m.Time))
		if src != want {
			return rep, fmt.Errorf("identity %s came from %s but %s owned bucket %d at %s (%.2f%% to v2)",
				k, src, want, bucketOf(m.Key), m.Time.UTC().Format("15:04:05.000"), route.PercentAt(m.Time))
		}
		if src == "v1" {
			rep.FromV1++
		} else {
			rep.FromV2++
		}
	}
	rep.Live = len(live)
	produced := [2]map[string]kafka.Message{{}, {}}
	for s, msgs := range [][]kafka.Message{v1, v2} {
		for _, m := range msgs {
			if k, err := id(m); err == nil {
				produced[s][k] = m
			}
		}
	}
	all := map[string]kafka.Message{}
	for s := range 2 {
		for k, m := range produced[s] {
			all[k] = m
		}
	}
	for k, m := range all {
		owner := Owner(route, m.Key, m.Time)
		if _, ok := produced[owner][k]; !ok {
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
