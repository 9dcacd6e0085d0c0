package legacy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/loadgen"
	"github.com/oinkhq/oink/testkit/codectest"

	"github.com/segmentio/kafka-go"
)

// TestLegacyFormatFaultsChangeTheFormOnlyAndAreLogged: each format fault
// changes v1's record exactly as its name says — member order, the
// spelling of totals.gross_minor, an extra traceparent header, a timestamp
// 1 to 999 ms late — never what the record means, and the fault log names
// exactly the events each changed.
func TestLegacyFormatFaultsChangeTheFormOnlyAndAreLogged(t *testing.T) {
	t.Parallel()
	g, err := loadgen.New(loadgen.Config{Seed: 5, Start: time.Date(2026, 3, 7, 23, 0, 0, 0, time.UTC), Step: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	faults := Faults{FieldOrder: 0.3, NumberSpelling: 0.3, HeaderExtra: 0.3, Timestamp: 0.3}
	l := &legacy{faults: NewLiveFaults(faults), seed: 9, log: bufio.NewWriter(&buf)}
	seen := map[string]map[string]bool{} // by event id: the faults each changed
	for range 1000 {
		e := g.Next()
		ev := mustDecode(t, e.Value)
		want := codectest.Record(t, ev)
		recs, err := l.Convert(kafka.Message{Value: e.Value})
		if err != nil || len(recs) != 1 {
			t.Fatalf("convert = %d records, %v; want 1", len(recs), err)
		}
		seen[ev.EventID] = formDifferences(t, want, recs[0])
	}
	if err := l.AfterWrite(); err != nil {
		t.Fatal(err)
	}
	entries, err := ReadFaultLog(&buf)
	if err != nil {
		t.Fatal(err)
	}
	logged := faultsByEvent(entries)
	counts := map[string]int{}
	for id, got := range seen {
		if len(got) == 0 && len(logged[id]) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, logged[id]) {
			t.Fatalf("event %s: the record differs by %v, the fault log says %v", id, got, logged[id])
		}
		for f := range got {
			counts[f]++
		}
	}
	for _, f := range formatFaults {
		if counts[f] < 200 || counts[f] > 400 {
			t.Errorf("%s changed %d of 1000 records, want about 300", f, counts[f])
		}
	}
}

// formDifferences checks that got means what want means and returns the
// format faults that tell them apart.
func formDifferences(t *testing.T, want, got kafka.Message) map[string]bool {
	t.Helper()
	var x, y any
	if err := json.Unmarshal(want.Value, &x); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got.Value, &y); err != nil {
		t.Fatalf("v1's value is not JSON: %v\n%s", err, got.Value)
	}
	if !reflect.DeepEqual(x, y) || !bytes.Equal(want.Key, got.Key) {
		t.Fatalf("a format fault changed the record's meaning:\n%s\n%s", want.Value, got.Value)
	}
	out := map[string]bool{}
	if firstKey(want.Value) != firstKey(got.Value) {
		out[FaultFieldOrder] = true
	}
	if !plainGross.Match(got.Value) {
		out[FaultNumberSpelling] = true
	}
	switch {
	case len(got.Headers) == 1 && got.Headers[0].Key == TraceHeader && strings.HasPrefix(string(got.Headers[0].Value), "00-"):
		out[FaultHeaderExtra] = true
	case len(got.Headers) != 0:
		t.Fatalf("v1 wrote headers %v", got.Headers)
	}
	if d := got.Time.Sub(want.Time); d != 0 {
		if d < time.Millisecond || d > 999*time.Millisecond {
			t.Fatalf("timestamp moved by %v, want 1 to 999 ms", d)
		}
		out[FaultTimestamp] = true
	}
	return out
}

// plainGross matches totals.gross_minor written as an integer.
var plainGross = regexp.MustCompile(`"gross_minor":-?[0-9]+[,}]`)

// firstKey returns the name of a JSON object's first member.
func firstKey(v []byte) string {
	dec := json.NewDecoder(bytes.NewReader(v))
	if _, err := dec.Token(); err != nil {
		return ""
	}
	k, _ := dec.Token()
	s, _ := k.(string)
	return s
}

func TestExponentForm(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"1234": "1.234e3", "1200": "1.2e3", "7": "7e0", "0": "0e0", "-50": "-5e1"} {
		if got := exponentForm(in); got != want {
			t.Errorf("exponentForm(%s) = %s, want %s", in, got, want)
		}
	}
}
