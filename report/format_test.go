package report

import (
	"testing"
	"time"
)

func TestNumbersAndDurationsHaveOneSpelling(t *testing.T) {
	t.Parallel()
	nums := map[int64]string{0: "0", 999: "999", 1000: "1,000", 60507: "60,507", 1234567: "1,234,567", -4200: "-4,200"}
	for n, want := range nums {
		if got := num(n); got != want {
			t.Errorf("num(%d) = %q, want %q", n, got, want)
		}
	}
	durs := map[time.Duration]string{0: "0s", 850 * time.Millisecond: "850ms", 4500 * time.Millisecond: "4.5s", 5 * time.Second: "5s",
		45 * time.Second: "45s", 125 * time.Second: "2m05s", 3*time.Hour + 5*time.Minute: "3h05m", 52 * time.Hour: "2d04h"}
	for d, want := range durs {
		if got := dur(d); got != want {
			t.Errorf("dur(%s) = %q, want %q", d, got, want)
		}
	}
	pcts := []struct {
		part, whole int64
		want        string
	}{{1, 3, "33.33%"}, {1, 100000, "0.0010%"}, {0, 5, "0.00%"}, {5, 5, "100.00%"}, {1, 0, "–"}}
	for _, tc := range pcts {
		if got := pct(tc.part, tc.whole); got != tc.want {
			t.Errorf("pct(%d, %d) = %q, want %q", tc.part, tc.whole, got, tc.want)
		}
	}
}

func TestNiceCeilGivesWholeGridSteps(t *testing.T) {
	t.Parallel()
	for v, want := range map[int64]int64{0: 4, 3: 4, 7: 8, 12: 20, 57: 80, 150: 200, 900: 1000, 9950: 10000} {
		if got := niceCeil(v); got != want || got%4 != 0 || got < v {
			t.Errorf("niceCeil(%d) = %d, want %d (a multiple of 4, at least %d)", v, got, want, v)
		}
	}
}
