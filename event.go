package oink

// Event types carried by OrderEvent.EventType.
const (
	EventFulfilled = "ORDER_FULFILLED"
	EventReturned  = "ORDER_RETURNED"
	EventCancelled = "ORDER_CANCELLED"
)

// Channels an order can come from.
const (
	ChannelWeb   = "WEB"
	ChannelApp   = "APP"
	ChannelStore = "STORE"
)

// OrderEvent is one upstream event on the orders topic, keyed by order id.
// It carries the whole order as it stands (event-carried state), so turning it
// into an RTCIM needs nothing but the event itself.
type OrderEvent struct {
	EventID   string `json:"event_id"`
	EventType string `json:"event_type"`
	// EventTime is RFC 3339 in UTC; it becomes the RTCIM's source event time.
	EventTime string `json:"event_time"`
	Order     Order  `json:"order"`
}

// Order is the state of an order at the time of an event. Money fields are
// decimal strings in the order's currency ("12.30"); TaxRate is a decimal
// fraction ("0.0825").
type Order struct {
	OrderID       string         `json:"order_id"`
	Channel       string         `json:"channel"`
	StoreID       string         `json:"store_id"`
	StoreTimezone string         `json:"store_timezone"`
	Currency      string         `json:"currency"`
	CustomerID    string         `json:"customer_id"`
	Lines         []OrderLine    `json:"lines"`
	OrderDiscount string         `json:"order_discount"`
	Shipping      string         `json:"shipping"`
	Payments      []Payment      `json:"payments"`
	ReturnedLines []ReturnedLine `json:"returned_lines,omitempty"`
}

// OrderLine is one line of an order. LineDiscount is the line's own total
// discount (not per unit).
type OrderLine struct {
	LineNo       int    `json:"line_no"`
	SKU          string `json:"sku"`
	Qty          int    `json:"qty"`
	UnitPrice    string `json:"unit_price"`
	LineDiscount string `json:"line_discount"`
	TaxRate      string `json:"tax_rate"`
}

// Payment is one tender of an order: for a sale or a void the tenders that
// paid it, for a return the tenders refunded.
type Payment struct {
	Tender string `json:"tender"`
	Amount string `json:"amount"`
}

// ReturnedLine names a quantity of an order line that came back.
type ReturnedLine struct {
	LineNo int `json:"line_no"`
	Qty    int `json:"qty"`
}
