package oink

// RTCIM types.
const (
	TypeSale   = "SALE"
	TypeReturn = "RETURN"
	TypeVoid   = "VOID"
)

// SchemaVersion is written into every RetailTransaction this code produces.
const SchemaVersion = "1"

// RetailTransaction is an RTCIM: the retail transaction message the finance
// systems read, one per upstream event, keyed by order id. Amounts are
// integers in the currency's minor units (JPY 0 decimals, USD 2, KWD 3) and
// are magnitudes: a RETURN carries positive amounts and its type gives the
// direction.
type RetailTransaction struct {
	RTCIMID         string        `json:"rtcim_id"`
	RTCIMType       string        `json:"rtcim_type"`
	OrderID         string        `json:"order_id"`
	SourceEventID   string        `json:"source_event_id"`
	SourceEventTime string        `json:"source_event_time"`
	BusinessDate    string        `json:"business_date"`
	StoreID         string        `json:"store_id"`
	Channel         string        `json:"channel"`
	Currency        string        `json:"currency"`
	SchemaVersion   string        `json:"schema_version"`
	Lines           []RTCIMLine   `json:"lines"`
	Totals          Totals        `json:"totals"`
	Tenders         []RTCIMTender `json:"tenders"`
}

// RTCIMLine is one line of an RTCIM. DiscountMinor is the line's own discount
// plus its share of the order discount; NetMinor = gross - discount + tax,
// where gross = Qty * UnitPriceMinor.
type RTCIMLine struct {
	LineNo         int    `json:"line_no"`
	SKU            string `json:"sku"`
	Qty            int    `json:"qty"`
	UnitPriceMinor int64  `json:"unit_price_minor"`
	DiscountMinor  int64  `json:"discount_minor"`
	TaxMinor       int64  `json:"tax_minor"`
	NetMinor       int64  `json:"net_minor"`
}

// Totals are the sums of an RTCIM's lines, plus shipping. NetMinor excludes
// shipping; tenders sum to NetMinor + ShippingMinor.
type Totals struct {
	GrossMinor    int64 `json:"gross_minor"`
	DiscountMinor int64 `json:"discount_minor"`
	TaxMinor      int64 `json:"tax_minor"`
	ShippingMinor int64 `json:"shipping_minor"`
	NetMinor      int64 `json:"net_minor"`
}

// RTCIMTender is one tender of an RTCIM in minor units.
type RTCIMTender struct {
	Tender      string `json:"tender"`
	AmountMinor int64  `json:"amount_minor"`
}
