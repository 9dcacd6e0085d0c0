package oink

import (
	"fmt"
	"math"
	"math/bits"
)

// MaxMinor bounds every amount in minor units (10^15, a quadrillion cents).
// Bounding amounts keeps every product and sum of the transform inside int64,
// so the arithmetic never overflows silently.
const MaxMinor = 1_000_000_000_000_000

// ParseMinor parses a non-negative decimal amount such as "12.30" into minor
// units of a currency with exp decimals. More decimals than the currency has
// are accepted only when they are zeros ("12.300" USD), since anything else
// would need rounding the sender did not ask for.
func ParseMinor(s string, exp int) (int64, error) {
	intPart, frac, err := splitDecimal(s)
	if err != nil {
		return 0, err
	}
	for len(frac) > exp {
		if frac[len(frac)-1] != '0' {
			return 0, fmt.Errorf("%q has more than %d decimals", s, exp)
		}
		frac = frac[:len(frac)-1]
	}
	var v int64
	for _, c := range intPart + frac {
		v = v*10 + int64(c-'0')
		if v > MaxMinor {
			return 0, fmt.Errorf("%q is too large", s)
		}
	}
	for range exp - len(frac) {
		v *= 10
		if v > MaxMinor {
			return 0, fmt.Errorf("%q is too large", s)
		}
	}
	return v, nil
}

// Rate is a non-negative decimal fraction Num / 10^Scale, such as a tax rate
// "0.0825" = 825 / 10^4.
type Rate struct {
	Num   int64
	Scale int
}

// ParseRate parses a decimal fraction between 0 and 1 inclusive with at most
// 9 decimals.
func ParseRate(s string) (Rate, error) {
	intPart, frac, err := splitDecimal(s)
	if err != nil {
		return Rate{}, err
	}
	if len(frac) > 9 {
		return Rate{}, fmt.Errorf("%q has more than 9 decimals", s)
	}
	var num int64
	for _, c := range intPart + frac {
		num = num*10 + int64(c-'0')
		if num > 10*pow10[9] {
			return Rate{}, fmt.Errorf("%q is larger than 1", s)
		}
	}
	r := Rate{Num: num, Scale: len(frac)}
	if r.Num > pow10[r.Scale] {
		return Rate{}, fmt.Errorf("%q is larger than 1", s)
	}
	return r, nil
}

// pow10 is a lookup table of powers of ten up to 10^18.
var pow10 = func() [19]int64 {
	var p [19]int64
	p[0] = 1
	for i := 1; i < len(p); i++ {
		p[i] = p[i-1] * 10
	}
	return p
}()

// splitDecimal checks that s is a plain decimal ("12", "12.3", "0.0825") and
// returns its digits before and after the point. Signs, exponents, spaces and
// leading zeros beyond one are rejected.
func splitDecimal(s string) (intPart, frac string, err error) {
	if s == "" {
		return "", "", fmt.Errorf("empty amount")
	}
	dot := -1
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
		case c == '.' && dot < 0:
			dot = i
		default:
			return "", "", fmt.Errorf("%q is not a decimal amount", s)
		}
	}
	intPart, frac = s, ""
	if dot >= 0 {
		intPart, frac = s[:dot], s[dot+1:]
	}
	if intPart == "" || (dot >= 0 && frac == "") {
		return "", "", fmt.Errorf("%q is not a decimal amount", s)
	}
	if len(intPart) > 1 && intPart[0] == '0' {
		return "", "", fmt.Errorf("%q has a leading zero", s)
	}
	if len(intPart) > 16 {
		return "", "", fmt.Errorf("%q is too large", s)
	}
	return intPart, frac, nil
}

// Rounding says how a fraction of a minor unit exactly halfway between two
// integers is settled.
type Rounding int

const (
	// HalfEven rounds halves to the even neighbour (banker's rounding), the
	// rule of the RTCIM contract.
	HalfEven Rounding = iota
	// HalfUp rounds halves away from zero: what the legacy v1 did.
	HalfUp
)

// ApplyRate returns amount * r rounded to a whole minor unit by mode. amount
// must lie in [0, MaxMinor]. The product is computed in 128 bits, so it is
// exact for every amount and rate ParseMinor and ParseRate accept.
func ApplyRate(amount int64, r Rate, mode Rounding) int64 {
	return divRound(uint64(amount), uint64(r.Num), uint64(pow10[r.Scale]), mode)
}

// DivRound returns a * b / d rounded to an integer by mode, for
// non-negative a and b and positive d whose quotient fits in int64.
func DivRound(a, b, d int64, mode Rounding) int64 {
	return divRound(uint64(a), uint64(b), uint64(d), mode)
}

// Share returns amount * part / whole rounded down: a pro-rata share.
func Share(amount, part, whole int64) int64 {
	if whole == 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(amount), uint64(part))
	q, _ := bits.Div64(hi, lo, uint64(whole))
	return int64(q)
}

// divRound returns a*b/d rounded by mode, for d > 0 and a*b/d < 2^63.
func divRound(a, b, d uint64, mode Rounding) int64 {
	hi, lo := bits.Mul64(a, b)
	q, rem := bits.Div64(hi, lo, d)
	twice := rem * 2 // rem < d <= 10^18, so no overflow
	switch {
	case twice > d:
		q++
	case twice == d && (mode == HalfUp || q%2 == 1):
		q++
	}
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

// FormatMinor renders minor units as a decimal string with exp decimals:
// FormatMinor(1230, 2) = "12.30".
func FormatMinor(v int64, exp int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	s := fmt.Sprintf("%0*d", exp+1, v)
	if exp > 0 {
		s = s[:len(s)-exp] + "." + s[len(s)-exp:]
	}
	if neg {
		s = "-" + s
	}
	return s
}
