package producer_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/oinkhq/oink/testkit/codectest"
	"github.com/oinkhq/oink/testkit/fuzzcorpus"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	"github.com/google/go-cmp/cmp"
	"github.com/oinkhq/oink"
	segjson "github.com/segmentio/encoding/json"
)

// This file measures the JSON libraries v2 could decode and encode with,
// side by side on the same records (BENCHMARKS.md, "JSON"), and records
// where each parts ways with encoding/json. The libraries are imported
// here, in a test, so that none but the chosen one is linked into oink.

// structCodec is one JSON library as v2 would use it: decode an order
// event into its struct, encode an RTCIM.
type structCodec struct {
	name   string
	decode func(raw []byte, ev *oink.OrderEvent) error
	encode func(rt *oink.RetailTransaction) ([]byte, error)
}

// sonicStd is sonic in its encoding/json-compatible configuration (HTML
// escaped, strings copied and validated): the one v2 would need to write
// the bytes encoding/json writes.
var sonicStd = sonic.ConfigStd

// structCodecs are the candidates, encoding/json first (the reference).
// codecs_jsonv2_test.go adds encoding/json/v2 under GOEXPERIMENT=jsonv2.
var structCodecs = []structCodec{
	{"encoding_json",
		func(raw []byte, ev *oink.OrderEvent) error { return json.Unmarshal(raw, ev) },
		func(rt *oink.RetailTransaction) ([]byte, error) { return json.Marshal(rt) }},
	{"segmentio",
		func(raw []byte, ev *oink.OrderEvent) error {
			// ZeroCopy: strings share raw's memory, as goccy's do in Decode.
			rest, err := segjson.Parse(raw, ev, segjson.ZeroCopy)
			if err == nil && len(rest) != 0 {
				return fmt.Errorf("data after the JSON value: %q", rest)
			}
			return err
		},
		func(rt *oink.RetailTransaction) ([]byte, error) { return segjson.Marshal(rt) }},
	{"goccy",
		func(raw []byte, ev *oink.OrderEvent) error {
			return gojson.UnmarshalOf(raw, ev, gojson.DecodeNoCopyString()) // as Decode does
		},
		func(rt *oink.RetailTransaction) ([]byte, error) { return gojson.MarshalOf(*rt) }}, // as Record does
	{"sonic",
		func(raw []byte, ev *oink.OrderEvent) error { return sonicStd.Unmarshal(raw, ev) },
		func(rt *oink.RetailTransaction) ([]byte, error) { return sonicStd.Marshal(rt) }},
}

// BenchmarkJSONCodecs measures each library decoding the order events and
// encoding their RTCIMs, the shared test events and benchGenerated
// generated ones. The libraries are sub-benchmarks of one benchmark, so
// that -count N runs them in turn N times and a busy machine slows all of
// them alike:
//
//	go test -run '^$' -bench JSONCodecs -count 6 ./producer/
func BenchmarkJSONCodecs(b *testing.B) {
	for _, source := range []string{"testdata", "generated"} {
		raws := benchInputs(b, source)
		rts := transformed(b, raws)
		for _, c := range structCodecs {
			b.Run("decode/"+source+"/"+c.name, func(b *testing.B) {
				codectest.Cycle(b, len(raws), func(i int) error {
					var ev oink.OrderEvent
					return c.decode(raws[i], &ev)
				})
			})
		}
		for _, c := range structCodecs {
			b.Run("encode/"+source+"/"+c.name, func(b *testing.B) {
				codectest.Cycle(b, len(rts), func(i int) error {
					_, err := c.encode(&rts[i])
					return err
				})
			})
		}
	}
}

// wantDecodeDisagreements is what TestJSONCodecsDecodeLikeEncodingJSON
// found on the corpus (BENCHMARKS.md, "JSON"); a library upgrade that
// changes a count fails the test, to be looked at and written down.
var wantDecodeDisagreements = map[string]codectest.Disagreement{
	"encoding_json": {},
	// segmentio has no nesting limit: it decodes the records nested
	// deeper than encoding/json's 10,000 levels.
	"segmentio": {AcceptsRefused: 3},
	"goccy":     {},
	// sonic stops at 4,096 levels, where encoding/json goes to 10,000.
	"sonic": {RefusesAccepted: 3},
}

// TestJSONCodecsDecodeLikeEncodingJSON decodes every record of the corpus
// (the shared test events, the fuzz corpus of
// FuzzDecodeAgreesWithEncodingJSON, generated events valid and invalid,
// codecEdgeCases) with each library and counts where it parts ways with
// encoding/json: errors against errors, events against events. goccy, the
// one Decode uses, must agree on every record that is valid UTF-8 (Decode
// refuses the others before any library sees them).
func TestJSONCodecsDecodeLikeEncodingJSON(t *testing.T) {
	corpus := decodeCorpus(t)
	for _, c := range structCodecs {
		t.Run(c.name, func(t *testing.T) {
			var got codectest.Disagreement
			for _, raw := range corpus {
				var want, ev oink.OrderEvent
				werr := json.Unmarshal(raw, &want)
				gerr := c.decode(raw, &ev)
				differs := werr == nil && gerr == nil && !cmp.Equal(want, ev)
				how := got.Count(raw, werr, gerr, differs)
				if how == "" {
					continue
				}
				if differs {
					how += " (-encoding/json +" + c.name + "):\n" + cmp.Diff(want, ev)
				}
				t.Logf("%s %s on %s", c.name, how, fuzzcorpus.Clip(raw, 120))
			}
			got.Check(t, c.name, len(corpus), wantDecodeDisagreements[c.name])
		})
	}
}

