package cutover

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/twmb/franz-go/pkg/kgo"
)

// switchState is what the switch knows about one partition after a
// transaction: it travels in that transaction, as a record of the state
// topic (key: the partition), with the live records it covers. A restarted
// or succeeding switch reads the last committed one and resumes exactly
// there; nothing is read back from the live records themselves, which carry
// only what their version wrote.
//
// Every record of the sources below Next has been decided (forwarded,
// skipped as another version's, or dropped as a duplicate), except those
// listed in Parked: read, but past the route's horizon when the
// transaction was written, so still to decide.
type switchState struct {
	Version int `json:"v"`
	// Seq counts the partition's committed transactions: 1, 2, 3…
	Seq int64 `json:"seq"`
	// Epoch is the producer epoch of the writer that committed it.
	Epoch int16 `json:"epoch"`
	// Next is the next offset to read per source (control, candidate); -1:
	// the source was never read.
	Next [2]int64 `json:"next"`
	// Parked are the offsets per source of records read but not decided.
	Parked [2][]int64 `json:"parked,omitempty"`
	// Totals are the partition's counts since its first transaction.
	Totals SwitchTotals `json:"totals"`
}

// stateVersion is the format of switchState this switch writes and reads.
const stateVersion = 1

// SwitchTotals are a switch's counts, per source version (index 0: v1,
// the control; 1: v2, the candidate).
type SwitchTotals struct {
	// Forwarded went to the live topic.
	Forwarded [2]int64 `json:"forwarded"`
	// NotOwned were skipped: the other version owned their key's bucket
	// at their source time.
	NotOwned [2]int64 `json:"notOwned"`
	// Duplicates were dropped: same identity and value bytes as a record
	// already forwarded from that version.
	Duplicates [2]int64 `json:"duplicates"`
	// Collisions were forwarded although their identity had been
	// forwarded before, because their value bytes differ.
	Collisions [2]int64 `json:"collisions"`
	// Keyless were forwarded, with PartitionByKey, although they have no
	// key: to their source partition mod the live topic's count.
	Keyless [2]int64 `json:"keyless,omitempty"`
}

// Add adds o to t.
func (t *SwitchTotals) Add(o SwitchTotals) {
	for s := range 2 {
		t.Forwarded[s] += o.Forwarded[s]
		t.NotOwned[s] += o.NotOwned[s]
		t.Duplicates[s] += o.Duplicates[s]
		t.Collisions[s] += o.Collisions[s]
		t.Keyless[s] += o.Keyless[s]
	}
}

// Sub returns t minus o.
func (t SwitchTotals) Sub(o SwitchTotals) SwitchTotals {
	for s := range 2 {
		t.Forwarded[s] -= o.Forwarded[s]
		t.NotOwned[s] -= o.NotOwned[s]
		t.Duplicates[s] -= o.Duplicates[s]
		t.Collisions[s] -= o.Collisions[s]
		t.Keyless[s] -= o.Keyless[s]
	}
	return t
}

// freshState is a partition's state before its first transaction.
func freshState() switchState { return switchState{Version: stateVersion, Next: [2]int64{-1, -1}} }

func stateKey(p int) []byte { return []byte(strconv.Itoa(p)) }

// encode returns st as a state-topic record for partition p.
func (st switchState) record(topic string, p int) (*kgo.Record, error) {
	v, err := json.Marshal(st)
	if err != nil {
		return nil, err
	}
	return &kgo.Record{Topic: topic, Partition: int32(p), Key: stateKey(p), Value: v}, nil
}

// readState returns the last committed state of partition p from the state
// topic, or freshState and found=false when there is none. It must be
// called after the partition's transactional producer was initialised, so
// that no transaction of an earlier owner is still open: the last stable
// offset is then the end of everything that owner committed.
func readState(ctx context.Context, brokers []string, topic string, p int) (st switchState, found bool, err error) {
	bounds, err := kafkaio.CommittedBounds(ctx, brokers, topic)
	if err != nil {
		return st, false, err
	}
	b, ok := bounds[p]
	if !ok {
		return st, false, fmt.Errorf("state topic %s has no partition %d: it needs as many partitions as the live topic", topic, p)
	}
	// Each transaction writes one state record and one commit marker; an
	// aborted one leaves its record hidden and an abort marker. Look back
	// in growing windows until a committed state record shows up.
	for span := int64(16); ; span *= 4 {
		from := max(b.Start, b.End-span)
		var last []byte
		err := kafkaio.ReadCommittedRange(ctx, brokers, topic, p, from, b.End, func(r *kgo.Record) error {
			if slices.Equal(r.Key, stateKey(p)) {
				last = r.Value
			}
			return nil
		})
		if err != nil {
			return st, false, fmt.Errorf("reading the switch state of partition %d from %s: %w", p, topic, err)
		}
		if last != nil {
			if err := json.Unmarshal(last, &st); err != nil {
				return st, false, fmt.Errorf("switch state of partition %d in %s: %w", p, topic, err)
			}
			if st.Version != stateVersion {
				return st, false, fmt.Errorf("switch state of partition %d in %s has format %d; this oink reads %d", p, topic, st.Version, stateVersion)
			}
			return st, true, nil
		}
		if from <= b.Start {
			return freshState(), false, nil
		}
	}
}
