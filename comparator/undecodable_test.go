package comparator

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/segmentio/kafka-go"
)

// TestInvariantBadRecordsNeverStopTheComparator feeds both topics records
// that are not JSON, of the wrong shape, without identity fields, huge, or
// full of NUL bytes, between good pairs: each bad one is counted and
// dead-lettered with its field named, the good pairs are still compared,
// and the accounting identity holds (invariant 5).
func TestInvariantBadRecordsNeverStopTheComparator(t *testing.T) {
	t.Parallel()
	r := newTopicRig(t)
	bad := []string{
		`{"order_id":"O-1","source_event_id":`,                  // truncated
		`[1,2,3]`,                                               // not an object
		`{"order_id":7,"source_event_id":"E"}`,                  // wrong type
		`{"source_event_id":"E-x"}`,                             // no order_id
		"{\"order_id\":\"O\x00\",\"source_event_id\":\"\xff\"}", // NUL and invalid UTF-8
		`{"order_id":"O-2","source_event_id":"E-2","source_event_time":"yesterday"}`, // bad event time
		`{"order_id":"` + strings.Repeat("x", 900_000) + `"`,                         // huge and truncated
		``,
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	var c, d []kafka.Message
	good := func(i int) string {
		return `{"order_id":"O-G` + string(rune('a'+i)) + `","source_event_id":"E","source_event_time":"` + now.Format(time.RFC3339Nano) + `","total":1}`
	}
	for i := range 10 {
		c = append(c, kafka.Message{Topic: r.v1, Key: []byte("k"), Value: []byte(good(i)), Time: now})
		d = append(d, kafka.Message{Topic: r.v2, Key: []byte("k"), Value: []byte(good(i)), Time: now})
	}
	for _, b := range bad {
		c = append(c, kafka.Message{Topic: r.v1, Key: []byte("k"), Value: []byte(b), Time: now})
		d = append(d, kafka.Message{Topic: r.v2, Key: []byte("k"), Value: []byte(b), Time: now})
	}
	r.write(t, append(c, d...))
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	sum := r.compare(ctx, t)
	n := int64(len(bad))
	if sum.UndecodableControl != n || sum.UndecodableCandidate != n || sum.Pairs != 10 || sum.Equal != 10 {
		t.Fatalf("summary %+v; want %d undecodable per side and 10 equal pairs", sum.Counts, n)
	}
	letters := r.env.ReadAll(r.dlq)
	if len(letters) != 2*len(bad) {
		t.Fatalf("%d dead letters, want %d", len(letters), 2*len(bad))
	}
	for _, m := range letters {
		info := deadletter.Parse(m)
		if info.Connector != "oink-compare" || info.Message == "" || !strings.Contains(info.Message, ":") || info.Source.Offset < 0 {
			t.Errorf("dead letter without its context: %+v", info)
		}
	}
}
