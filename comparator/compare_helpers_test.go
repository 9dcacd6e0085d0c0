package comparator

import (
	"encoding/json"
	"log/slog"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/producer"
)

// rtcimRulesPath and rtcimStrictPath are the shipped RTCIM rules files.
const (
	rtcimRulesPath  = "../shipped/rules/rtcim.yaml"
	rtcimStrictPath = "../testdata/rules/rtcim-strict.yaml"
)

// mustLoadRules loads a rules file or fails the test.
func mustLoadRules(tb testing.TB, path string) *Rules {
	tb.Helper()
	r, err := LoadRules(path)
	if err != nil {
		tb.Fatalf("LoadRules(%q) = %v", path, err)
	}
	return r
}

// warnLog is a run's log of warnings and errors, in the test's output.
func warnLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// mustParseRules parses YAML rules or fails the test.
func mustParseRules(tb testing.TB, yaml string) *Rules {
	tb.Helper()
	r, err := ParseRules("test.yaml", []byte(yaml))
	if err != nil {
		tb.Fatalf("ParseRules(%q) = %v", yaml, err)
	}
	return r
}

// mustReadFile reads a file or fails the test.
func mustReadFile(tb testing.TB, path string) []byte {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatalf("read %s: %v", path, err)
	}
	return b
}

// generated returns n RTCIMs made by the v2 transform from the load
// generator's events (seed 1), so tests compare realistic records.
func generated(tb testing.TB, n int) []oink.RetailTransaction {
	tb.Helper()
	g, err := loadgen.New(loadgen.Config{Seed: 1, Start: time.Date(2026, 6, 15, 12, 0, 0, 0, time.UTC)})
	if err != nil {
		tb.Fatalf("NewGenerator: %v", err)
	}
	var out []oink.RetailTransaction
	for len(out) < n {
		ev, err := producer.Decode(g.Next().Value)
		if err != nil {
			tb.Fatalf("Decode: %v", err)
		}
		rt, err := producer.Transform(ev)
		if err != nil {
			continue // the generator balances tenders, but a void may not transform; skip it
		}
		out = append(out, rt)
	}
	return out
}

// multiLine returns a generated RTCIM with at least min lines.
func multiLine(tb testing.TB, min int) oink.RetailTransaction {
	tb.Helper()
	for _, rt := range generated(tb, 200) {
		if len(rt.Lines) >= min {
			return rt
		}
	}
	tb.Fatalf("no generated RTCIM has %d lines", min)
	return oink.RetailTransaction{}
}

// marshal encodes v as JSON or fails the test.
func marshal(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("json.Marshal: %v", err)
	}
	return b
}

// clone returns a deep copy of rt, so a fault applied to it leaves rt alone.
func clone(rt oink.RetailTransaction) oink.RetailTransaction {
	rt.Lines = slices.Clone(rt.Lines)
	rt.Tenders = slices.Clone(rt.Tenders)
	return rt
}

// reordered is the v1 reorder fault: lines in reverse order.
func reordered(rt oink.RetailTransaction) oink.RetailTransaction {
	rt = clone(rt)
	slices.Reverse(rt.Lines)
	return rt
}

// halfUp is the v1 rounding fault on the given lines (indexes into Lines):
// each line's tax and net one minor unit higher, and the totals with them.
func halfUp(rt oink.RetailTransaction, lines ...int) oink.RetailTransaction {
	rt = clone(rt)
	for _, i := range lines {
		rt.Lines[i].TaxMinor++
		rt.Lines[i].NetMinor++
		rt.Totals.TaxMinor++
		rt.Totals.NetMinor++
	}
	return rt
}

// shiftDate moves business_date by days, as the v1 utc-date fault does by one.
func shiftDate(tb testing.TB, rt oink.RetailTransaction, days int) oink.RetailTransaction {
	tb.Helper()
	d, err := time.Parse(time.DateOnly, rt.BusinessDate)
	if err != nil {
		tb.Fatalf("business_date %q: %v", rt.BusinessDate, err)
	}
	rt = clone(rt)
	rt.BusinessDate = d.AddDate(0, 0, days).Format(time.DateOnly)
	return rt
}
