package comparator

import (
	"encoding/json"
	"math/big"
	"strconv"
	"strings"
)

// maxExponent bounds the decimal exponent of the numbers Compare accepts.
// Exact comparison and tolerance work on big.Rat, whose cost grows with
// 10^exponent; no record a person writes needs more than float64's ±308,
// and a bound keeps a hostile record from costing seconds.
const maxExponent = 10000

// decimal is a JSON number in canonical form: its value is
// ±digits × 10^exp, where digits has no leading or trailing zeros. Zero is
// the decimal with empty digits (and never negative), so "0", "-0.0" and
// "0e5" are the same decimal, as are "1", "1.0" and "10e-1".
type decimal struct {
	neg    bool
	digits string
	exp    int
}

// parseDecimal reads s as a JSON number (RFC 8259 grammar: no leading "+",
// no leading zeros, no bare "." and no hex). It reports false when s is not
// a JSON number or its exponent lies beyond ±maxExponent.
func parseDecimal(s string) (decimal, bool) {
	if d, ok := plainInteger(s); ok {
		return d, true
	}
	var d decimal
	i := 0
	if i < len(s) && s[i] == '-' {
		d.neg = true
		i++
	}
	intStart := i
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	intPart := s[intStart:i]
	if intPart == "" || (len(intPart) > 1 && intPart[0] == '0') {
		return decimal{}, false
	}
	var frac string
	if i < len(s) && s[i] == '.' {
		i++
		fracStart := i
		for i < len(s) && isDigit(s[i]) {
			i++
		}
		frac = s[fracStart:i]
		if frac == "" {
			return decimal{}, false
		}
	}
	exp, n, ok := parseExponent(s[i:])
	if !ok || i+n != len(s) {
		return decimal{}, false
	}
	return canonicalDecimal(d.neg, intPart, frac, exp)
}

// plainInteger is parseDecimal's fast path for the common case, an integer
// such as "42" or "-7" written without zeros to strip: it allocates nothing.
func plainInteger(s string) (decimal, bool) {
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || digits[0] == '0' || digits[len(digits)-1] == '0' {
		return decimal{}, false
	}
	for i := 0; i < len(digits); i++ {
		if !isDigit(digits[i]) {
			return decimal{}, false
		}
	}
	return decimal{neg: neg, digits: digits}, true
}

// parseExponent reads an optional exponent part ("e-7", "E+10") at the start
// of s. It returns the exponent, the bytes it used, and false when the part
// is malformed or beyond ±maxExponent.
func parseExponent(s string) (exp, n int, ok bool) {
	if s == "" || (s[0] != 'e' && s[0] != 'E') {
		return 0, 0, true
	}
	n = 1
	neg := false
	if n < len(s) && (s[n] == '+' || s[n] == '-') {
		neg = s[n] == '-'
		n++
	}
	start := n
	for n < len(s) && isDigit(s[n]) {
		if exp <= 10*maxExponent { // saturate: stays out of range without overflowing
			exp = exp*10 + int(s[n]-'0')
		}
		n++
	}
	if n == start {
		return 0, 0, false
	}
	if neg {
		exp = -exp
	}
	return exp, n, true
}

// canonicalDecimal strips the zeros of intPart+frac into a decimal.
func canonicalDecimal(neg bool, intPart, frac string, exp int) (decimal, bool) {
	all := intPart + frac
	exp -= len(frac)
	lead := 0
	for lead < len(all) && all[lead] == '0' {
		lead++
	}
	all = all[lead:]
	trail := len(all)
	for trail > 0 && all[trail-1] == '0' {
		trail--
	}
	exp += len(all) - trail
	all = all[:trail]
	if all == "" {
		return decimal{}, true
	}
	if abs(exp) > maxExponent {
		return decimal{}, false
	}
	return decimal{neg: neg, digits: all, exp: exp}, true
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// String renders d as the shortest plain JSON number for moderate
// magnitudes ("1200", "0.05", "-3.5") and in exponent form otherwise
// ("1.5e30"). parseDecimal reads it back to the same decimal.
func (d decimal) String() string {
	if d.digits == "" {
		return "0"
	}
	var b strings.Builder
	if d.neg {
		b.WriteByte('-')
	}
	point := len(d.digits) + d.exp // position of the decimal point in digits
	switch {
	case d.exp >= 0 && point <= 21:
		b.WriteString(d.digits)
		b.WriteString(strings.Repeat("0", d.exp))
	case d.exp < 0 && point > 0:
		b.WriteString(d.digits[:point])
		b.WriteByte('.')
		b.WriteString(d.digits[point:])
	case d.exp < 0 && point > -6:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -point))
		b.WriteString(d.digits)
	default:
		b.WriteString(d.digits[:1])
		if len(d.digits) > 1 {
			b.WriteByte('.')
			b.WriteString(d.digits[1:])
		}
		b.WriteByte('e')
		b.WriteString(strconv.Itoa(point - 1))
	}
	return b.String()
}

// rat returns d as an exact rational.
func (d decimal) rat() *big.Rat {
	r := new(big.Rat)
	if d.digits == "" {
		return r
	}
	n, _ := new(big.Int).SetString(d.digits, 10) // digits are decimal by construction
	scale := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(d.exp))), nil)
	if d.exp >= 0 {
		r.SetInt(n.Mul(n, scale))
	} else {
		r.SetFrac(n, scale)
	}
	if d.neg {
		r.Neg(r)
	}
	return r
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// numbersEqual reports whether two JSON numbers have the same value: "1.0"
// equals "1", and large integers compare exactly. Text that is not a number
// equals only itself.
func numbersEqual(a, b json.Number) bool {
	if a == b {
		return true
	}
	da, okA := parseDecimal(string(a))
	db, okB := parseDecimal(string(b))
	return okA && okB && da == db
}

// withinTolerance reports whether the JSON numbers a and b differ by at most
// limit, exactly.
func withinTolerance(a, b json.Number, limit *big.Rat) bool {
	da, okA := parseDecimal(string(a))
	db, okB := parseDecimal(string(b))
	if !okA || !okB {
		return false
	}
	diff := new(big.Rat).Sub(da.rat(), db.rat())
	return diff.Abs(diff).Cmp(limit) <= 0
}
