package producer_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/oinkhq/oink/producer"

	"github.com/oinkhq/oink"
)

func TestTransformRejects(t *testing.T) {
	t.Parallel()
	base := eventFiles(t)["usd_sale"]
	tests := []struct {
		name      string
		mutate    func(*oink.OrderEvent)
		raw       string // used instead of a mutated base when set
		code      string
		field     string
		stage     string
		wantInMsg string
	}{
		{name: "a truncated record is undecodable", raw: `{"event_id":"E-1","ord`, code: oink.CodeBadJSON, field: "$", stage: oink.StageValueConverter},
		{name: "invalid UTF-8 is undecodable", raw: "{\"event_id\":\"\xff\"}", code: oink.CodeBadJSON, field: "$", stage: oink.StageValueConverter},
		{name: "a number where a string belongs names the field", raw: `{"event_id":7}`, code: oink.CodeBadJSON, field: "event_id", stage: oink.StageValueConverter},
		{name: "a string qty names the nested field", raw: `{"order":{"lines":[{"qty":"2"}]}}`, code: oink.CodeBadJSON, field: "order.lines.qty", stage: oink.StageValueConverter},
		{name: "an unknown event type is rejected", mutate: func(e *oink.OrderEvent) { e.EventType = "ORDER_SHIPPED" }, code: oink.CodeUnknownEventType, field: "event_type"},
		{name: "a missing event id is rejected", mutate: func(e *oink.OrderEvent) { e.EventID = "" }, code: oink.CodeMissingField, field: "event_id"},
		{name: "a missing order id is rejected", mutate: func(e *oink.OrderEvent) { e.Order.OrderID = "" }, code: oink.CodeMissingField, field: "order.order_id"},
		{name: "a missing sku names its line", mutate: func(e *oink.OrderEvent) { e.Order.Lines[1].SKU = "" }, code: oink.CodeMissingField, field: "order.lines[1].sku"},
		{name: "no lines at all is rejected", mutate: func(e *oink.OrderEvent) { e.Order.Lines = nil }, code: oink.CodeMissingField, field: "order.lines"},
		{name: "a price with two points is bad money", mutate: func(e *oink.OrderEvent) { e.Order.Lines[1].UnitPrice = "12.3.4" }, code: oink.CodeInvalidMoney, field: "order.lines[1].unit_price", wantInMsg: `"12.3.4"`},
		{name: "a negative price is bad money", mutate: func(e *oink.OrderEvent) { e.Order.Lines[0].UnitPrice = "-1.00" }, code: oink.CodeInvalidMoney, field: "order.lines[0].unit_price"},
		{name: "a price with more decimals than the currency is bad money", mutate: func(e *oink.OrderEvent) { e.Order.Lines[0].UnitPrice = "1.001" }, code: oink.CodeInvalidMoney, field: "order.lines[0].unit_price"},
		{name: "an exponent is bad money", mutate: func(e *oink.OrderEvent) { e.Order.Shipping = "1e3" }, code: oink.CodeInvalidMoney, field: "order.shipping"},
		{name: "a huge price is bad money, not an overflow", mutate: func(e *oink.OrderEvent) { e.Order.Lines[0].UnitPrice = "99999999999999.99" }, code: oink.CodeInvalidMoney, field: "order.lines[0].unit_price"},
		{name: "a discount over the line is bad money", mutate: func(e *oink.OrderEvent) { e.Order.Lines[1].LineDiscount = "8.00" }, code: oink.CodeInvalidMoney, field: "order.lines[1].line_discount"},
		{name: "an order discount over the order is bad money", mutate: func(e *oink.OrderEvent) { e.Order.OrderDiscount = "500.00" }, code: oink.CodeInvalidMoney, field: "order.order_discount"},
		{name: "an unknown currency is rejected", mutate: func(e *oink.OrderEvent) { e.Order.Currency = "XYZ" }, code: oink.CodeUnknownCurrency, field: "order.currency"},
		{name: "a lower-case currency is unknown", mutate: func(e *oink.OrderEvent) { e.Order.Currency = "usd" }, code: oink.CodeUnknownCurrency, field: "order.currency"},
		{name: "an unknown zone is rejected", mutate: func(e *oink.OrderEvent) { e.Order.StoreTimezone = "Mars/Olympus_Mons" }, code: oink.CodeUnknownTimeZone, field: "order.store_timezone"},
		{name: "Local is not a store zone", mutate: func(e *oink.OrderEvent) { e.Order.StoreTimezone = "Local" }, code: oink.CodeUnknownTimeZone, field: "order.store_timezone"},
		{name: "tenders one cent short do not balance", mutate: func(e *oink.OrderEvent) { e.Order.Payments[0].Amount = "25.04" }, code: oink.CodeUnbalancedTenders, field: "order.payments", wantInMsg: "50.11"},
		{name: "a bad event time is rejected", mutate: func(e *oink.OrderEvent) { e.EventTime = "yesterday" }, code: oink.CodeInvalidField, field: "event_time"},
		{name: "an unknown channel is rejected", mutate: func(e *oink.OrderEvent) { e.Order.Channel = "FAX" }, code: oink.CodeInvalidField, field: "order.channel"},
		{name: "a zero quantity is rejected", mutate: func(e *oink.OrderEvent) { e.Order.Lines[0].Qty = 0 }, code: oink.CodeInvalidField, field: "order.lines[0].qty"},
		{name: "a duplicate line number is rejected", mutate: func(e *oink.OrderEvent) { e.Order.Lines[1].LineNo = 1 }, code: oink.CodeInvalidField, field: "order.lines[1].line_no"},
		{name: "a tax rate over one is rejected", mutate: func(e *oink.OrderEvent) { e.Order.Lines[0].TaxRate = "1.5" }, code: oink.CodeInvalidField, field: "order.lines[0].tax_rate"},
		{name: "a return without returned lines is rejected", mutate: func(e *oink.OrderEvent) { e.EventType = oink.EventReturned }, code: oink.CodeMissingField, field: "order.returned_lines"},
		{name: "returning more than was bought is rejected", mutate: func(e *oink.OrderEvent) {
			e.EventType = oink.EventReturned
			e.Order.ReturnedLines = []oink.ReturnedLine{{LineNo: 1, Qty: 3}}
		}, code: oink.CodeInvalidField, field: "order.returned_lines[0].qty"},
		{name: "returning a line the order lacks is rejected", mutate: func(e *oink.OrderEvent) {
			e.EventType = oink.EventReturned
			e.Order.ReturnedLines = []oink.ReturnedLine{{LineNo: 9, Qty: 1}}
		}, code: oink.CodeInvalidField, field: "order.returned_lines[0].line_no"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			raw := []byte(tc.raw)
			if tc.mutate != nil {
				ev := mustDecode(t, base)
				tc.mutate(&ev)
				raw, _ = json.Marshal(ev)
			}
			ev, err := producer.Decode(raw)
			if err == nil {
				_, err = producer.Transform(ev)
			}
			var ie *oink.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("Decode+producer.Transform = %v, want an *oink.InputError", err)
			}
			stage := tc.stage
			if stage == "" {
				stage = oink.StageTransformation
			}
			if ie.Code != tc.code || ie.Field != tc.field || ie.Stage != stage {
				t.Errorf("error = {%s %s %s} %q, want {%s %s %s}", ie.Code, ie.Field, ie.Stage, ie, tc.code, tc.field, stage)
			}
			if !strings.HasPrefix(ie.Error(), tc.field) || !strings.Contains(ie.Error(), tc.wantInMsg) {
				t.Errorf("message %q should start with %q and contain %q", ie, tc.field, tc.wantInMsg)
			}
		})
	}
}

