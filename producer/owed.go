package producer

import "github.com/oinkhq/oink"

// Owed returns what the tenders of ev must sum to under the contract, in minor
// units: the net total plus shipping (for a return, the refunded net). Its
// payments are ignored. It returns -1 when the event is invalid for another
// reason.
func Owed(ev oink.OrderEvent) int64 {
	h, err := checkHeader(ev)
	if err != nil {
		return -1
	}
	p, err := parseOrder(withoutPayments(ev.Order), h.exp)
	if err != nil {
		return -1
	}
	if ev.EventType == oink.EventReturned {
		if p.returned, err = parseReturns(ev.Order, p.lines); err != nil {
			return -1
		}
	}
	a := compute(p, oink.HalfEven)
	return a.totals.NetMinor + a.totals.ShippingMinor
}

func withoutPayments(o oink.Order) oink.Order {
	o.Payments = []oink.Payment{{Tender: "CASH", Amount: "0"}}
	return o
}
