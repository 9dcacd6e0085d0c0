package identity

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// DecodeError reports a record that cannot be read as the rules need: not
// valid UTF-8, not a JSON object, or a key or event-time field that is
// missing or malformed. The join counts such records as undecodable.
type DecodeError struct {
	// Field is the top-level field at fault, "$" for the whole record, or
	// "kafka key" for the record's Kafka key.
	Field string
	// Msg says what is wrong. Compare's messages name the side ("control
	// record is not a JSON object").
	Msg string
	// Err is the underlying cause, when there is one.
	Err error
}

// Error returns "field: msg".
func (e *DecodeError) Error() string { return e.Field + ": " + e.Msg }

// Unwrap returns the underlying cause.
func (e *DecodeError) Unwrap() error { return e.Err }

// FieldKafkaKey is DecodeError.Field for a problem with the Kafka key.
const FieldKafkaKey = "kafka key"

// identitySeparator joins the values of several key fields.
const identitySeparator = '|'

// Spec says how a record's identity and event time are read: the
// top-level fields whose values, joined, identify a record (none: the
// Kafka key does), and the field holding its event time (none: the Kafka
// timestamp). The comparator, the switch and the live-topic checks all
// read identities through one Spec, the rules' (comparator.Rules.Identity),
// so that they agree on what one record is. The zero Spec identifies by
// the Kafka key and times by the Kafka timestamp. A Spec is immutable and
// safe for concurrent use.
type Spec struct {
	key       []string
	eventTime string
	wanted    []string // the top-level fields Identify reads: key fields, then event time
}

// New returns the Spec of key fields and an event-time field ("" for the
// Kafka timestamp).
func New(keyFields []string, eventTimeField string) Spec {
	s := Spec{key: slices.Clone(keyFields), eventTime: eventTimeField}
	s.wanted = slices.Clone(s.key)
	if s.eventTime != "" && !slices.Contains(s.key, s.eventTime) {
		s.wanted = append(s.wanted, s.eventTime)
	}
	return s
}

// KeyFields returns the fields that identify a record, or nil when the
// Kafka key does.
func (s *Spec) KeyFields() []string { return slices.Clone(s.key) }

// EventTimeField returns the field that gives a record's event time, or ""
// when the Kafka timestamp does.
func (s *Spec) EventTimeField() string { return s.eventTime }

// Identify returns a record's identity and event time.
//
// The identity is the values of the rules' key fields joined with "|"
// ("O1-000000001|E1-000000001"): a string as its contents, a number as
// written. A "|" or "\" inside a value is escaped with "\", so different
// values never join to the same identity. With no key fields the identity
// is the Kafka key, which must then be non-empty UTF-8.
//
// The event time is the RFC 3339 string in the rules' event_time field, or
// kafkaTime when the rules name none.
//
// Identify reads only the top level of value: it checks that value is UTF-8
// and one JSON object, and skips nested values without validating them
// (Compare does that). Errors are *DecodeError. It allocates little and is
// safe for concurrent use.
func (s *Spec) Identify(kafkaKey, value []byte, kafkaTime time.Time) (identity string, eventTime time.Time, err error) {
	if !utf8.Valid(value) {
		return "", time.Time{}, &DecodeError{Field: "$", Msg: "record is not valid UTF-8"}
	}
	var buf [4][]byte // key fields and event time of most rules, without an allocation
	var found [][]byte
	if len(s.wanted) <= len(buf) {
		found = buf[:len(s.wanted)]
	} else {
		found = make([][]byte, len(s.wanted))
	}
	if err := scanTop(value, s.wanted, found); err != nil {
		return "", time.Time{}, err
	}
	if identity, err = s.identity(kafkaKey, found); err != nil {
		return "", time.Time{}, err
	}
	if s.eventTime == "" {
		return identity, kafkaTime, nil
	}
	eventTime, err = parseEventTime(s.eventTime, found[slices.Index(s.wanted, s.eventTime)])
	if err != nil {
		return "", time.Time{}, err
	}
	return identity, eventTime, nil
}

