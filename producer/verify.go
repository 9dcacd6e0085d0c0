package producer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/segmentio/kafka-go"
)

// Accounting is the outcome of CheckNoLoss: invariant 1 read from the topics
// themselves, not from any component's counters.
type Accounting struct {
	Upstream    int `json:"upstream"`    // records on the upstream topic
	Copies      int `json:"copies"`      // of which byte-identical copies of another (a writer's retry)
	Produced    int `json:"produced"`    // distinct source events with an RTCIM
	DeadLetters int `json:"deadLetters"` // distinct upstream records in the DLQ
	Redelivered int `json:"redelivered"` // extra identical copies (at-least-once)
}

// CheckNoLoss checks invariant 1 over whole topics: every upstream record
// ends as exactly one distinct RTCIM (found by source_event_id) or one
// distinct dead letter (found by its source position), never both, never
// neither; and copies of one RTCIM from redelivery are byte-identical. It
// returns the first violation it finds.
//
// An upstream record may itself appear twice: kafka-go has no idempotent
// producer, so a retried produce request can land twice (seen on a loaded
// real cluster). Byte-identical records of one partition count as one
// event: the copies are Copies, and their dead letters Redelivered.
func CheckNoLoss(upstream, out, dlq []kafka.Message) (Accounting, error) {
	acc := Accounting{Upstream: len(upstream)}
	rtcims := map[string][]byte{}
	for _, m := range out {
		var rt struct {
			SourceEventID string `json:"source_event_id"`
		}
		if err := json.Unmarshal(m.Value, &rt); err != nil || rt.SourceEventID == "" {
			return acc, fmt.Errorf("output %s/%d@%d is not an RTCIM: %v", m.Topic, m.Partition, m.Offset, err)
		}
		if prev, ok := rtcims[rt.SourceEventID]; ok {
			if !bytes.Equal(prev, m.Value) {
				return acc, fmt.Errorf("event %s has two different RTCIMs", rt.SourceEventID)
			}
			acc.Redelivered++
			continue
		}
		rtcims[rt.SourceEventID] = m.Value
	}
	// Each upstream record's event: the first of its byte-identical copies.
	event := map[string]string{} // position -> event key
	first := map[string]bool{}
	for _, m := range upstream {
		k := strconv.Itoa(m.Partition) + "\x00" + string(m.Key) + "\x00" + string(m.Value)
		if first[k] {
			acc.Copies++
		}
		first[k] = true
		event[positionKey(m.Partition, m.Offset)] = k
	}
	dead := map[string]bool{} // event key
	for _, m := range dlq {
		info := deadletter.Parse(m)
		k, ok := event[positionKey(info.Source.Partition, info.Source.Offset)]
		if !ok {
			return acc, fmt.Errorf("dead letter %d@%d names upstream %d@%d, which does not exist",
				m.Partition, m.Offset, info.Source.Partition, info.Source.Offset)
		}
		if dead[k] {
			acc.Redelivered++
		}
		dead[k] = true
	}
	acc.Produced, acc.DeadLetters = len(rtcims), len(dead)
	for _, m := range upstream {
		var ev struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(m.Value, &ev) // undecodable records have no id, and must be dead letters
		_, produced := rtcims[ev.EventID]
		produced = produced && ev.EventID != ""
		isDead := dead[event[positionKey(m.Partition, m.Offset)]]
		switch {
		case produced && isDead:
			return acc, fmt.Errorf("upstream %d@%d (event %q) is both an RTCIM and a dead letter", m.Partition, m.Offset, ev.EventID)
		case !produced && !isDead:
			return acc, fmt.Errorf("upstream %d@%d (event %q) is lost: neither an RTCIM nor a dead letter", m.Partition, m.Offset, ev.EventID)
		}
	}
	if acc.Produced+acc.DeadLetters != acc.Upstream-acc.Copies {
		return acc, fmt.Errorf("%d RTCIMs + %d dead letters != %d upstream events (%d records less %d copies): an RTCIM without an upstream event?",
			acc.Produced, acc.DeadLetters, acc.Upstream-acc.Copies, acc.Upstream, acc.Copies)
	}
	return acc, nil
}

func positionKey(p int, off int64) string { return strconv.Itoa(p) + "@" + strconv.FormatInt(off, 10) }
