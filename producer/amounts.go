package producer

import (
	"fmt"

	"github.com/oinkhq/oink"
)

// line is an order line with its amounts parsed into minor units.
type line struct {
	no       int
	sku      string
	qty      int64 // for a returned line, the returned quantity
	origQty  int64 // the quantity ordered
	unit     int64
	gross    int64 // qty * unit
	discount int64 // own discount + share of the order discount
	rate     oink.Rate
}

// parsed is an order with every amount in minor units and the order
// discount already split across its lines.
type parsed struct {
	lines    []line
	returned []line // for a return: the returned quantities of lines, else nil
	shipping int64
	tenders  []oink.RTCIMTender
	tendered int64
}

// parseOrder parses and checks the order's lines, discounts, shipping and
// payments, and splits the order discount across the lines.
func parseOrder(o oink.Order, exp int) (parsed, error) {
	var p parsed
	if len(o.Lines) == 0 {
		return p, oink.Invalid(oink.CodeMissingField, "order.lines", "is missing: an order needs at least one line")
	}
	p.lines = make([]line, 0, len(o.Lines))
	seen := lineSet{}
	var total int64
	for i, ol := range o.Lines {
		l, err := parseLine(i, ol, exp)
		if err != nil {
			return p, err
		}
		if !seen.add(l.no, p.lines) {
			return p, oink.Invalid(oink.CodeInvalidField, linePath(i, "line_no"), "%d appears twice", l.no)
		}
		total += l.gross
		if total > oink.MaxMinor {
			return p, oink.Invalid(oink.CodeInvalidMoney, "order.lines", "gross total is too large")
		}
		p.lines = append(p.lines, l)
	}
	od, err := money("order.order_discount", o.OrderDiscount, exp, true)
	if err != nil {
		return p, err
	}
	if err := splitDiscount(p.lines, od, total); err != nil {
		return p, err
	}
	if p.shipping, err = money("order.shipping", o.Shipping, exp, true); err != nil {
		return p, err
	}
	p.tenders, p.tendered, err = parsePayments(o.Payments, exp)
	return p, err
}

// lineSet finds a line number seen twice: by a scan of the lines so far
// for a short order (no allocation), by a map past smallOrder lines.
type lineSet struct{ big map[int]bool }

// smallOrder is the most lines lineSet scans.
const smallOrder = 16

// add reports whether no, about to be appended to lines, is new.
func (s *lineSet) add(no int, lines []line) bool {
	if s.big == nil && len(lines) < smallOrder {
		for _, l := range lines {
			if l.no == no {
				return false
			}
		}
		return true
	}
	if s.big == nil {
		s.big = make(map[int]bool, 2*len(lines))
		for _, l := range lines {
			s.big[l.no] = true
		}
	}
	if s.big[no] {
		return false
	}
	s.big[no] = true
	return true
}

// parseLine parses one order line; i is its index, for error paths.
func parseLine(i int, ol oink.OrderLine, exp int) (line, error) {
	l := line{no: ol.LineNo, sku: ol.SKU, qty: int64(ol.Qty), origQty: int64(ol.Qty)}
	if ol.LineNo <= 0 {
		return l, oink.Invalid(oink.CodeMissingField, linePath(i, "line_no"), "is missing or not positive")
	}
	if ol.SKU == "" {
		return l, oink.Invalid(oink.CodeMissingField, linePath(i, "sku"), "is missing")
	}
	if ol.Qty <= 0 || ol.Qty > maxQty {
		return l, oink.Invalid(oink.CodeInvalidField, linePath(i, "qty"), "%d is not between 1 and %d", ol.Qty, maxQty)
	}
	var err error
	if l.unit, err = lineMoney(i, "unit_price", ol.UnitPrice, exp, false); err != nil {
		return l, err
	}
	if l.gross = l.qty * l.unit; l.gross > oink.MaxMinor {
		return l, oink.Invalid(oink.CodeInvalidMoney, linePath(i, "unit_price"), "qty × unit_price is too large")
	}
	if l.discount, err = lineMoney(i, "line_discount", ol.LineDiscount, exp, true); err != nil {
		return l, err
	}
	if l.discount > l.gross {
		return l, oink.Invalid(oink.CodeInvalidMoney, linePath(i, "line_discount"), "%q exceeds the line's gross amount", ol.LineDiscount)
	}
	if ol.TaxRate == "" {
		return l, oink.Invalid(oink.CodeMissingField, linePath(i, "tax_rate"), "is missing")
	}
	if l.rate, err = oink.ParseRate(ol.TaxRate); err != nil {
		return l, oink.Invalid(oink.CodeInvalidField, linePath(i, "tax_rate"), "%v", err)
	}
	return l, nil
}

