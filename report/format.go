package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/oinkhq/oink/internal/human"
)

// Every number, duration and time in a report is spelled by these, so each
// has one spelling in both formats.

// num spells n with thousands separators: 60,507.
func num(n int64) string { return human.Count(n) }

// count spells n of a noun, plural when n is not 1: "1 instance",
// "12,000 instances".
func count(n int64, noun string) string { return human.Counted(n, noun) }

// pct spells part of whole as a percent: 0.25%, "–" when whole is zero.
func pct(part, whole int64) string { return human.Share(part, whole) }

// percent spells a percent of key buckets (a plan's step, the route):
// 10%, 0.5%, 100%.
func percent(p float64) string { return human.Percent(p) }

// dur spells a duration one way everywhere: 850ms, 4.5s, 45s, 2m05s,
// 3h05m, 2d04h.
func dur(d time.Duration) string { return human.Duration(d) }

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
		return fmt.Sprintf("0%% (%s)", phaseText(p.Phase))
	}
	return fmt.Sprintf("%s (stage %d, %s)", percent(p.Percent), p.Stage+1, phaseText(p.Phase))
}
