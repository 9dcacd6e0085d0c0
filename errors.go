package oink

import (
	"errors"
	"fmt"
)

// Error codes of InputError. They are stable: DLQ tooling filters on them
// (they travel in the __connect.errors.exception.class.name header), so a code
// is never renamed.
const (
	CodeBadJSON           = "oink.BadJSON"
	CodeUnknownEventType  = "oink.UnknownEventType"
	CodeMissingField      = "oink.MissingField"
	CodeInvalidMoney      = "oink.InvalidMoney"
	CodeUnknownCurrency   = "oink.UnknownCurrency"
	CodeUnknownTimeZone   = "oink.UnknownTimeZone"
	CodeUnbalancedTenders = "oink.UnbalancedTenders"
	CodeInvalidField      = "oink.InvalidField"
	// CodeRecordTooLarge: the record is valid but its output would not fit
	// one Kafka record (a huge field value).
	CodeRecordTooLarge = "oink.RecordTooLarge"
	// CodeFutureEventTime: the event's time lies further ahead of the
	// reader's clock than the allowed future skew (DefaultMaxFutureSkew,
	// or the --max-future-skew flag). Such an event would hold a route
	// decision or a watermark hostage until its time came; it is
	// dead-lettered instead, and can be replayed once its time is near.
	CodeFutureEventTime = "oink.FutureEventTime"
)

// Stages of InputError, named as Kafka Connect names them so that existing DLQ
// tooling reads them: the value could not be decoded at all, or it decoded but
// broke a rule of the transform.
const (
	StageValueConverter = "VALUE_CONVERTER"
	StageTransformation = "TRANSFORMATION"
)

// InputError rejects one input record. Field is the JSON path of the offending
// field ("order.lines[2].unit_price"), or "$" when the record as a whole is bad
// (undecodable JSON). The message always starts with the field, so a person
// reading a dead letter knows where to look.
type InputError struct {
	Code  string // one of the Code… constants
	Stage string // StageValueConverter or StageTransformation
	Field string // JSON path of the field, "$" for the whole record
	Msg   string // what is wrong with it
}

// Error returns "field: message", or the message alone when there is no field.
func (e *InputError) Error() string {
	if e.Field == "" {
		return e.Msg
	}
	return e.Field + ": " + e.Msg
}

// Invalid returns a TRANSFORMATION-stage InputError for field.
func Invalid(code, field, format string, args ...any) *InputError {
	return &InputError{Code: code, Stage: StageTransformation, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// AsInputError reports whether err is or wraps an *InputError, and returns it.
func AsInputError(err error) (*InputError, bool) {
	var ie *InputError
	ok := errors.As(err, &ie)
	return ie, ok
}
