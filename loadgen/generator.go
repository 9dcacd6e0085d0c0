package loadgen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/producer"
)

// Invalid kinds the load generator can produce: one per way the transform
// rejects input. Each maps to the error code v2 must give it (InvalidKindCode).
const (
	InvalidBadJSON         = "bad_json"
	InvalidUnknownType     = "unknown_type"
	InvalidMissingField    = "missing_field"
	InvalidBadMoney        = "bad_money"
	InvalidUnknownCurrency = "unknown_currency"
	InvalidUnknownZone     = "unknown_zone"
	InvalidUnbalanced      = "unbalanced_tenders"
)

// InvalidKinds lists every invalid kind, in a stable order.
var InvalidKinds = []string{InvalidBadJSON, InvalidUnknownType, InvalidMissingField, InvalidBadMoney,
	InvalidUnknownCurrency, InvalidUnknownZone, InvalidUnbalanced}

// InvalidKindCode maps an invalid kind to the oink error code v2 rejects it with.
var InvalidKindCode = map[string]string{
	InvalidBadJSON:         oink.CodeBadJSON,
	InvalidUnknownType:     oink.CodeUnknownEventType,
	InvalidMissingField:    oink.CodeMissingField,
	InvalidBadMoney:        oink.CodeInvalidMoney,
	InvalidUnknownCurrency: oink.CodeUnknownCurrency,
	InvalidUnknownZone:     oink.CodeUnknownTimeZone,
	InvalidUnbalanced:      oink.CodeUnbalancedTenders,
}

// Config configures a Generator. The zero value of each field but Seed
// means its default.
type Config struct {
	Seed         uint64
	Stores       int     // number of stores, default 50
	InvalidRatio float64 // share of events made invalid, 0..1
	// Start is the event time of the first event; event i has time
	// Start + i*Step. When Start is zero, each event takes the time of
	// Now() instead (a live stream), and only the times differ between two
	// runs with the same seed.
	Start time.Time
	Step  time.Duration    // default 1ms
	Now   func() time.Time // default time.Now
	// EdgeRatio is the share of events placed at a store near its local
	// midnight (default 0.05; negative for none).
	EdgeRatio float64
	// FutureRatio is the share of otherwise valid events whose event_time
	// lies FutureOffset ahead of their time (an upstream clock gone
	// wrong), 0..1: v2 and the v1 simulator dead-letter them
	// (oink.FutureEventTime). Their Kafka timestamp stays the current
	// time, as the upstream producer's client stamps it (a broker may
	// refuse a far-future record timestamp: message.timestamp.after.max.ms).
	FutureRatio float64
}

// FutureOffset is how far ahead a generated far-future event is dated: a
// year, as an upstream clock set to the wrong year would date it. Far past
// any sane --max-future-skew, so every producer rejects it alike.
const FutureOffset = 365 * 24 * time.Hour

// Event is one generated upstream record.
type Event struct {
	Key     []byte
	Value   []byte
	Time    time.Time
	Type    string // event type as generated (before any invalidation)
	Invalid string // "" for a valid event, else one of InvalidKinds
	// Future is true for an event dated FutureOffset ahead (FutureRatio).
	Future  bool
	EventID string
}

type store struct {
	id string
	storeSite
	loc *time.Location
}

// Generator produces a reproducible stream of realistic order events: the
// same Config gives the same events. It is not safe for concurrent use.
type Generator struct {
	cfg     Config
	rng     *rand.Rand
	stores  []store
	n       int
	recent  []oink.OrderEvent // recent sales, bounded, for returns and cancels
	recentI int
}

const recentOrders = 1024

