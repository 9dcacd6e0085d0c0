package producer_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oinkhq/oink/producer"

	"github.com/charmbracelet/x/exp/golden"
	"github.com/oinkhq/oink"
)

// eventFiles returns the shared test events, name -> bytes.
func eventFiles(tb testing.TB) map[string][]byte {
	tb.Helper()
	files, err := filepath.Glob("../testdata/events/*.json")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no test events in ../testdata/events: %v", err)
	}
	out := make(map[string][]byte, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".json")] = b
	}
	return out
}

func mustDecode(tb testing.TB, raw []byte) oink.OrderEvent {
	tb.Helper()
	ev, err := producer.Decode(raw)
	if err != nil {
		tb.Fatalf("Decode: %v", err)
	}
	return ev
}

func mustTransform(tb testing.TB, raw []byte) oink.RetailTransaction {
	tb.Helper()
	rt, err := producer.Transform(mustDecode(tb, raw))
	if err != nil {
		tb.Fatalf("Transform: %v", err)
	}
	return rt
}

// TestTransformGolden pins the whole RTCIM of each shared test event: each
// currency exponent, the discount remainder, half-to-even tax, store-local
// business dates across midnight and DST, a return and a void. Rewrite with
// go test ./producer -update, and review the diff like code.
func TestTransformGolden(t *testing.T) {
	for name, raw := range eventFiles(t) {
		t.Run(name, func(t *testing.T) {
			out, err := json.MarshalIndent(mustTransform(t, raw), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.RequireEqual(t, append(out, '\n'))
		})
	}
}

func TestTransformRules(t *testing.T) {
	t.Parallel()
	ev := eventFiles(t)
	tests := []struct {
		name  string
		event string
		check func(oink.RetailTransaction) (got, want any)
	}{
		{"tax rounds half to even, so 12.5 cents becomes 12", "half_even_tax",
			func(r oink.RetailTransaction) (any, any) { return r.Lines[0].TaxMinor, int64(12) }},
		{"tax rounds half to even, so 13.5 cents becomes 14", "half_even_tax",
			func(r oink.RetailTransaction) (any, any) { return r.Lines[1].TaxMinor, int64(14) }},
		{"tax rounds half to even, so 4.5 cents becomes 4", "half_even_tax",
			func(r oink.RetailTransaction) (any, any) { return r.Lines[2].TaxMinor, int64(4) }},
		{"the discount remainder goes to the lowest line_no among equal largest lines", "discount_remainder_ties",
			func(r oink.RetailTransaction) (any, any) {
				return []int64{r.Lines[0].DiscountMinor, r.Lines[1].DiscountMinor, r.Lines[2].DiscountMinor}, []int64{33, 34, 33}
			}},
		{"the remainder goes to the largest line", "usd_sale",
			func(r oink.RetailTransaction) (any, any) {
				return []int64{r.Lines[0].DiscountMinor, r.Lines[1].DiscountMinor}, []int64{100 + 422, 78}
			}},
		{"JPY has no minor digits", "jpy_zero_decimals",
			func(r oink.RetailTransaction) (any, any) { return r.Lines[0].UnitPriceMinor, int64(4980) }},
		{"KWD has three minor digits", "kwd_three_decimals",
			func(r oink.RetailTransaction) (any, any) { return r.Lines[0].UnitPriceMinor, int64(12345) }},
		{"shipping in KWD is in fils", "kwd_three_decimals",
			func(r oink.RetailTransaction) (any, any) { return r.Totals.ShippingMinor, int64(750) }},
		{"business date is the store's local date, the day before UTC in Los Angeles", "midnight_los_angeles",
			func(r oink.RetailTransaction) (any, any) { return r.BusinessDate, "2026-05-31" }},
		{"business date is the next day in Kathmandu (+05:45)", "midnight_kathmandu",
			func(r oink.RetailTransaction) (any, any) { return r.BusinessDate, "2026-06-02" }},
		{"before the spring DST change New York is UTC-5", "dst_spring_new_york_before",
			func(r oink.RetailTransaction) (any, any) { return r.BusinessDate, "2026-03-07" }},
		{"after the spring DST change New York is UTC-4", "dst_spring_new_york_after",
			func(r oink.RetailTransaction) (any, any) { return r.BusinessDate, "2026-03-08" }},
		{"Berlin is still on summer time the night before the autumn change", "dst_autumn_berlin",
			func(r oink.RetailTransaction) (any, any) { return r.BusinessDate, "2026-10-25" }},
		{"a return carries only the returned quantity", "return_partial",
			func(r oink.RetailTransaction) (any, any) {
				return []any{r.RTCIMType, len(r.Lines), r.Lines[0].Qty}, []any{"RETURN", 1, 1}
			}},
		{"a return does not refund shipping", "return_partial",
			func(r oink.RetailTransaction) (any, any) { return r.Totals.ShippingMinor, int64(0) }},
		{"a cancellation is a VOID with the sale's amounts", "void_cancelled",
			func(r oink.RetailTransaction) (any, any) {
				return []any{r.RTCIMType, r.Totals.NetMinor}, []any{"VOID", int64(4516)}
			}},
		{"totals are sums of the lines", "usd_sale",
			func(r oink.RetailTransaction) (any, any) {
				var g, d, x, n int64
				for _, l := range r.Lines {
					g += int64(l.Qty) * l.UnitPriceMinor
					d += l.DiscountMinor
					x += l.TaxMinor
					n += l.NetMinor
				}
				return []int64{g, d, x, n}, []int64{r.Totals.GrossMinor, r.Totals.DiscountMinor, r.Totals.TaxMinor, r.Totals.NetMinor}
			}},
		{"source event time is normalised UTC", "usd_sale",
			func(r oink.RetailTransaction) (any, any) { return r.SourceEventTime, "2026-06-15T17:04:05.123Z" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, want := tc.check(mustTransform(t, ev[tc.event]))
			gj, _ := json.Marshal(got)
			wj, _ := json.Marshal(want)
			if string(gj) != string(wj) {
				t.Errorf("Transform(%s) = %s, want %s", tc.event, gj, wj)
			}
		})
	}
}

func TestRTCIMIDIsDeterministicAndDistinct(t *testing.T) {
	t.Parallel()
	a := producer.RTCIMID("O-1", "E-1")
	if b := producer.RTCIMID("O-1", "E-1"); a != b {
		t.Fatalf("RTCIMID not deterministic: %s vs %s", a, b)
	}
	if b := producer.RTCIMID("O-1E", "-1"); a == b {
		t.Fatalf("RTCIMID(O-1, E-1) = producer.RTCIMID(O-1E, -1) = %s: the parts must be separated", a)
	}
	if len(a) != 36 || a[14] != '5' {
		t.Fatalf("RTCIMID = %s, want a version 5 UUID", a)
	}
}
