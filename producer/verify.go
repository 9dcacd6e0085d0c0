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
	Produced    int `json:"produced"`    // distinct source events with an RTCIM
	DeadLetters int `json:"deadLetters"` // distinct upstream records in the DLQ
	Redelivered int `json:"redelivered"` // extra identical copies (at-least-once)
}

// CheckNoLoss checks invariant 1 over whole topics: every upstream record
// ends as exactly one distinct RTCIM (found by source_event_id) or one
// distinct dead letter (found by its source position), never both, never
// neither; and copies of one RTCIM from redelivery are byte-identical. It
// returns the first violation it finds.
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
	dead := map[string]bool{}
	for _, m := range dlq {
		info := deadletter.Parse(m)
		pos := positionKey(info.Source.Partition, info.Source.Offset)
		if dead[pos] {
			acc.Redelivered++
		}
		dead[pos] = true
	}
	acc.Produced, acc.DeadLetters = len(rtcims), len(dead)
	for _, m := range upstream {
		var ev struct {
			EventID string `json:"event_id"`
		}
		_ = json.Unmarshal(m.Value, &ev) // undecodable records have no id, and must be dead letters
		_, produced := rtcims[ev.EventID]
		produced = produced && ev.EventID != ""
		isDead := dead[positionKey(m.Partition, m.Offset)]
		switch {
		case produced && isDead:
			return acc, fmt.Errorf("upstream %d@%d (event %q) is both an RTCIM and a dead letter", m.Partition, m.Offset, ev.EventID)
		case !produced && !isDead:
			return acc, fmt.Errorf("upstream %d@%d (event %q) is lost: neither an RTCIM nor a dead letter", m.Partition, m.Offset, ev.EventID)
		}
	}
	if acc.Produced+acc.DeadLetters != acc.Upstream {
		return acc, fmt.Errorf("%d RTCIMs + %d dead letters != %d upstream records (an RTCIM without an upstream event?)",
			acc.Produced, acc.DeadLetters, acc.Upstream)
	}
	return acc, nil
}

func positionKey(p int, off int64) string { return strconv.Itoa(p) + "@" + strconv.FormatInt(off, 10) }
