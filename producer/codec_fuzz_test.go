package producer_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/codectest"
)

// codecEdgeCases are records where JSON decoders are known to part ways
// with encoding/json: numbers that are not exact integers, duplicate and
// case-folded member names, invalid UTF-8 and broken escapes, deep
// nesting, trailing data, nulls and wrong types.
var codecEdgeCases = []string{
	`{"event_id":"a","event_id":"b"}`,
	`{"EVENT_ID":"a","Order":{"Order_Id":"o"}}`,
	`{"event_ıd":"a","order":{"order_ſd":"o"}}`,
	`{"order":{"lines":[{"qty":1.0}]}}`,
	`{"order":{"lines":[{"qty":1e2}]}}`,
	`{"order":{"lines":[{"qty":1E+0}]}}`,
	`{"order":{"lines":[{"qty":99999999999999999999}]}}`,
	`{"order":{"lines":[{"qty":-9223372036854775809}]}}`,
	`{"order":{"lines":[{"qty":9223372036854775807}]}}`,
	`{"order":{"lines":[{"qty":-0}]}}`,
	`{"order":{"lines":[{"qty":"1"}]}}`,
	`{"order":{"lines":[{"line_no":01}]}}`,
	`{"order":{"lines":[{"qty":1,"qty":2}]}}`,
	`{"order":{"lines":[{"qty":1}],"lines":[]}}`,
	`{"order":null,"event_id":null}`,
	`{"order":{"lines":null,"payments":[null]}}`,
	`{"event_id":"\ud800x"}`,
	`{"event_id":"\udc00\ud800"}`,
	`{"event_id":"\u00e9\n\/\u2028<>&"}`,
	`{"event_id":"a\u0000b"}`,
	`{"event_id":"tab	in"}`,
	`{"event_id":"\x"}`,
	"{\"event_id\":\"\xff\"}",
	"{\"event_id\":\"a\"}\xff",
	`{"event_id":"a"} x`,
	`{"event_id":"a"}{}`,
	`{"event_id":"a",}`,
	` {"event_id":"a"} `,
	`{"x":[` + strings.Repeat("[", 10001) + strings.Repeat("]", 10001) + `]}`,
	`{"x":` + strings.Repeat(`{"a":`, 10001) + `1` + strings.Repeat("}", 10001) + `}`,
	`{"x":[` + strings.Repeat("[", 9990) + strings.Repeat("]", 9990) + `]}`,
	`[]`, `"s"`, `null`, `1`, ``, `{`,
	`{"order":{"lines":[1]}}`,
	`{"order":{"lines":{}}}`,
	`{"event_time":true}`,
	`{"x":1.5e999,"y":-}`,
	`{"x":tru}`,
	`{"x":nul}`,
	`{"order":{"lines":[{"qty":2147483648}]}}`,
}

// FuzzDecodeAgreesWithEncodingJSON checks that Decode (goccy/go-json, with
// encoding/json for what goccy refuses) gives exactly what encoding/json
// alone gives: the same event, or the same error naming the same field,
// on every corpus entry — the shared test events, generated events valid
// and invalid, the edge cases above and what the fuzzer finds.
func FuzzDecodeAgreesWithEncodingJSON(f *testing.F) {
	for _, raw := range eventFiles(f) {
		f.Add(raw)
	}
	for _, raw := range codectest.Events(f, 300, 0.3) {
		f.Add(raw)
	}
	for _, s := range codecEdgeCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		got, gerr := producer.Decode(raw)
		want, werr := producer.DecodeStd(raw)
		if diff := cmp.Diff(errString(werr), errString(gerr)); diff != "" {
			t.Fatalf("Decode(%q) error differs from encoding/json's (-want +got):\n%s", raw, diff)
		}
		if werr == nil {
			if diff := cmp.Diff(want, got); diff != "" {
				t.Fatalf("Decode(%q) differs from encoding/json's (-want +got):\n%s", raw, diff)
			}
		}
	})
}

// FuzzRecordAgreesWithEncodingJSON checks that Record's value is byte for
// byte encoding/json's encoding of the RTCIM, whatever its strings hold
// (HTML characters, U+2028, invalid UTF-8, control characters) and
// whatever its numbers are.
func FuzzRecordAgreesWithEncodingJSON(f *testing.F) {
	f.Add("o-1", "SKU-1", "CARD", int64(1234))
	f.Add("<o>&", "\u2028\u2029", "\xff\xfe", int64(-1))
	f.Add("\x00\x1f\"\\", "é", "", int64(-9223372036854775808))
	base := transformed(f, codectest.Events(f, 50, 0))
	f.Fuzz(func(t *testing.T, order, sku, tender string, n int64) {
		for _, rt := range base {
			rt.OrderID, rt.Currency = order, sku
			rt.Lines = append([]oink.RTCIMLine(nil), rt.Lines...)
			rt.Lines[0].SKU, rt.Lines[0].NetMinor = sku, n
			rt.Tenders = append([]oink.RTCIMTender{{Tender: tender, AmountMinor: n}}, rt.Tenders...)
			rec, err := producer.Record(rt)
			if err != nil {
				t.Fatal(err)
			}
			want, err := json.Marshal(rt)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(rec.Value, want) {
				t.Fatalf("Record value differs from encoding/json's:\n got %s\nwant %s", rec.Value, want)
			}
		}
	})
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	if ie, ok := oink.AsInputError(err); ok {
		return ie.Field + ": " + ie.Code + ": " + ie.Msg
	}
	return "not an InputError: " + err.Error()
}

// transformed returns the RTCIMs of the valid events among raws.
func transformed(tb testing.TB, raws [][]byte) []oink.RetailTransaction {
	tb.Helper()
	var out []oink.RetailTransaction
	for _, raw := range raws {
		if ev, err := producer.Decode(raw); err == nil {
			if rt, err := producer.Transform(ev); err == nil {
				out = append(out, rt)
			}
		}
	}
	if len(out) == 0 {
		tb.Fatal("no valid event to transform")
	}
	return out
}
