package loadgen

// storeSite is a place a store can be: a time zone and the currency used
// there. The list spans UTC offsets from -11 to +14, including the odd ones
// (+5:30, +5:45, +12:45, -3:30), so at any instant some store is near its
// local midnight, and it holds currencies with 0, 2 and 3 decimals.
type storeSite struct {
	zone     string
	currency string
	taxRate  string
}

// storeSites is a lookup table, written once and only read.
var storeSites = []storeSite{
	{"America/New_York", "USD", "0.08875"},
	{"America/Los_Angeles", "USD", "0.0725"},
	{"America/Chicago", "USD", "0.1025"},
	{"America/Denver", "USD", "0.0481"},
	{"America/Anchorage", "USD", "0"},
	{"Pacific/Honolulu", "USD", "0.04712"},
	{"Pacific/Pago_Pago", "USD", "0.15"},
	{"America/St_Johns", "CAD", "0.15"},
	{"America/Toronto", "CAD", "0.13"},
	{"America/Sao_Paulo", "BRL", "0.17"},
	{"America/Noronha", "BRL", "0.17"},
	{"America/Mexico_City", "MXN", "0.16"},
	{"America/Santiago", "CLP", "0.19"},
	{"Atlantic/Azores", "EUR", "0.16"},
	{"Atlantic/Reykjavik", "ISK", "0.24"},
	{"Europe/London", "GBP", "0.2"},
	{"Europe/Dublin", "EUR", "0.23"},
	{"Europe/Berlin", "EUR", "0.19"},
	{"Europe/Paris", "EUR", "0.2"},
	{"Europe/Zurich", "CHF", "0.081"},
	{"Europe/Stockholm", "SEK", "0.25"},
	{"Europe/Athens", "EUR", "0.24"},
	{"Asia/Jerusalem", "ILS", "0.18"},
	{"Asia/Kuwait", "KWD", "0"},
	{"Asia/Bahrain", "BHD", "0.1"},
	{"Asia/Muscat", "OMR", "0.05"},
	{"Asia/Amman", "JOD", "0.16"},
	{"Asia/Dubai", "AED", "0.05"},
	{"Asia/Karachi", "PKR", "0.18"},
	{"Asia/Kolkata", "INR", "0.18"},
	{"Asia/Kathmandu", "NPR", "0.13"},
	{"Asia/Dhaka", "BDT", "0.15"},
	{"Asia/Bangkok", "THB", "0.07"},
	{"Asia/Singapore", "SGD", "0.09"},
	{"Asia/Shanghai", "CNY", "0.13"},
	{"Asia/Tokyo", "JPY", "0.1"},
	{"Asia/Seoul", "KRW", "0.1"},
	{"Australia/Adelaide", "AUD", "0.1"},
	{"Australia/Sydney", "AUD", "0.1"},
	{"Pacific/Noumea", "XPF", "0.11"},
	{"Pacific/Auckland", "NZD", "0.15"},
	{"Pacific/Chatham", "NZD", "0.15"},
	{"Pacific/Tongatapu", "TOP", "0.15"},
	{"Pacific/Kiritimati", "AUD", "0"},
}
