package producer

import (
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/oinkhq/oink"
)

// maxQty bounds a line's quantity; with oink.MaxMinor it keeps qty*price
// inside int64.
const maxQty = 1_000_000

var errUnknownZone = errors.New("unknown time zone")

// Variant is how a producer computes an RTCIM. OINK v2 follows the contract
// (contract below); the v1 simulator deviates in the ways the legacy service
// did.
type Variant struct {
	Rounding        oink.Rounding // rounding of tax and of prorated return discounts
	UTCBusinessDate bool          // business date in UTC instead of store-local
}

// contract is the RTCIM contract of docs/design.md, what v2 implements.
var contract = Variant{Rounding: oink.HalfEven}

// Transform turns one order event into its RTCIM under the contract of
// docs/design.md. It is pure: the same event always gives the same RTCIM (rtcim_id
// included), which is what makes redelivery harmless. A rejected event gets an
// *oink.InputError naming the offending field; such events belong in the DLQ.
func Transform(ev oink.OrderEvent) (oink.RetailTransaction, error) {
	return TransformVariant(ev, contract)
}

// TransformVariant is Transform under variant v: the v1 simulator (package
// legacy) computes its known bugs this way.
func TransformVariant(ev oink.OrderEvent, v Variant) (oink.RetailTransaction, error) {
	h, err := checkHeader(ev)
	if err != nil {
		return oink.RetailTransaction{}, err
	}
	in, err := parseOrder(ev.Order, h.exp)
	if err != nil {
		return oink.RetailTransaction{}, err
	}
	if ev.EventType == oink.EventReturned {
		if in.returned, err = parseReturns(ev.Order, in.lines); err != nil {
			return oink.RetailTransaction{}, err
		}
	}
	// Tenders are checked against the contract's amounts: the input either
	// balances or it does not, whatever rounding a producer then applies.
	want := compute(in, oink.HalfEven)
	if err := checkTenders(in, want, h.exp); err != nil {
		return oink.RetailTransaction{}, err
	}
	got := want
	if v.Rounding != oink.HalfEven {
		got = compute(in, v.Rounding)
	}
	date := h.local
	if v.UTCBusinessDate {
		date = h.utc
	}
	return oink.RetailTransaction{
		RTCIMID:         RTCIMID(ev.Order.OrderID, ev.EventID),
		RTCIMType:       h.rtype,
		OrderID:         ev.Order.OrderID,
		SourceEventID:   ev.EventID,
		SourceEventTime: h.eventTime.Format(time.RFC3339Nano),
		BusinessDate:    date.Format(time.DateOnly),
		StoreID:         ev.Order.StoreID,
		Channel:         ev.Order.Channel,
		Currency:        ev.Order.Currency,
		SchemaVersion:   oink.SchemaVersion,
		Lines:           got.lines,
		Totals:          got.totals,
		Tenders:         in.tenders,
	}, nil
}

// RTCIMID is the deterministic id of the RTCIM of (orderID, eventID): a
// name-based (version 5 style) UUID over both, so a replayed event gets the
// same id.
func RTCIMID(orderID, eventID string) string {
	h := sha1.New()
	h.Write([]byte("oink.rtcim\x00"))
	h.Write([]byte(orderID))
	h.Write([]byte{0})
	h.Write([]byte(eventID))
	var sum [sha1.Size]byte
	b := h.Sum(sum[:0])
	b[6] = b[6]&0x0f | 0x50 // version 5
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	var out [36]byte
	hex.Encode(out[0:8], b[0:4])
	out[8] = '-'
	hex.Encode(out[9:13], b[4:6])
	out[13] = '-'
	hex.Encode(out[14:18], b[6:8])
	out[18] = '-'
	hex.Encode(out[19:23], b[8:10])
	out[23] = '-'
	hex.Encode(out[24:36], b[10:16])
	return string(out[:])
}

