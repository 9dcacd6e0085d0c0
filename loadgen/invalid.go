package loadgen

import (
	"slices"

	"github.com/oinkhq/oink"
)

// invalidate breaks ev in the way kind names and returns its bytes.
func (g *Generator) invalidate(ev *oink.OrderEvent, kind string) []byte {
	// The lines may be shared with a remembered order: break a copy.
	ev.Order.Lines = slices.Clone(ev.Order.Lines)
	switch kind {
	case InvalidBadJSON:
		b := mustJSON(ev)
		return b[:1+g.rng.IntN(len(b)-1)] // a truncated object never parses
	case InvalidUnknownType:
		ev.EventType = []string{"ORDER_SHIPPED", "order_fulfilled", "REFUND"}[g.rng.IntN(3)]
	case InvalidMissingField:
		switch g.rng.IntN(4) {
		case 0:
			ev.EventID = ""
		case 1:
			ev.Order.OrderID = ""
		case 2:
			ev.Order.StoreID = ""
		default:
			ev.Order.Lines[0].SKU = ""
		}
	case InvalidBadMoney:
		l := &ev.Order.Lines[g.rng.IntN(len(ev.Order.Lines))]
		l.UnitPrice = []string{"12.3.4", "-5.00", "1e3", "ten", " 4.00", "4.0001"}[g.rng.IntN(6)]
	case InvalidUnknownCurrency:
		ev.Order.Currency = []string{"XYZ", "usd", "EURO", "BTC"}[g.rng.IntN(4)]
	case InvalidUnknownZone:
		ev.Order.StoreTimezone = []string{"Mars/Olympus_Mons", "EST5", "America/Nowhere", "UTC+3"}[g.rng.IntN(4)]
	case InvalidUnbalanced:
		p := &ev.Order.Payments[0]
		exp, _ := oink.CurrencyExponent(ev.Order.Currency)
		v, _ := oink.ParseMinor(p.Amount, exp)
		p.Amount = oink.FormatMinor(v+1+g.rng.Int64N(500), exp)
	}
	return mustJSON(ev)
}
