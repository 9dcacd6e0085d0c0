//go:build goexperiment.jsonv2

package producer_test

import (
	jsonv2 "encoding/json/v2"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/testkit/codectest"
)

// Go 1.26 builds encoding/json/v2 only under GOEXPERIMENT=jsonv2, and
// under it encoding/json itself runs on v2's implementation: its numbers
// in BENCHMARKS.md ("JSON") come from a run of their own, and the
// reference the libraries are held to changes.
func init() {
	structCodecs = append(structCodecs, structCodec{"encoding_json_v2",
		func(raw []byte, ev *oink.OrderEvent) error { return jsonv2.Unmarshal(raw, ev) },
		func(rt *oink.RetailTransaction) ([]byte, error) { return jsonv2.Marshal(rt) }})
	// v2 by default matches member names exactly (4 records with
	// "ChAnnel" or "EVENT_ID" decode otherwise) and refuses duplicate
	// names (5), invalid UTF-8 (4) and lone surrogates in escapes (3).
	wantDecodeDisagreements["encoding_json_v2"] = codectest.Disagreement{RefusesAccepted: 12, DecodesOtherwise: 4, OfInvalidUTF8: 4}
	// encoding/json on v2 writes invalid UTF-8 as a raw U+FFFD, where
	// encoding/json without the experiment, and every other library,
	// write the escape \ufffd. v2 itself refuses invalid UTF-8 (2 RTCIMs)
	// and escapes neither <>& nor U+2028/U+2029 (2).
	for _, name := range []string{"segmentio", "goccy", "sonic"} {
		wantEncodeDisagreements[name] = [2]int{2, 0}
	}
	wantEncodeDisagreements["encoding_json_v2"] = [2]int{2, 2}
}