// New returns a Generator for cfg.
func New(cfg Config) (*Generator, error) {
	if cfg.Stores <= 0 {
		cfg.Stores = 50
	}
	if cfg.Step <= 0 {
		cfg.Step = time.Millisecond
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.EdgeRatio == 0 {
		cfg.EdgeRatio = 0.05
	}
	if cfg.InvalidRatio < 0 || cfg.InvalidRatio > 1 {
		return nil, fmt.Errorf("invalid ratio %v: must be between 0 and 1", cfg.InvalidRatio)
	}
	if cfg.FutureRatio < 0 || cfg.FutureRatio > 1 {
		return nil, fmt.Errorf("future ratio %v: must be between 0 and 1", cfg.FutureRatio)
	}
	g := &Generator{cfg: cfg, rng: rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))}
	for i := range cfg.Stores {
		site := storeSites[i%len(storeSites)]
		loc, err := time.LoadLocation(site.zone)
		if err != nil {
			return nil, fmt.Errorf("store zone %s: %w", site.zone, err)
		}
		g.stores = append(g.stores, store{id: fmt.Sprintf("S%04d", i+1), storeSite: site, loc: loc})
	}
	return g, nil
}

// Next returns the next event.
func (g *Generator) Next() Event {
	g.n++
	t := g.cfg.Now().UTC().Truncate(time.Millisecond)
	if !g.cfg.Start.IsZero() {
		t = g.cfg.Start.UTC().Add(time.Duration(g.n-1) * g.cfg.Step)
	}
	ev := g.event(t)
	out := Event{Key: []byte(ev.Order.OrderID), Time: t, Type: ev.EventType, EventID: ev.EventID}
	if g.rng.Float64() < g.cfg.InvalidRatio {
		out.Invalid = InvalidKinds[g.rng.IntN(len(InvalidKinds))]
		out.Value = g.invalidate(&ev, out.Invalid)
		return out
	}
	// Drawn only when asked for, so that every other stream stays the same.
	if g.cfg.FutureRatio > 0 && g.rng.Float64() < g.cfg.FutureRatio {
		out.Future = true
		ev.EventTime = t.Add(FutureOffset).Format(time.RFC3339Nano)
	}
	out.Value = mustJSON(ev)
	return out
}

// event draws one valid event at time t.
func (g *Generator) event(t time.Time) oink.OrderEvent {
	id := fmt.Sprintf("E%d-%09d", g.cfg.Seed, g.n)
	if r := g.rng.Float64(); r < 0.2 && len(g.recent) > 0 {
		prior := g.recent[g.rng.IntN(len(g.recent))]
		ev := oink.OrderEvent{EventID: id, EventType: oink.EventCancelled, EventTime: t.Format(time.RFC3339Nano), Order: prior.Order}
		if r < 0.12 {
			ev.EventType = oink.EventReturned
			ev.Order.ReturnedLines = g.returnedLines(prior.Order.Lines)
		}
		g.balance(&ev)
		return ev
	}
	ev := oink.OrderEvent{EventID: id, EventType: oink.EventFulfilled, EventTime: t.Format(time.RFC3339Nano),
		Order: g.order(g.pickStore(t))}
	g.balance(&ev)
	g.remember(ev)
	return ev
}

func (g *Generator) remember(ev oink.OrderEvent) {
	if len(g.recent) < recentOrders {
		g.recent = append(g.recent, ev)
		return
	}
	g.recent[g.recentI] = ev
	g.recentI = (g.recentI + 1) % recentOrders
}

// pickStore draws a store; for an edge event, one whose local time at t is
// within 45 minutes of midnight, when there is one.
func (g *Generator) pickStore(t time.Time) store {
	if g.rng.Float64() < g.cfg.EdgeRatio {
		var near []store
		for _, s := range g.stores {
			lt := t.In(s.loc)
			m := lt.Hour()*60 + lt.Minute()
			if m < 45 || m >= 24*60-45 {
				near = append(near, s)
			}
		}
		if len(near) > 0 {
			return near[g.rng.IntN(len(near))]
		}
	}
	return g.stores[g.rng.IntN(len(g.stores))]
}

var skus = []string{"TEE", "JEANS", "SOCKS", "MUG", "LAMP", "DESK", "BOOK", "PEN", "BAG", "SHOE", "CAP", "RUG"}
var tenders = []string{"CARD", "CASH", "GIFT_CARD", "PAYPAL", "STORE_CREDIT"}