// splitDiscount adds to each line its share of the order discount od,
// proportional to the line's gross; the rounding remainder goes to the line
// with the largest gross, ties to the lowest line_no.
func splitDiscount(lines []line, od, total int64) error {
	if od == 0 {
		return nil
	}
	if od > total {
		return oink.Invalid(oink.CodeInvalidMoney, "order.order_discount", "exceeds the order's gross amount")
	}
	var given int64
	largest := 0
	for i := range lines {
		share := oink.Share(od, lines[i].gross, total)
		lines[i].discount += share
		given += share
		if l, m := lines[i], lines[largest]; l.gross > m.gross || (l.gross == m.gross && l.no < m.no) {
			largest = i
		}
	}
	lines[largest].discount += od - given
	for i, l := range lines {
		if l.discount > l.gross {
			return oink.Invalid(oink.CodeInvalidMoney, "order.order_discount",
				"with line_discount it exceeds the gross amount of line %d (index %d)", l.no, i)
		}
	}
	return nil
}

// parsePayments converts payments to tenders in minor units and sums them.
func parsePayments(pays []oink.Payment, exp int) ([]oink.RTCIMTender, int64, error) {
	if len(pays) == 0 {
		return nil, 0, oink.Invalid(oink.CodeMissingField, "order.payments", "is missing: an order needs at least one payment")
	}
	out := make([]oink.RTCIMTender, len(pays))
	var sum int64
	for i, p := range pays {
		path := func() string { return fmt.Sprintf("order.payments[%d]", i) } // only for errors
		if p.Tender == "" {
			return nil, 0, oink.Invalid(oink.CodeMissingField, path()+".tender", "is missing")
		}
		v, err := oink.ParseMinor(p.Amount, exp)
		if err != nil {
			return nil, 0, moneyError(path()+".amount", p.Amount, err)
		}
		if sum += v; sum > oink.MaxMinor {
			return nil, 0, oink.Invalid(oink.CodeInvalidMoney, path()+".amount", "payments total is too large")
		}
		out[i] = oink.RTCIMTender{Tender: p.Tender, AmountMinor: v}
	}
	return out, sum, nil
}

// parseReturns resolves a return's returned_lines against the order's lines:
// each returned line carries the returned quantity, the gross of that
// quantity, and its discount prorated by quantity (rounded in compute).
func parseReturns(o oink.Order, lines []line) ([]line, error) {
	if len(o.ReturnedLines) == 0 {
		return nil, oink.Invalid(oink.CodeMissingField, "order.returned_lines", "is missing: a return needs at least one returned line")
	}
	byNo := make(map[int]int, len(lines))
	for i, l := range lines {
		byNo[l.no] = i
	}
	seen := make(map[int]bool, len(o.ReturnedLines))
	out := make([]line, 0, len(o.ReturnedLines))
	for i, r := range o.ReturnedLines {
		path := fmt.Sprintf("order.returned_lines[%d]", i)
		idx, ok := byNo[r.LineNo]
		if !ok {
			return nil, oink.Invalid(oink.CodeInvalidField, path+".line_no", "%d is not a line of the order", r.LineNo)
		}
		if seen[r.LineNo] {
			return nil, oink.Invalid(oink.CodeInvalidField, path+".line_no", "%d is returned twice", r.LineNo)
		}
		seen[r.LineNo] = true
		l := lines[idx]
		if r.Qty <= 0 || int64(r.Qty) > l.qty {
			return nil, oink.Invalid(oink.CodeInvalidField, path+".qty", "%d is not between 1 and the line's qty %d", r.Qty, l.qty)
		}
		out = append(out, l)
		out[len(out)-1].qty = int64(r.Qty)
	}
	return out, nil
}

// amounts is the computed part of an RTCIM.
type amounts struct {
	lines  []oink.RTCIMLine
	totals oink.Totals
}

// compute derives the RTCIM lines and totals, rounding tax (and a return's
// prorated discount) by mode. For a return only the returned quantities count
// and shipping is not refunded.
func compute(p parsed, mode oink.Rounding) amounts {
	src, shipping := p.lines, p.shipping
	if p.returned != nil {
		src, shipping = p.returned, 0
	}
	a := amounts{lines: make([]oink.RTCIMLine, len(src)), totals: oink.Totals{ShippingMinor: shipping}}
	for i, l := range src {
		gross := l.qty * l.unit
		disc := l.discount
		if l.qty != l.origQty { // a partial return: prorate the discount by quantity
			disc = oink.DivRound(l.discount, l.qty, l.origQty, mode)
		}
		tax := oink.ApplyRate(gross-disc, l.rate, mode)
		net := gross - disc + tax
		a.lines[i] = oink.RTCIMLine{LineNo: l.no, SKU: l.sku, Qty: int(l.qty), UnitPriceMinor: l.unit,
			DiscountMinor: disc, TaxMinor: tax, NetMinor: net}
		a.totals.GrossMinor += gross
		a.totals.DiscountMinor += disc
		a.totals.TaxMinor += tax
		a.totals.NetMinor += net
	}
	return a
}

// checkTenders rejects an event whose payments do not sum to the net total
// plus shipping.
func checkTenders(p parsed, a amounts, exp int) error {
	want := a.totals.NetMinor + a.totals.ShippingMinor
	if p.tendered != want {
		return oink.Invalid(oink.CodeUnbalancedTenders, "order.payments",
			"sum to %s but the net total plus shipping is %s", oink.FormatMinor(p.tendered, exp), oink.FormatMinor(want, exp))
	}
	return nil
}
