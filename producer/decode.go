package producer

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/oinkhq/oink"
)

// Decode parses the bytes of one upstream record into an OrderEvent. Every
// failure is an *oink.InputError of stage VALUE_CONVERTER and code
// oink.BadJSON; a value of the wrong JSON type names its field
// ("order.lines.qty: want int, got string"). Unknown fields are ignored, so
// upstream may add fields without breaking v2.
func Decode(raw []byte) (oink.OrderEvent, error) {
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
