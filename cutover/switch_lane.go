package cutover

import (
	"time"

	"github.com/segmentio/kafka-go"
)

// lane holds one source's records of a partition that are read but not
// decided, in offset order.
//
// A record can be decided once the route covers its source time (it lies
// before the horizon of the last route read: no transition can take effect
// there any more). One that does not is parked, and so is every later
// record of the same key in the lane, so that a key's records still go
// live in their version's order; every other record goes on. So no single
// record holds back its partition: a record dated a year ahead waits alone
// (with its own key's followers) while the rest of the partition flows, and
// both versions' copies of its event still get the same decision, by the
// route in force at its source time, whenever each is decided.
type lane struct {
	q []held
}

// held is a record in a lane, with its identity and the source time the
// route is read at: the rules' event time (the time the comparator pairs
// on, which v1 and v2 both write into the record), else the Kafka
// timestamp. A format fault that shifts one version's Kafka timestamp
// cannot then give the two copies of an event different owners.
type held struct {
	m  kafka.Message
	id string
	at time.Time
}

// decide calls fn, in offset order, with each record it can decide now,
// drops them from the lane and returns the offsets of those left parked.
func (l *lane) decide(horizon time.Time, fn func(held)) []int64 {
	if len(l.q) == 0 {
		return nil
	}
	var (
		blocked map[string]bool // keys with a parked record ahead in the lane
		kept    = 0
		parked  []int64
	)
	for _, h := range l.q {
		if h.at.Before(horizon) && !blocked[string(h.m.Key)] {
			fn(h)
			continue
		}
		if blocked == nil {
			blocked = map[string]bool{}
		}
		blocked[string(h.m.Key)] = true
		l.q[kept] = h
		kept++
		parked = append(parked, h.m.Offset)
	}
	// Clear the tail so decided records' bytes are not kept reachable; an
	// emptied lane lets its array go.
	clear(l.q[kept:])
	if kept == 0 {
		l.q = nil
	} else {
		l.q = l.q[:kept]
	}
	return parked
}
