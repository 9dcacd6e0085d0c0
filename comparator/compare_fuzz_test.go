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
// agrees with go-cmp, and the format walk's verdict with both, so that
// skipping the trees changes no result; and that a pair is Identical exactly when its bytes
// are equal, so every difference of bytes is reported at some level. Seeded from the records in testdata, paired every way.
func FuzzCompare(f *testing.F) {
	seeds := recordSeeds(f)
	for _, x := range seeds {
		for _, y := range seeds {
			f.Add(x, y)
		}
	}
	for _, p := range formSeeds {
		f.Add([]byte(p[0]), []byte(p[1]))
	}
	rules := []*Rules{mustLoadRules(f, rtcimRulesPath), mustLoadRules(f, "testdata/rules/everything.yaml"),
		mustParseRules(f, "name: plain\nkey: [id]\nunordered: {lines: line_no}\n")}
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
			checkFormsVerdict(t, r, control, candidate)
		}
	})
}

// formSeeds are pairs that differ in form, or in content in a way the
// format walk must not vouch for: member order, number and string
// spellings, space, null against absent, repeated names (decode keeps one
// value, null_equals_absent the last that is not null), keyed arrays in
// another order, with a key missing, repeated or null, and arrays of other
// lengths.
var formSeeds = [][2]string{
	{`{"a":1,"b":2}`, `{"b":2,"a":1}`},
	{`{"a":1.0,"b":"\u0041"}`, `{"a":1,"b":"A"}`},
	{`{ "a" : 1 }`, `{"a":1}`},
	{`{"a":1,"b":null}`, `{"a":1}`},
	{`{"a":1,"a":2}`, `{"a":2}`},
	{`{"a":1,"a":null}`, `{"a":1}`},
	{`{"a":null,"a":1}`, `{"a":1}`},
	{`{"a":2,"a":null}`, `{"a":null}`},
	{`{"a":2,"a":null}`, `{"a":3,"a":null}`},
	{`{"a":true}`, `{"a":false}`},
	{`{"a":null}`, `{"a":false}`},
	{`{"a":[1,2]}`, `{"a":[2,1]}`},
	{`{"a":[1]}`, `{"a":[1,1]}`},
	{`{"note":" Hello "}`, `{"note":"hello"}`},
	{`{"channel":"WEB","x":"a "}`, `{"x":"a","channel":"web"}`},
	{`{"lines":[{"line_no":1,"x":1},{"line_no":2,"x":2}]}`, `{"lines":[{"line_no":2,"x":2},{"line_no":1,"x":1}]}`},
	{`{"lines":[{"line_no":1,"x":1},{"line_no":2,"x":2}]}`, `{"lines":[{"line_no":2,"x":2},{"line_no":3,"x":1}]}`},
	{`{"lines":[{"line_no":1,"x":1},{"line_no":2,"x":2}]}`, `{"lines":[{"line_no":2,"x":2}]}`},
	{`{"lines":[{"line_no":1},{"line_no":1}]}`, `{"lines":[{"line_no":1},{"line_no":1.0}]}`},
	{`{"lines":[{"line_no":1},{"x":1}]}`, `{"lines":[{"x":1},{"line_no":1}]}`},
	{`{"lines":[{"line_no":1,"line_no":null}]}`, `{"lines":[{"line_no":1}]}`},
	{`{"lines":[{"line_no":null}]}`, `{"lines":[{}]}`},
	{`{"items":[{"k":"a","v":[{"id":1},{"id":2}]}]}`, `{"items":[{"v":[{"id":2},{"id":1}],"k":"a"}]}`},
	{`{"a":{"b":[1,{"c":null}]}}`, `{"a":{"b":[1,{}]}}`},
	{`{"a":1}`, `[1]`},
	{`{"a":1`, `{"a":1}`},
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
	fast := r.equal(x, y)
	if fast != (len(raw) == 0) {
		t.Fatalf("equal = %v, but go-cmp found %d differences", fast, len(raw))
	}
	// compareValues trusts the format walk instead of decoding when it
	// finds no difference of content: that must mean equal.
	if _, content := r.formats(string(control), string(candidate)); !content && !fast {
		t.Fatalf("formats found no difference of content in %q and %q, but equal = false", control, candidate)
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

// checkFormsVerdict checks that compareValues, which decodes only when the
// format walk finds a difference of content, returns what decoding every
// pair returns.
func checkFormsVerdict(t *testing.T, r *Rules, control, candidate []byte) {
	t.Helper()
	if bytes.Equal(control, candidate) {
		return
	}
	var got Result
	errGot := r.compareValues(control, candidate, &got)
	want, errWant := compareValuesDecoded(r, control, candidate)
	if (errGot == nil) != (errWant == nil) || errGot != nil && errGot.Error() != errWant.Error() {
		t.Fatalf("compareValues(%q, %q) = %v, want %v", control, candidate, errGot, errWant)
	}
	if !slices.EqualFunc(got.Diffs, want.Diffs, sameDiff) || !slices.Equal(got.Equivalent, want.Equivalent) {
		t.Fatalf("compareValues(%q, %q) = %+v\nwant (decoding both) %+v", control, candidate, got, want)
	}
}

// compareValuesDecoded is compareValues decoding every pair into trees.
func compareValuesDecoded(r *Rules, control, candidate []byte) (Result, error) {
	diffs, vanished, err := r.compareTrees(string(control), string(candidate))
	if err != nil {
		return Result{}, err
	}
	forms, _ := r.formats(string(control), string(candidate))
	vanished = append(vanished, forms...)
	if len(diffs) == 0 && len(vanished) == 0 {
		vanished = append(vanished, PathValue)
	}
	return Result{Diffs: diffs, Equivalent: vanished}, nil
}
