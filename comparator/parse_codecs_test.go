package comparator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"

	"github.com/oinkhq/oink/testkit/codectest"
	"github.com/oinkhq/oink/testkit/fuzzcorpus"

	"github.com/bytedance/sonic"
	gojson "github.com/goccy/go-json"
	"github.com/google/go-cmp/cmp"
	"github.com/oinkhq/oink/producer"
	segjson "github.com/segmentio/encoding/json"
)

// This file weighs parseJSON against the JSON libraries decoding a record
// into a tree with exact numbers (BENCHMARKS.md, "JSON"): whether one of
// them could replace it. The libraries are imported only here, in a test.

// treeCodec decodes one record into map[string]any, []any, string, a
// number kept as its decimal text, bool and nil.
type treeCodec struct {
	name  string
	parse func(data []byte) (any, error)
}

// sonicNumbers is sonic with numbers kept as json.Number and strings
// validated (without ValidateString it accepts a raw tab in a string),
// but shared with the input, not copied.
var sonicNumbers = sonic.Config{UseNumber: true, ValidateString: true}.Froze()

// treeCodecs are the candidates, encoding/json first (the reference of
// TestParseCodecsLikeEncodingJSON). parse_codecs_jsonv2_test.go adds
// encoding/json/v2 under GOEXPERIMENT=jsonv2.
var treeCodecs = []treeCodec{
	{"encoding_json", func(data []byte) (any, error) {
		return decodeStream(json.NewDecoder(bytes.NewReader(data)))
	}},
	{"parseJSON", func(data []byte) (any, error) { return parseJSON(string(data), false) }},
	{"segmentio", func(data []byte) (any, error) {
		var v any
		rest, err := segjson.Parse(data, &v, segjson.UseNumber|segjson.ZeroCopy)
		if err == nil && len(rest) != 0 {
			return nil, fmt.Errorf("data after the JSON value: %q", rest)
		}
		return v, err
	}},
	{"goccy", func(data []byte) (any, error) {
		// goccy keeps numbers exact only through its Decoder's UseNumber.
		return decodeStream(gojson.NewDecoder(bytes.NewReader(data)))
	}},
	{"sonic", func(data []byte) (any, error) {
		var v any
		err := sonicNumbers.Unmarshal(data, &v)
		return v, err
	}},
}

// numberDecoder is a json.Decoder of encoding/json or goccy.
type numberDecoder interface {
	UseNumber()
	Decode(v any) error
}

// decodeStream decodes exactly one value with numbers as json.Number.
func decodeStream(dec numberDecoder) (any, error) {
	dec.UseNumber()
	var v, more any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	if err := dec.Decode(&more); err != io.EOF {
		return nil, fmt.Errorf("data after the JSON value (%v)", err)
	}
	return v, nil
}

// BenchmarkParseCodecs measures parseJSON and each library decoding
// generated RTCIMs (what the comparator parses) into a tree. The codecs
// are sub-benchmarks of one benchmark, so that -count N runs them in turn:
//
//	go test -run '^$' -bench ParseCodecs -count 6 ./comparator/
func BenchmarkParseCodecs(b *testing.B) {
	recs := generatedRTCIMs(b, 10000)
	for _, c := range treeCodecs {
		b.Run(c.name, func(b *testing.B) {
			codectest.Cycle(b, len(recs), func(i int) error {
				_, err := c.parse(recs[i])
				return err
			})
		})
	}
}

// wantTreeDisagreements is what TestParseCodecsLikeEncodingJSON found
// (BENCHMARKS.md, "JSON"), against encoding/json's Decoder with UseNumber
// (the comparator's decode refuses invalid UTF-8 before parsing); a change
// fails the test, to be looked at and written down.
var wantTreeDisagreements = map[string]codectest.Disagreement{
	"encoding_json": {},
	// parseJSON keeps invalid UTF-8 as it is (decode refuses such records
	// before parsing) and refuses, as a *CompareError, what nests deeper
	// than maxDepth (12 records) or has an exponent beyond maxExponent (1).
	"parseJSON": {RefusesAccepted: 13, DecodesOtherwise: 4, OfInvalidUTF8: 4},
	// segmentio has no nesting limit: it decodes the two records nested
	// deeper than encoding/json's 10,000 levels.
	"segmentio": {AcceptsRefused: 2},
	"goccy":     {},
	// sonic stops at 4,096 levels, where encoding/json goes to 10,000.
	"sonic": {RefusesAccepted: 8},
}

