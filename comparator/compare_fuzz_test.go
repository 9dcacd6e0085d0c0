package comparator

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
)

// FuzzCompare feeds Compare arbitrary pairs of records under two rule sets.
// It checks that Compare never panics and returns only *DecodeError or
// *CompareError; that the outcome agrees with the diffs; that swapping the
// sides swaps the diffs and nothing else; and that the fast equality check
// agrees with go-cmp; and that a pair is Identical exactly when its bytes
// are equal, so every difference of bytes is reported at some level. Seeded from the records in testdata, paired every way.
func FuzzCompare(f *testing.F) {
	seeds := recordSeeds(f)
	for _, x := range seeds {
		for _, y := range seeds {
			f.Add(x, y)
		}
	}
	rules := []*Rules{mustLoadRules(f, rtcimRulesPath), mustLoadRules(f, "testdata/rules/everything.yaml")}
	f.Fuzz(func(t *testing.T, control, candidate []byte) {
		if len(control) > 1<<16 || len(candidate) > 1<<16 {
			return
		}
		for _, r := range rules {
			res, err := r.Compare(control, candidate)
			if err != nil {
				checkCompareError(t, err)
				continue
			}
			checkOutcome(t, res)
			if (res.Outcome == Identical) != bytes.Equal(control, candidate) {
				t.Fatalf("Compare(%q, %q) = %+v: Identical must mean byte-equal", control, candidate, res)
			}
			checkSwapped(t, r, control, candidate, res)
			checkFastEqual(t, r, control, candidate)
		}
	})
}

func checkCompareError(t *testing.T, err error) {
	t.Helper()
	var de *DecodeError
	var ce *CompareError
	if !errors.As(err, &de) && !errors.As(err, &ce) {
		t.Fatalf("Compare = %v (%T), want a *DecodeError or *CompareError", err, err)
	}
}

func checkOutcome(t *testing.T, res Result) {
	t.Helper()
	if got := outcomeOf(res.Diffs, res.Equivalent); got != res.Outcome {
		t.Fatalf("Outcome = %v, but the diffs make it %v: %+v", res.Outcome, got, res.Diffs)
	}
	for _, d := range res.Diffs {
		if !json.Valid(d.Control) || !json.Valid(d.Candidate) {
			t.Fatalf("diff %s has invalid JSON: %s, %s", d.Path, d.Control, d.Candidate)
		}
	}
}

// checkSwapped compares the pair the other way round.
func checkSwapped(t *testing.T, r *Rules, control, candidate []byte, res Result) {
	t.Helper()
	swapped, err := r.Compare(candidate, control)
	if err != nil {
		t.Fatalf("Compare(x, y) succeeded but Compare(y, x) = %v", err)
	}
	want := slices.Clone(res.Diffs)
	for i := range want {
		want[i].Control, want[i].Candidate = want[i].Candidate, want[i].Control
	}
	if swapped.Outcome != res.Outcome || !slices.EqualFunc(want, swapped.Diffs, sameDiff) || !slices.Equal(res.Equivalent, swapped.Equivalent) {
		t.Fatalf("Compare(y, x) = %+v\nwant the sides of %+v swapped", swapped, res)
	}
}

func sameDiff(a, b FieldDiff) bool {
	return a.Path == b.Path && a.Rule == b.Rule && bytes.Equal(a.Control, b.Control) && bytes.Equal(a.Candidate, b.Candidate)
}

// checkFastEqual checks that r.equal agrees with go-cmp on the prepared pair.
func checkFastEqual(t *testing.T, r *Rules, control, candidate []byte) {
	t.Helper()
	x, errX := r.decode(string(control), "control")
	y, errY := r.decode(string(candidate), "candidate")
	if errX != nil || errY != nil {
		return // byte-equal records that do not decode
	}
	raw, err := r.diff(x, y)
	if err != nil {
		t.Fatalf("diff = %v", err)
	}
	if fast := r.equal(x, y); fast != (len(raw) == 0) {
		t.Fatalf("equal = %v, but go-cmp found %d differences", fast, len(raw))
	}
}

// FuzzParseJSON checks the comparator's JSON parser against encoding/json:
// it accepts exactly the documents json.Valid accepts (apart from the
// nesting and exponent limits, which are *CompareError), and decodes valid
// UTF-8 to the same values as a json.Decoder with UseNumber.
func FuzzParseJSON(f *testing.F) {
	for _, rec := range recordSeeds(f) {
		f.Add(rec)
	}
	for _, s := range []string{`1`, `-0.5e+3`, `"a\u00e9\n"`, `[]`, `{"a":[true,false,null]}`, `01`, `1.`, `"\x"`, `{"a" 1}`, `[1,]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		got, err := parseJSON(string(data), false)
		var ce *CompareError
		if errors.As(err, &ce) {
			return
		}
		if valid := json.Valid(data); valid != (err == nil) {
			t.Fatalf("parseJSON(%q) = %v, but json.Valid = %v", data, err, valid)
		}
		if err != nil || !utf8.Valid(data) {
			return
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var want any
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("json.Decoder rejects %q, which json.Valid accepts: %v", data, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("parseJSON(%q) (-want +got):\n%s", data, diff)
		}
	})
}
