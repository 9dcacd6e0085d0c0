package legacy

import (
	"bufio"
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/loadgen"
	"github.com/oinkhq/oink/producer"

	"github.com/oinkhq/oink"
	"github.com/segmentio/kafka-go"
)

func TestParseFaults(t *testing.T) {
	t.Parallel()
	got, err := ParseFaults("rounding=0.02, utc-date=0.01,drop=0.001,dup=0.001,reorder=0.05,shipping=0.1,lag=200ms," +
		"field-order=0.1,number-spelling=0.2,header-extra=0.3,timestamp=0.4")
	want := Faults{Rounding: 0.02, UTCDate: 0.01, Drop: 0.001, Dup: 0.001, Reorder: 0.05, Shipping: 0.1, Lag: 200 * time.Millisecond,
		FieldOrder: 0.1, NumberSpelling: 0.2, HeaderExtra: 0.3, Timestamp: 0.4}
	if err != nil || got != want {
		t.Fatalf("ParseFaults = %+v, %v; want %+v", got, err, want)
	}
	if back, _ := ParseFaults(got.String()); back != got {
		t.Fatalf("ParseFaults(String()) = %+v, want %+v", back, got)
	}
	for _, bad := range []string{"rounding", "rounding=2", "rounding=-0.1", "flood=0.1", "lag=fast", "drop=NaN", "timestamp=2", "header-missing=0.1"} {
		if _, err := ParseFaults(bad); err == nil || !strings.Contains(err.Error(), "faults") {
			t.Errorf("ParseFaults(%q) = %v, want an error naming faults", bad, err)
		}
	}
}

// FuzzParseFaults: any input parses or is refused with an error, never a
// panic; what parses renders back to the same faults (round trip).
func FuzzParseFaults(f *testing.F) {
	f.Add("rounding=0.02,utc-date=0.01,drop=0.001,dup=0.001,reorder=0.05,lag=200ms")
	f.Add("")
	f.Add("field-order=0.1,number-spelling=0.2,header-extra=0.3,timestamp=1")
	f.Fuzz(func(t *testing.T, s string) {
		fs, err := ParseFaults(s)
		if err != nil {
			return
		}
		back, err := ParseFaults(fs.String())
		if err != nil || back != fs {
			t.Fatalf("round trip of %q: %+v -> %q -> %+v, %v", s, fs, fs.String(), back, err)
		}
	})
}

// legacyOutputs runs the v1 converter over n generated events and returns
// the v2 and v1 RTCIMs by source event id, and the fault log.
func legacyOutputs(t *testing.T, faults Faults, n int) (v2, v1 map[string][]oink.RetailTransaction, log []FaultEntry) {
	t.Helper()
	g, err := loadgen.New(loadgen.Config{Seed: 3, Start: time.Date(2026, 3, 7, 23, 0, 0, 0, time.UTC), Step: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	l := &legacy{faults: NewLiveFaults(faults), seed: 42, log: bufio.NewWriter(&buf)}
	v2, v1 = map[string][]oink.RetailTransaction{}, map[string][]oink.RetailTransaction{}
	for range n {
		e := g.Next()
		ev := mustDecode(t, e.Value)
		rt, err := producer.Transform(ev)
		if err != nil {
			t.Fatal(err)
		}
		v2[ev.EventID] = append(v2[ev.EventID], rt)
		recs, err := l.Convert(kafka.Message{Value: e.Value})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range recs {
			var out oink.RetailTransaction
			if err := json.Unmarshal(r.Value, &out); err != nil {
				t.Fatal(err)
			}
			v1[ev.EventID] = append(v1[ev.EventID], out)
		}
	}
	if err := l.AfterWrite(); err != nil {
		t.Fatal(err)
	}
	log, err = ReadFaultLog(&buf)
	if err != nil {
		t.Fatal(err)
	}
	return v2, v1, log
}

// faultsByEvent returns the faults of a fault log by source event id.
func faultsByEvent(log []FaultEntry) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	for _, fe := range log {
		if out[fe.SourceEventID] == nil {
			out[fe.SourceEventID] = map[string]bool{}
		}
		out[fe.SourceEventID][fe.Fault] = true
	}
	return out
}

// TestLegacyFaultLogIsExactGroundTruth: the fault log names exactly the
// events whose v1 output differs from v2, by the fault that caused it.
func TestLegacyFaultLogIsExactGroundTruth(t *testing.T) {
	t.Parallel()
	v2, v1, log := legacyOutputs(t, Faults{Rounding: 0.3, UTCDate: 0.2, Drop: 0.02, Dup: 0.02, Reorder: 0.1, Shipping: 0.05}, 3000)
	logged := faultsByEvent(log)
	counts := map[string]int{}
	for id, want := range v2 {
		got := v1[id]
		f := logged[id]
		for k := range f {
			counts[k]++
		}
		switch {
		case f[FaultDrop]:
			if len(got) != 0 {
				t.Fatalf("%s logged as dropped but v1 wrote %d records", id, len(got))
			}
			continue
		case f[FaultDup] != (len(got) == 2):
			t.Fatalf("%s: dup logged %v, v1 wrote %d records", id, f[FaultDup], len(got))
		case len(got) == 0:
			t.Fatalf("%s: v1 wrote nothing and no drop was logged", id)
		}
		w, g := want[0], got[0]
		if (w.BusinessDate != g.BusinessDate) != f[FaultUTCDate] {
			t.Fatalf("%s: business date %s vs %s, utc-date logged %v", id, w.BusinessDate, g.BusinessDate, f[FaultUTCDate])
		}
		if (w.Totals.ShippingMinor != g.Totals.ShippingMinor) != f[FaultShipping] {
			t.Fatalf("%s: shipping %d vs %d, shipping logged %v", id, w.Totals.ShippingMinor, g.Totals.ShippingMinor, f[FaultShipping])
		}
		if !sameLinesAnyOrder(w.Lines, g.Lines) != f[FaultRounding] {
			t.Fatalf("%s: lines differ %v, rounding logged %v", id, !sameLinesAnyOrder(w.Lines, g.Lines), f[FaultRounding])
		}
	}
	for _, k := range []string{FaultRounding, FaultUTCDate, FaultDrop, FaultDup, FaultReorder, FaultShipping} {
		if counts[k] == 0 {
			t.Errorf("no %s fault in 3000 events at these rates", k)
		}
	}
}

func sameLinesAnyOrder(a, b []oink.RTCIMLine) bool {
	if len(a) != len(b) {
		return false
	}
	byNo := map[int]oink.RTCIMLine{}
	for _, l := range a {
		byNo[l.LineNo] = l
	}
	for _, l := range b {
		if byNo[l.LineNo] != l {
			return false
		}
	}
	return true
}

// TestLegacyFaultsAreDeterministic: a redelivered event meets the same faults.
func TestLegacyFaultsAreDeterministic(t *testing.T) {
	t.Parallel()
	f := Faults{Rounding: 0.5, UTCDate: 0.5, Drop: 0.1, Dup: 0.1, Reorder: 0.5}
	_, a, la := legacyOutputs(t, f, 500)
	_, b, lb := legacyOutputs(t, f, 500)
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) || !slices.Equal(la, lb) {
		t.Fatal("two runs of the v1 simulator over the same events differ")
	}
}
