package report

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Every number, duration and time in a report is spelled by these, so each
// has one spelling in both formats.

// num spells n with thousands separators: 60,507.
func num(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// count spells n of a noun, plural when n is not 1: "1 instance",
// "12,000 instances".
func count(n int64, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return num(n) + " " + noun + "s"
}

// pct spells part of whole as a percent with up to two decimals: 0.25 %,
// "–" when whole is zero.
func pct(part, whole int64) string {
	if whole == 0 {
		return "–"
	}
	return percent(100 * float64(part) / float64(whole))
}

// percent spells p (already in percent): 12.5 %, 0.01 %, 100 %.
func percent(p float64) string {
	s := strconv.FormatFloat(p, 'f', 2, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if p > 0 && s == "0" {
		s = "< 0.01"
	}
	return s + " %"
}

// dur spells a duration one way everywhere: 850ms, 4.5s, 45s, 2m05s, 3h05m,
// 2d04h.
func dur(d time.Duration) string {
	if d < 0 {
		return "-" + dur(-d)
	}
	switch {
	case d == 0:
		return "0s"
	case d < time.Second:
		return fmt.Sprintf("%dms", d.Milliseconds())
	case d < 10*time.Second:
		return strings.TrimSuffix(strconv.FormatFloat(d.Seconds(), 'f', 1, 64), ".0") + "s"
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh%02dm", int(d.Hours()), int(d.Minutes())%60)
	}
	return fmt.Sprintf("%dd%02dh", int(d.Hours())/24, int(d.Hours())%24)
}

// stamp spells a time: 2025-03-01 12:00:05 UTC.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "–"
	}
	return t.UTC().Format("2006-01-02 15:04:05 MST")
}

// clock spells a time of day, for chart axes and bucket tables: 12:00:05.
func clock(t time.Time) string { return t.UTC().Format("15:04:05") }

// holdText spells a plan step's hold (a Go duration string) as dur does.
func holdText(s string) string {
	d, err := time.ParseDuration(s)
	if err != nil {
		return s
	}
	return dur(d)
}

// joinAnd joins parts as a list: "a", "a and b", "a, b and c".
func joinAnd(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " and " + parts[len(parts)-1]
}

// phaseText spells a cutover phase for people: rolled_back → rolled back.
func phaseText(p string) string { return strings.ReplaceAll(p, "_", " ") }

// positionText spells a cutover position: "10 % (stage 2, running)".
func positionText(p *Position) string {
	if p == nil {
		return ""
	}
	if p.Stage < 0 {
		return fmt.Sprintf("0 %% (%s)", phaseText(p.Phase))
	}
	return fmt.Sprintf("%s (stage %d, %s)", percent(p.Percent), p.Stage+1, phaseText(p.Phase))
}