// header is what checkHeader derives from the event's envelope.
type header struct {
	rtype     string
	eventTime time.Time // UTC
	local     time.Time // event time in the store's zone
	utc       time.Time
	exp       int // currency decimals
}

var rtcimTypes = map[string]string{
	oink.EventFulfilled: oink.TypeSale,
	oink.EventReturned:  oink.TypeReturn,
	oink.EventCancelled: oink.TypeVoid,
}

var channels = map[string]bool{oink.ChannelWeb: true, oink.ChannelApp: true, oink.ChannelStore: true}

// checkHeader validates the event's envelope and the order's scalar fields.
func checkHeader(ev oink.OrderEvent) (header, error) {
	var h header
	o := ev.Order
	fields := [...]fieldValue{{"event_id", ev.EventID}, {"event_type", ev.EventType}, {"event_time", ev.EventTime},
		{"order.order_id", o.OrderID}, {"order.channel", o.Channel}, {"order.store_id", o.StoreID},
		{"order.store_timezone", o.StoreTimezone}, {"order.currency", o.Currency}}
	if err := required(fields[:]); err != nil {
		return h, err
	}
	var ok bool
	if h.rtype, ok = rtcimTypes[ev.EventType]; !ok {
		return h, oink.Invalid(oink.CodeUnknownEventType, "event_type",
			"%q is not one of ORDER_FULFILLED, ORDER_RETURNED, ORDER_CANCELLED", ev.EventType)
	}
	t, err := time.Parse(time.RFC3339Nano, ev.EventTime)
	if err != nil {
		return h, oink.Invalid(oink.CodeInvalidField, "event_time", "%q is not an RFC 3339 time", ev.EventTime)
	}
	if !channels[o.Channel] {
		return h, oink.Invalid(oink.CodeInvalidField, "order.channel", "%q is not one of WEB, APP, STORE", o.Channel)
	}
	loc, err := loadZone(o.StoreTimezone)
	if err != nil {
		return h, oink.Invalid(oink.CodeUnknownTimeZone, "order.store_timezone", "%q is not an IANA time zone", o.StoreTimezone)
	}
	if h.exp, ok = oink.CurrencyExponent(o.Currency); !ok {
		return h, oink.Invalid(oink.CodeUnknownCurrency, "order.currency", "%q is not a known ISO 4217 currency", o.Currency)
	}
	h.eventTime = t.UTC()
	h.utc = h.eventTime
	h.local = t.In(loc)
	return h, nil
}

// fieldValue is one (path, value) pair for required.
type fieldValue struct{ path, value string }

// required rejects the first empty field, in the order given.
func required(fields []fieldValue) error {
	for _, f := range fields {
		if f.value == "" {
			return oink.Invalid(oink.CodeMissingField, f.path, "is missing")
		}
	}
	return nil
}

// money parses an amount of field path, "" counting as zero when optional.
func money(path, s string, exp int, optional bool) (int64, error) {
	if s == "" && optional {
		return 0, nil
	}
	v, err := oink.ParseMinor(s, exp)
	if err != nil {
		return 0, moneyError(path, s, err)
	}
	return v, nil
}

// lineMoney is money for field of the line at index i: the field's path
// is formatted only for an error (it was 14% of Transform's CPU).
func lineMoney(i int, field, s string, exp int, optional bool) (int64, error) {
	v, err := oink.ParseMinor(s, exp)
	if err != nil {
		if s == "" && optional {
			return 0, nil
		}
		return 0, moneyError(linePath(i, field), s, err)
	}
	return v, nil
}

// moneyError is the rejection of amount s of field path, which
// oink.ParseMinor refused with err.
func moneyError(path, s string, err error) error {
	if s == "" {
		return oink.Invalid(oink.CodeMissingField, path, "is missing")
	}
	return oink.Invalid(oink.CodeInvalidMoney, path, "%v", err)
}

func linePath(i int, field string) string { return fmt.Sprintf("order.lines[%d].%s", i, field) }
