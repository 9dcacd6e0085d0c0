package oink

import "testing"

// TestMurmur2MatchesJava checks the hash against the vectors of Apache
// Kafka's own UtilsTest.testMurmur2.
func TestMurmur2MatchesJava(t *testing.T) {
	t.Parallel()
	cases := map[string]int32{
		"21":                         -973932308,
		"foobar":                     -790332482,
		"a-little-bit-long-string":   -985981536,
		"a-little-bit-longer-string": -1486304829,
		"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8": -58897971,
		"abc": 479470107,
	}
	for in, want := range cases {
		if got := Murmur2([]byte(in)); got != want {
			t.Errorf("Murmur2(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestKeyBucketIsInRange(t *testing.T) {
	t.Parallel()
	for _, k := range []string{"", "a", "O1-000000001", "\xff\xfe"} {
		if b := KeyBucket([]byte(k)); b < 0 || b >= 10000 {
			t.Errorf("KeyBucket(%q) = %d, want [0, 10000)", k, b)
		}
	}
}
