package human

import (
	"testing"
	"time"
)

func TestSpellings(t *testing.T) {
	t.Parallel()
	lag := 3.2
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"zero", Count(0), "0"},
		{"three digits have no separator", Count(999), "999"},
		{"four digits have one", Count(1000), "1,000"},
		{"the summary's count", Count(60507), "60,507"},
		{"millions", Count(1234567), "1,234,567"},
		{"negative", Count(-4200), "-4,200"},
		{"negative three digits", Count(-420), "-420"},
		{"an int", Count(12000), "12,000"},
		{"an int32", Count(int32(-1234)), "-1,234"},
		{"one of a noun", Counted(1, "record"), "1 record"},
		{"many of a noun", Counted(12000, "record"), "12,000 records"},
		{"share", Share(1, 3), "33.33%"},
		{"a rare share never reads 0.00%", Share(1, 100000), "0.0010%"},
		{"no share of nothing", Share(1, 0), "–"},
		{"whole share", Share(5, 5), "100.00%"},
		{"fraction", Fraction(0.9875), "98.75%"},
		{"a plan's percent", Percent(10), "10%"},
		{"a half percent", Percent(0.5), "0.5%"},
		{"unknown rate", Rate(-1), "–/s"},
		{"slow rate", Rate(1.54), "1.5/s"},
		{"fast rate", Rate(2500.4), "2,500/s"},
		{"zero duration", Duration(0), "0s"},
		{"milliseconds", Duration(850 * time.Millisecond), "850ms"},
		{"a microsecond is a millisecond, not zero", Duration(time.Microsecond), "1ms"},
		{"almost a second rounds up", Duration(999800 * time.Microsecond), "1s"},
		{"seconds with a tenth", Duration(4500 * time.Millisecond), "4.5s"},
		{"whole seconds", Duration(5 * time.Second), "5s"},
		{"tens of seconds", Duration(45 * time.Second), "45s"},
		{"59.6s rounds to a minute", Duration(59600 * time.Millisecond), "1m00s"},
		{"minutes", Duration(125 * time.Second), "2m05s"},
		{"hours", Duration(3*time.Hour + 5*time.Minute), "3h05m"},
		{"days", Duration(52 * time.Hour), "2d04h"},
		{"negative duration", Duration(-2 * time.Second), "-2s"},
		{"lag in seconds", Seconds(&lag), "3.2s"},
		{"an unmeasured lag", Seconds(nil), "unknown"},
		{"bytes", Bytes(512), "512 B"},
		{"kibibytes", Bytes(1536), "1.5 KiB"},
		{"mebibytes", Bytes(48 << 20), "48 MiB"},
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
