package style

import (
	"strings"
	"testing"
	"time"
)

func TestFormats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"count with separators", Count(1234567), "1,234,567"},
		{"small count", Count(999), "999"},
		{"negative count", Count(-1234), "-1,234"},
		{"percent", Percent(0.0123), "1.23%"},
		{"a rare divergence never reads 0.00%", Percent(0.0000123), "0.0012%"},
		{"zero percent", Percent(0), "0.00%"},
		{"unknown rate", Rate(-1), "–/s"},
		{"slow rate", Rate(1.54), "1.5/s"},
		{"fast rate", Rate(2500.4), "2,500/s"},
		{"sub-second", Duration(400 * time.Millisecond), "0.4s"},
		{"seconds", Duration(12 * time.Second), "12s"},
		{"minutes", Duration(185 * time.Second), "3m05s"},
		{"hours", Duration(123 * time.Minute), "2h03m"},
		{"cut", Cut("abcdef", 4), "abc…"},
		{"pad", Pad("ab", 4), "ab  "},
		{"pad left", PadLeft("ab", 4), "  ab"},
		{"join skips empty parts", Join("a", "", "b"), "a · b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

// TestWrapKeepsEveryWord: wrapped lines fit the width and joined with
// spaces give the text back.
func TestWrapKeepsEveryWord(t *testing.T) {
	t.Parallel()
	s := "gate: divergence: 145 divergent and 0 missing in candidate in the stage's window (policy: rollback)"
	lines := Wrap(s, 30)
	if len(lines) < 3 {
		t.Fatalf("Wrap(%d cells, 30) = %q, want several lines", len(s), lines)
	}
	for _, l := range lines {
		if Width(l) > 30 {
			t.Errorf("line %q is wider than 30", l)
		}
	}
	if got := strings.Join(lines, " "); got != s {
		t.Errorf("the lines joined = %q, want %q", got, s)
	}
	if got := Wrap("accept v1-utc-business-date", 20); len(got) != 2 || got[1] != "v1-utc-business-date" {
		t.Errorf("Wrap breaks inside a hyphenated word: %q", got)
	}
	if got := Wrap("abcdefghij", 4); strings.Join(got, "") != "abcdefghij" || len(got) != 3 {
		t.Errorf("Wrap of an overlong word = %q, want it cut into 3 lines", got)
	}
}