// identity joins the key fields' values, or returns the Kafka key.
func (s *Spec) identity(kafkaKey []byte, found [][]byte) (string, error) {
	if len(s.key) == 0 {
		switch {
		case len(kafkaKey) == 0:
			return "", &DecodeError{Field: FieldKafkaKey, Msg: "record has no Kafka key; name key fields in the rules to identify records by their contents"}
		case !utf8.Valid(kafkaKey):
			return "", &DecodeError{Field: FieldKafkaKey, Msg: "not valid UTF-8"}
		}
		return string(kafkaKey), nil
	}
	var stack [128]byte
	out := stack[:0]
	for i, field := range s.key {
		if i > 0 {
			out = append(out, identitySeparator)
		}
		var err error
		if out, err = appendKeyValue(out, field, found[i]); err != nil {
			return "", err
		}
	}
	return string(out), nil
}

// appendKeyValue appends one key field's value, given as raw JSON (nil when
// the field is missing), escaping "|" and "\".
func appendKeyValue(out []byte, field string, raw []byte) ([]byte, error) {
	if len(raw) == 0 {
		return out, &DecodeError{Field: field, Msg: "missing; every record needs its key fields"}
	}
	switch c := raw[0]; {
	case c == '"':
		if inner, ok := plainString(raw); ok {
			return appendEscaped(out, inner), nil
		}
		s, err := jsonString(field, raw)
		if err != nil {
			return out, err
		}
		return appendEscaped(out, []byte(s)), nil
	case c == '-' || isDigit(c):
		if !json.Valid(raw) {
			return out, &DecodeError{Field: field, Msg: "not a valid JSON number"}
		}
		return append(out, raw...), nil
	case c == 'n':
		return out, &DecodeError{Field: field, Msg: "null; a key field must be a string or a number"}
	}
	return out, &DecodeError{Field: field, Msg: fmt.Sprintf("is %s; a key field must be a string or a number", jsonKind(raw[0]))}
}

// appendEscaped appends s, putting "\" before each "|" and "\".
func appendEscaped(out, s []byte) []byte {
	for i := 0; i < len(s); i++ {
		if s[i] == identitySeparator || s[i] == '\\' {
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return out
}

// plainString returns the contents of the raw JSON string literal raw when
// it needs no decoding: no escapes and no control characters.
func plainString(raw []byte) ([]byte, bool) {
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' || c < 0x20 {
			return nil, false
		}
	}
	return inner, true
}

// jsonString returns the contents of the raw JSON string literal raw.
func jsonString(field string, raw []byte) (string, error) {
	if inner, ok := plainString(raw); ok {
		return string(inner), nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", &DecodeError{Field: field, Msg: "not a valid JSON string", Err: err}
	}
	return s, nil
}

// jsonKind names the kind of JSON value that starts with c.
func jsonKind(c byte) string {
	switch c {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case 't', 'f':
		return "a boolean"
	}
	return "not a JSON value"
}

// parseEventTime reads the event_time field's raw JSON value.
func parseEventTime(field string, raw []byte) (time.Time, error) {
	if len(raw) == 0 {
		return time.Time{}, &DecodeError{Field: field, Msg: "missing; every record needs its event time (RFC 3339, e.g. 2026-06-15T17:04:05Z)"}
	}
	if raw[0] != '"' {
		return time.Time{}, &DecodeError{Field: field, Msg: "not a string; write the event time as RFC 3339, e.g. \"2026-06-15T17:04:05Z\""}
	}
	s, err := jsonString(field, raw)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, &DecodeError{Field: field, Msg: fmt.Sprintf("%q is not an RFC 3339 time; write it like 2026-06-15T17:04:05Z", shorten(s)), Err: err}
	}
	return t, nil
}

// shorten cuts s to a length fit for an error message.
func shorten(s string) string {
	const limit = 40
	if len(s) <= limit {
		return s
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// matchWanted returns the index in wanted of the member name given as the
// raw contents of its JSON string literal, or -1.
func matchWanted(name []byte, wanted []string) int {
	if bytes.IndexByte(name, '\\') < 0 {
		for i, w := range wanted {
			if string(name) == w {
				return i
			}
		}
		return -1
	}
	var s string
	if json.Unmarshal(append(append([]byte{'"'}, name...), '"'), &s) != nil {
		return -1
	}
	return slices.Index(wanted, s)
}
