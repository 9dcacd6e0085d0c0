package comparator

import (
	"path/filepath"
	"testing"
)

// FuzzParseRules checks that ParseRules never panics, and that rules it
// accepts survive a round trip: JSON() parses back to rules whose JSON() is
// the same bytes. Seeded from every rules file in testdata.
func FuzzParseRules(f *testing.F) {
	for _, pattern := range []string{"../testdata/rules/*.yaml", "testdata/rules/*.yaml"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		for _, file := range files {
			f.Add(mustReadFile(f, file))
		}
	}
	f.Add([]byte("accept:\n  - {name: a, paths: ['x[k=\"a b\"]'], when: {tolerance: 1e-3}, reason: r}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<14 {
			return
		}
		r, err := ParseRules("fuzz.yaml", data)
		if err != nil {
			return
		}
		checkJSONRoundTrip(t, r)
	})
}

// checkJSONRoundTrip checks that r's JSON() parses back to rules whose
// JSON() is the same bytes.
func checkJSONRoundTrip(t *testing.T, r *Rules) {
	t.Helper()
	first, err := r.JSON()
	if err != nil {
		t.Fatalf("JSON() = %v", err)
	}
	again, err := ParseRules("rules.json", first)
	if err != nil {
		t.Fatalf("ParseRules(JSON()) = %v\nJSON: %s", err, first)
	}
	second, err := again.JSON()
	if err != nil {
		t.Fatalf("JSON() of the reparsed rules = %v", err)
	}
	if string(first) != string(second) {
		t.Fatalf("JSON() after a round trip:\n got %s\nwant %s", second, first)
	}
}
