//go:build goexperiment.jsonv2

package comparator

import (
	"encoding/json"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"

	"github.com/oinkhq/oink/testkit/codectest"
)

// Go 1.26 builds encoding/json/v2 only under GOEXPERIMENT=jsonv2 (and
// encoding/json then runs on v2's implementation). v2 has no UseNumber:
// an unmarshaler of its own keeps each number as its text. Duplicate
// names and invalid UTF-8 are allowed, to decode what encoding/json does.
var jsonv2Options = jsonv2.JoinOptions(
	jsontext.AllowDuplicateNames(true),
	jsontext.AllowInvalidUTF8(true),
	jsonv2.WithUnmarshalers(jsonv2.UnmarshalFromFunc(func(dec *jsontext.Decoder, v *any) error {
		if dec.PeekKind() != '0' {
			return jsonv2.SkipFunc
		}
		num, err := dec.ReadValue()
		*v = json.Number(num)
		return err
	})),
)

func init() {
	// v2 with duplicate names allowed merges {"a":{"b":1},"a":{"c":2}}
	// into one object; encoding/json keeps the last.
	wantTreeDisagreements["encoding_json_v2"] = codectest.Disagreement{DecodesOtherwise: 1}
	treeCodecs = append(treeCodecs, treeCodec{"encoding_json_v2", func(data []byte) (any, error) {
		var v any
		err := jsonv2.Unmarshal(data, &v, jsonv2Options)
		return v, err
	}})
}
