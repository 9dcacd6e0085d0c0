// Package human spells numbers, shares, rates and durations for people, one
// way everywhere oink prints them: the CLI's text output, the dashboard and
// the report. Counts carry thousands separators (60,507), durations one
// spelling (850ms, 4.5s, 2m05s, 3h05m, 2d04h), shares two decimals and a
// percent sign (98.75%).
//
//	fmt.Printf("%s pairs, %s divergent, lag %s\n",
//		human.Count(60507), human.Share(2, 4000), human.Duration(3*time.Second))
//	// 60,507 pairs, 0.05% divergent, lag 3s
//
// JSON output never goes through this package: it keeps plain numbers.
package human

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Integer is the integer types Count and Counted take.
type Integer interface {
	~int | ~int16 | ~int32 | ~int64
}

// Count spells n with a comma between groups of three digits: 1234567 is
// "1,234,567", -4200 is "-4,200".
func Count[T Integer](n T) string {
	s := strconv.FormatInt(int64(n), 10)
	digits := strings.TrimPrefix(s, "-")
	var b strings.Builder
	b.Grow(len(s) + len(digits)/3)
	if len(digits) < len(s) {
		b.WriteByte('-')
	}
	for i := range len(digits) {
		if i > 0 && (len(digits)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteByte(digits[i])
	}
	return b.String()
}

// Counted spells n of a noun, plural when n is not 1: "1 record",
// "12,000 records". The plural adds "s".
func Counted[T Integer](n T, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return Count(n) + " " + noun + "s"
}

// Share spells part of whole as a percent with two decimals ("98.75%"),
// or with four below 0.01% so that one divergence in a million never reads
// "0.00%"; "–" when whole is 0.
func Share(part, whole int64) string {
	if whole == 0 {
		return "–"
	}
	return Fraction(float64(part) / float64(whole))
}

// Fraction spells a fraction (0.0123) as Share does ("1.23%").
func Fraction(f float64) string {
	p := 100 * f
	if p > 0 && p < 0.01 {
		return strconv.FormatFloat(p, 'f', 4, 64) + "%"
	}
	return strconv.FormatFloat(p, 'f', 2, 64) + "%"
}

// Percent spells a percent that is a setting rather than a measure (a
// plan's step, the route's share of key buckets) as short as it is exact:
// "10%", "0.5%", "100%".
func Percent(p float64) string {
	return strconv.FormatFloat(p, 'f', -1, 64) + "%"
}

// Rate spells a per-second rate: "2,500/s", "1.5/s", "0/s", or "–/s" when
// unknown (negative).
func Rate(perSecond float64) string {
	switch {
	case perSecond < 0 || math.IsNaN(perSecond):
		return "–/s"
	case perSecond >= 100 || perSecond == 0:
		return Count(int64(perSecond+0.5)) + "/s"
	}
	return strconv.FormatFloat(perSecond, 'f', 1, 64) + "/s"
}

// Duration spells d one way everywhere, rounded to the unit it shows:
// "0s", "850ms", "4.5s", "45s", "2m05s", "3h05m", "2d04h".
func Duration(d time.Duration) string {
	if d < 0 {
		return "-" + Duration(-d)
	}
	switch {
	case d == 0:
		return "0s"
	case d < time.Second-time.Millisecond/2:
		return fmt.Sprintf("%dms", max(1, d.Round(time.Millisecond).Milliseconds()))
	case d < 10*time.Second-50*time.Millisecond:
		return strings.TrimSuffix(strconv.FormatFloat(d.Round(100*time.Millisecond).Seconds(), 'f', 1, 64), ".0") + "s"
	case d < time.Minute-time.Second/2:
		return fmt.Sprintf("%ds", int(d.Round(time.Second).Seconds()))
	case d < time.Hour-time.Second/2:
		d = d.Round(time.Second)
		return fmt.Sprintf("%dm%02ds", d/time.Minute, d%time.Minute/time.Second)
	case d < 24*time.Hour-time.Minute/2:
		d = d.Round(time.Minute)
		return fmt.Sprintf("%dh%02dm", d/time.Hour, d%time.Hour/time.Minute)
	}
	d = d.Round(time.Hour)
	return fmt.Sprintf("%dd%02dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
}

// Seconds spells a number of seconds as Duration does; "unknown" when
// seconds is nil (a lag nobody measured).
func Seconds(seconds *float64) string {
	if seconds == nil {
		return "unknown"
	}
	return Duration(time.Duration(*seconds * float64(time.Second)))
}

// Bytes spells a size in binary units: "512 B", "1.5 KiB", "48 MiB".
func Bytes(n int64) string {
	const unit = 1024
	if n < unit && n > -unit {
		return strconv.FormatInt(n, 10) + " B"
	}
	f, i := float64(n), 0
	for math.Abs(f) >= unit && i < 4 {
		f /= unit
		i++
	}
	s := strconv.FormatFloat(f, 'f', 1, 64)
	return strings.TrimSuffix(s, ".0") + " " + [...]string{"B", "KiB", "MiB", "GiB", "TiB"}[i]
}