// order draws the lines, discounts and shipping of a new order at s.
func (g *Generator) order(s store) oink.Order {
	exp, _ := oink.CurrencyExponent(s.currency)
	o := oink.Order{
		OrderID:       fmt.Sprintf("O%d-%09d", g.cfg.Seed, g.n),
		Channel:       []string{oink.ChannelWeb, oink.ChannelApp, oink.ChannelStore}[g.rng.IntN(3)],
		StoreID:       s.id,
		StoreTimezone: s.zone,
		Currency:      s.currency,
		CustomerID:    fmt.Sprintf("C%06d", g.rng.IntN(200000)),
	}
	scale := unitScale(s.currency, exp)
	var gross int64
	for i := range 1 + g.rng.IntN(5) {
		qty := 1 + g.rng.IntN(4)
		unit := scale * int64(1+g.rng.IntN(300))
		l := oink.OrderLine{LineNo: i + 1, SKU: fmt.Sprintf("%s-%03d", skus[g.rng.IntN(len(skus))], g.rng.IntN(1000)),
			Qty: qty, UnitPrice: oink.FormatMinor(unit, exp), LineDiscount: "0", TaxRate: s.taxRate}
		lineGross := int64(qty) * unit
		ld := int64(0)
		if g.rng.Float64() < 0.2 {
			ld = g.rng.Int64N(lineGross/4 + 1)
		}
		l.LineDiscount = oink.FormatMinor(ld, exp)
		gross += lineGross - ld
		o.Lines = append(o.Lines, l)
	}
	o.OrderDiscount = oink.FormatMinor(0, exp)
	if g.rng.Float64() < 0.25 {
		o.OrderDiscount = oink.FormatMinor(g.rng.Int64N(gross/5+1), exp)
	}
	o.Shipping = oink.FormatMinor(0, exp)
	if o.Channel != oink.ChannelStore {
		o.Shipping = oink.FormatMinor(scale*int64(g.rng.IntN(20)), exp)
	}
	return o
}

// unitScale is the minor-unit step of generated prices: prices of a few
// hundred units in any currency, with odd minor digits where there are any.
func unitScale(currency string, exp int) int64 {
	switch {
	case currency == "JPY" || currency == "KRW" || currency == "CLP" || currency == "ISK" || currency == "XPF":
		return 37 // a few thousand yen
	case exp == 3:
		return 123 // a few dinars with three decimals
	default:
		return 99
	}
}

// returnedLines draws a non-empty subset of lines with quantities to return.
func (g *Generator) returnedLines(lines []oink.OrderLine) []oink.ReturnedLine {
	var out []oink.ReturnedLine
	for _, l := range lines {
		if g.rng.IntN(2) == 0 {
			out = append(out, oink.ReturnedLine{LineNo: l.LineNo, Qty: 1 + g.rng.IntN(l.Qty)})
		}
	}
	if len(out) == 0 {
		out = append(out, oink.ReturnedLine{LineNo: lines[0].LineNo, Qty: lines[0].Qty})
	}
	return out
}

// balance sets the event's payments to one to three tenders that sum to what
// the contract says is owed (or refunded).
func (g *Generator) balance(ev *oink.OrderEvent) {
	exp, _ := oink.CurrencyExponent(ev.Order.Currency)
	owed := producer.Owed(*ev)
	n := 1 + g.rng.IntN(3)
	ev.Order.Payments = nil
	for i := range n {
		amt := owed
		if i < n-1 {
			amt = g.rng.Int64N(owed/2 + 1)
		}
		owed -= amt
		ev.Order.Payments = append(ev.Order.Payments, oink.Payment{Tender: tenders[g.rng.IntN(len(tenders))], Amount: oink.FormatMinor(amt, exp)})
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("marshal of a generated event failed: %v", err)) // Must helper: cannot happen for these types
	}
	return b
}