// TestJSONCodecsEncodeLikeEncodingJSON encodes the RTCIMs of generated
// events, with strings that need escaping (HTML characters, U+2028,
// control characters, invalid UTF-8) put in, and counts the ones each
// library writes otherwise than encoding/json, byte for byte.
func TestJSONCodecsEncodeLikeEncodingJSON(t *testing.T) {
	rts := encodeCorpus(t)
	for _, c := range structCodecs {
		t.Run(c.name, func(t *testing.T) {
			differ, refused := 0, 0
			for i := range rts {
				want, err := json.Marshal(&rts[i])
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.encode(&rts[i])
				switch {
				case err != nil:
					refused++
					t.Logf("%s refuses RTCIM %d: %v", c.name, i, err)
				case string(got) != string(want):
					differ++
					t.Logf("%s writes RTCIM %d otherwise:\n got %s\nwant %s", c.name, i, fuzzcorpus.Clip(got, 120), fuzzcorpus.Clip(want, 120))
				}
			}
			if w := wantEncodeDisagreements[c.name]; differ != w[0] || refused != w[1] {
				t.Errorf("%s: %d of %d RTCIMs written otherwise than encoding/json and %d refused; recorded %d and %d", c.name, differ, len(rts), refused, w[0], w[1])
			}
		})
	}
}

// wantEncodeDisagreements is, for each library, how many RTCIMs of
// encodeCorpus it writes otherwise than encoding/json and how many it
// refuses to write.
var wantEncodeDisagreements = map[string][2]int{
	"encoding_json": {0, 0},
	"segmentio":     {0, 0},
	"goccy":         {0, 0},
	"sonic":         {0, 0},
}

// decodeCorpus returns the records the libraries are held to.
func decodeCorpus(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, raw := range eventFiles(tb) {
		out = append(out, raw)
	}
	out = append(out, fuzzcorpus.Read(tb, "testdata/fuzz/FuzzDecodeAgreesWithEncodingJSON")...)
	out = append(out, codectest.Events(tb, 300, 0.3)...)
	for _, s := range append(codecEdgeCases, codecMoreCases...) {
		out = append(out, []byte(s))
	}
	for _, depth := range []int{4095, 4096, 4097, 9999, 10000, 10001} {
		out = append(out, nested(depth))
	}
	return out
}

// codecMoreCases add to codecEdgeCases the cases of issue 16: numbers that
// are not exact integers or do not fit, duplicate members that
// encoding/json merges, invalid UTF-8 in names.
var codecMoreCases = []string{
	`{"order":{"lines":[{"qty":12.10}]}}`,
	`{"order":{"lines":[{"qty":1e400}]}}`,
	`{"order":{"lines":[{"qty":12345678901234567890}]}}`,
	`{"order":{"lines":[{"qty":-0.0}]}}`,
	`{"order":{"lines":[{"qty":1E1}]}}`,
	`{"order":{"order_id":"a"},"order":{"channel":"b"}}`,
	`{"order":{"lines":[{"sku":"a"}]},"order":{"lines":[{"qty":1}]}}`,
	`{"order":{"order_id":"a","ORDER_ID":"b","Order_Id":"c"}}`,
	"{\"event_id\xff\":\"a\",\"event_id\":\"b\"}",
	"{\"event_id\":\"\xed\xa0\x80\"}",
	"{\"event_id\":\"\xc3\"}",
	`{"event_id":"\ud83d\ude00\udfff"}`,
}

// nested returns an object whose member x nests arrays, depth levels
// deep counting the object.
func nested(depth int) []byte {
	return []byte(`{"x":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`)
}

// encodeCorpus returns RTCIMs of generated events, and copies of them with
// strings that encoders escape differently.
func encodeCorpus(tb testing.TB) []oink.RetailTransaction {
	tb.Helper()
	base := transformed(tb, codectest.Events(tb, 100, 0))
	out := append([]oink.RetailTransaction(nil), base...)
	for i, s := range []string{"<o>&", "\u2028\u2029", "\xff\xfe", "\x00\x1f\"\\", "é\u007f", "a\xc3"} {
		rt := base[i%len(base)]
		rt.OrderID, rt.Currency = s, s
		rt.Lines = append([]oink.RTCIMLine(nil), rt.Lines...)
		rt.Lines[0].SKU = s
		out = append(out, rt)
	}
	return out
}
