package oink

// currencyExp maps ISO 4217 codes to the number of decimals of their minor
// unit. It is a lookup table, written once and only read.
var currencyExp = map[string]int{
	// zero decimals
	"JPY": 0, "KRW": 0, "ISK": 0, "CLP": 0, "VND": 0, "XPF": 0, "XOF": 0,
	"XAF": 0, "UGX": 0, "PYG": 0, "RWF": 0, "KMF": 0, "GNF": 0, "DJF": 0, "VUV": 0,
	// three decimals
	"KWD": 3, "BHD": 3, "OMR": 3, "JOD": 3, "TND": 3, "LYD": 3, "IQD": 3,
	// two decimals
	"USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "CAD": 2, "AUD": 2, "NZD": 2,
	"SEK": 2, "NOK": 2, "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2, "RON": 2,
	"INR": 2, "NPR": 2, "PKR": 2, "BDT": 2, "LKR": 2, "CNY": 2, "HKD": 2,
	"SGD": 2, "MYR": 2, "THB": 2, "IDR": 2, "PHP": 2, "TWD": 2, "AED": 2,
	"SAR": 2, "QAR": 2, "ILS": 2, "TRY": 2, "ZAR": 2, "EGP": 2, "MAD": 2,
	"NGN": 2, "KES": 2, "MXN": 2, "BRL": 2, "ARS": 2, "COP": 2, "PEN": 2,
	"UYU": 2, "TOP": 2, "WST": 2, "FJD": 2, "MUR": 2, "RUB": 2, "UAH": 2,
}

// CurrencyExponent returns the number of decimals of the currency's minor
// unit (JPY 0, USD 2, KWD 3) and whether the code is known.
func CurrencyExponent(code string) (int, bool) {
	e, ok := currencyExp[code]
	return e, ok
}