// FuzzDecodeTransform checks that decode+transform never panics on any bytes
// and that every rejection is an *oink.InputError that names a field (the
// property is "no panic, every error explained", not a round trip). Seeded
// from ../testdata/events.
func FuzzDecodeTransform(f *testing.F) {
	for _, raw := range eventFiles(f) {
		f.Add(raw)
	}
	f.Add([]byte(`null`))
	f.Add([]byte(`{"order":{"lines":[{"qty":1e400}]}}`))
	f.Fuzz(func(t *testing.T, raw []byte) {
		ev, err := producer.Decode(raw)
		if err == nil {
			var rt oink.RetailTransaction
			rt, err = producer.Transform(ev)
			if err == nil {
				checkBalanced(t, rt)
				return
			}
		}
		ie, ok := oink.AsInputError(err)
		if !ok {
			t.Fatalf("rejection %v (%T) is not an *oink.InputError", err, err)
		}
		if ie.Field == "" || ie.Code == "" || ie.Msg == "" {
			t.Fatalf("rejection %#v does not name its field, code and reason", ie)
		}
	})
}

// checkBalanced asserts the arithmetic identities every accepted RTCIM holds.
func checkBalanced(t *testing.T, rt oink.RetailTransaction) {
	t.Helper()
	var net, tendered int64
	for _, l := range rt.Lines {
		if l.NetMinor != int64(l.Qty)*l.UnitPriceMinor-l.DiscountMinor+l.TaxMinor || l.DiscountMinor < 0 || l.TaxMinor < 0 {
			t.Fatalf("line %+v does not add up", l)
		}
		net += l.NetMinor
	}
	for _, tn := range rt.Tenders {
		tendered += tn.AmountMinor
	}
	if net != rt.Totals.NetMinor || tendered != rt.Totals.NetMinor+rt.Totals.ShippingMinor {
		t.Fatalf("totals %+v do not add up (lines net %d, tendered %d)", rt.Totals, net, tendered)
	}
}