// TestParseCodecsLikeEncodingJSON parses every record of the corpus (the
// comparator's and the producer's test records, the producer's fuzz
// corpus, generated RTCIMs, treeEdgeCases) with parseJSON and each library
// and counts where it parts ways with encoding/json: a library could
// replace parseJSON only if it gave the same trees.
func TestParseCodecsLikeEncodingJSON(t *testing.T) {
	// Parallel: pure computation (41 s under -race) that overlaps the
	// package's other parallel tests instead of adding to the chain of its
	// sequential end-to-end tests.
	t.Parallel()
	corpus := treeCorpus(t)
	ref := treeCodecs[0].parse
	for _, c := range treeCodecs {
		t.Run(c.name, func(t *testing.T) {
			var got codectest.Disagreement
			for _, data := range corpus {
				want, werr := ref(data)
				v, gerr := c.parse(data)
				// Not cmp.Equal: go-cmp takes exponential time on deep nesting.
				differs := werr == nil && gerr == nil && !reflect.DeepEqual(exactNumbers(want), exactNumbers(v))
				how := got.Count(data, werr, gerr, differs)
				if how == "" {
					continue
				}
				if differs && len(data) < 2000 {
					how += " (-encoding/json +" + c.name + "):\n" + cmp.Diff(exactNumbers(want), exactNumbers(v))
				}
				t.Logf("%s %s on %s", c.name, how, fuzzcorpus.Clip(data, 100))
			}
			got.Check(t, c.name, len(corpus), wantTreeDisagreements[c.name])
		})
	}
}

// exactNumbers returns v with every number as a json.Number, whatever type
// of the library's it came as (a float64 would differ from the
// json.Number encoding/json gives, and count as a disagreement).
func exactNumbers(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = exactNumbers(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = exactNumbers(e)
		}
		return out
	case nil, string, bool, json.Number:
		return v
	}
	if rv := reflect.ValueOf(v); rv.Kind() == reflect.String && strings.HasSuffix(rv.Type().Name(), "Number") {
		return json.Number(rv.String())
	}
	return v
}

// treeEdgeCases are the records of issue 16 where parsers part ways:
// numbers that are not exact in a float64, duplicate names, invalid UTF-8
// and lone surrogates, nesting around the libraries' limits.
var treeEdgeCases = []string{
	`{"a":12.10}`, `{"a":1e400}`, `{"a":-0}`, `{"a":-0.0}`, `{"a":12345678901234567890}`,
	`{"a":1E+2}`, `{"a":0.1e-999}`, `{"a":1e1000000}`, `{"a":01}`, `{"a":1.}`, `{"a":-}`,
	`{"a":1,"a":2}`, `{"a":{"b":1},"a":{"c":2}}`, `{"a":[1],"a":null}`, `{"a":1,"A":2}`,
	"{\"a\":\"\xff\"}", "{\"\xff\":1}", "{\"a\":\"\xed\xa0\x80\"}", "{\"a\":\"a\xc3\"}",
	`{"a":"\ud800"}`, `{"a":"\udc00\ud800"}`, `{"a":"\ud83d\ude00"}`, `{"a":"\u0000"}`,
	"{\"a\":\"tab\tin\"}", `{"a":"\x"}`, `{"a":1} x`, `{"a":1}{}`, ` {"a":1} `, `{"a":1,}`,
	`[]`, `"s"`, `null`, `1`, ``, `{`, `{"a":tru}`,
}

// treeCorpus returns the records the codecs are held to.
func treeCorpus(tb testing.TB) [][]byte {
	tb.Helper()
	out := recordSeeds(tb)
	out = append(out, fuzzcorpus.Read(tb, "../producer/testdata/fuzz/FuzzDecodeAgreesWithEncodingJSON")...)
	out = append(out, generatedRTCIMs(tb, 300)...)
	for _, s := range treeEdgeCases {
		out = append(out, []byte(s))
	}
	for _, depth := range []int{1000, 1001, 4095, 4096, 4097, 9999, 10000, 10001} {
		out = append(out, []byte(strings.Repeat("[", depth)+strings.Repeat("]", depth)))
		out = append(out, []byte(strings.Repeat(`{"a":`, depth)+"1"+strings.Repeat("}", depth)))
	}
	return out
}

// generatedRTCIMs returns the RTCIMs v2 writes for n valid generated
// events (codectest.Events).
func generatedRTCIMs(tb testing.TB, n int) [][]byte {
	tb.Helper()
	out := codectest.Events(tb, n, 0)
	for i, raw := range out {
		ev, err := producer.Decode(raw)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = codectest.Record(tb, ev).Value
	}
	return out
}
