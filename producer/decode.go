package producer

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	gojson "github.com/goccy/go-json"
	"github.com/oinkhq/oink"
)

// Decode parses the bytes of one upstream record into an OrderEvent. Every
// failure is an *oink.InputError of stage VALUE_CONVERTER and code
// oink.BadJSON; a value of the wrong JSON type names its field
// ("order.lines.qty: want int, got string"). Unknown fields are ignored, so
// upstream may add fields without breaking v2.
//
// It decodes with github.com/goccy/go-json, which takes an eighth of
// encoding/json's time per event with 3 allocations to its 29
// (BENCHMARKS.md, "JSON"); a record goccy refuses is decoded again by
// encoding/json, whose verdict and error message stand. So what Decode
// accepts, and how it names a fault, is encoding/json's:
// FuzzDecodeAgreesWithEncodingJSON checks that the fast path never accepts
// what encoding/json refuses, nor decodes a record differently.
//
// The event's strings share raw's memory (a string without escapes is not
// copied): raw must not change while the event is in use. Records fetched
// from Kafka are never reused by the clients.
func Decode(raw []byte) (oink.OrderEvent, error) {
	var ev oink.OrderEvent
	if !utf8.Valid(raw) {
		return ev, badJSON("$", "record is not valid UTF-8")
	}
	if err := gojson.UnmarshalOf(raw, &ev, noCopyString); err == nil {
		return ev, nil
	}
	return decodeStd(raw)
}

// noCopyString is goccy's option to leave strings in the input.
var noCopyString = gojson.DecodeNoCopyString()

// decodeStd is Decode by encoding/json alone: the reference Decode's fast
// path must agree with, and its slow path for records goccy refuses.
func decodeStd(raw []byte) (oink.OrderEvent, error) {
	var ev oink.OrderEvent
	if !utf8.Valid(raw) {
		return ev, badJSON("$", "record is not valid UTF-8")
	}
	if err := json.Unmarshal(raw, &ev); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			field := te.Field
			if field == "" { // the record itself has the wrong type
				field = "$"
			}
			return ev, badJSON(field, fmt.Sprintf("want %s, got JSON %s", te.Type, te.Value))
		}
		return ev, badJSON("$", "not a JSON object: "+err.Error())
	}
	return ev, nil
}

func badJSON(field, msg string) *oink.InputError {
	return &oink.InputError{Code: oink.CodeBadJSON, Stage: oink.StageValueConverter, Field: field, Msg: msg}
}
