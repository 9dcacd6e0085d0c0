package comparator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/oinkhq/oink"
)

// fieldDiff builds an expected FieldDiff; a nil side is absent ("null").
// Objects are written with sorted members, as Compare writes them.
func fieldDiff(tb testing.TB, path string, control, candidate any, rule string) FieldDiff {
	tb.Helper()
	side := func(v any) json.RawMessage {
		if raw, ok := v.(json.RawMessage); ok {
			return raw
		}
		dec := json.NewDecoder(bytes.NewReader(marshal(tb, v)))
		dec.UseNumber()
		var generic any
		if err := dec.Decode(&generic); err != nil {
			tb.Fatalf("decode %v: %v", v, err)
		}
		return marshal(tb, generic)
	}
	return FieldDiff{Path: path, Control: side(control), Candidate: side(candidate), Rule: rule}
}

// roundingDiffs are the diffs of halfUp(rt, i) as control against rt.
func roundingDiffs(tb testing.TB, rt oink.RetailTransaction, rule string, lines ...int) []FieldDiff {
	tb.Helper()
	var out []FieldDiff
	for _, i := range lines {
		l := rt.Lines[i]
		p := fmt.Sprintf("lines[line_no=%d].", l.LineNo)
		out = append(out,
			fieldDiff(tb, p+"net_minor", l.NetMinor+1, l.NetMinor, rule),
			fieldDiff(tb, p+"tax_minor", l.TaxMinor+1, l.TaxMinor, rule))
	}
	n := int64(len(lines))
	return append(out,
		fieldDiff(tb, "totals.net_minor", rt.Totals.NetMinor+n, rt.Totals.NetMinor, rule),
		fieldDiff(tb, "totals.tax_minor", rt.Totals.TaxMinor+n, rt.Totals.TaxMinor, rule))
}

// compareCase is one row of a Compare table.
type compareCase struct {
	name      string
	rules     *Rules
	control   []byte
	candidate []byte
	want      Outcome
	wantDiffs []FieldDiff
}

// runCompareCases runs a Compare table.
func runCompareCases(t *testing.T, tests []compareCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.rules.Compare(tc.control, tc.candidate)
			if err != nil {
				t.Fatalf("Compare(%s, %s) = %v", tc.control, tc.candidate, err)
			}
			if got.Outcome != tc.want {
				t.Errorf("Compare(%s, %s).Outcome = %v, want %v", tc.control, tc.candidate, got.Outcome, tc.want)
			}
			if diff := cmp.Diff(tc.wantDiffs, got.Diffs, cmp.Transformer("json", func(r json.RawMessage) string { return string(r) })); diff != "" {
				t.Errorf("Compare(%s, %s).Diffs (-want +got):\n%s", tc.control, tc.candidate, diff)
			}
		})
	}
}

func TestCompareRTCIMUnderTheShippedRules(t *testing.T) {
	t.Parallel()
	lenient := mustLoadRules(t, rtcimRulesPath)
	strict := mustLoadRules(t, rtcimStrictPath)
	rt := multiLine(t, 3)
	v2 := marshal(t, rt)
	const rounding, utcDate = "v1-half-up-rounding", "v1-utc-business-date"
	all := make([]int, len(rt.Lines))
	for i := range all {
		all[i] = i
	}
	nextDay := shiftDate(t, rt, 1)
	missing := clone(rt)
	missing.Lines = missing.Lines[:len(missing.Lines)-1]
	last := rt.Lines[len(rt.Lines)-1]
	runCompareCases(t, []compareCase{
		{"identical bytes are identical", strict, v2, marshal(t, rt), Identical, nil},
		{"reordered lines are equivalent", strict, marshal(t, reordered(rt)), v2, Equivalent, nil},
		{"a half-up tax on one line is accepted with the rule named", lenient, marshal(t, halfUp(rt, 1)), v2, Accepted, roundingDiffs(t, rt, rounding, 1)},
		{"a half-up tax on one line is divergent under strict rules", strict, marshal(t, halfUp(rt, 1)), v2, Divergent, roundingDiffs(t, rt, "", 1)},
		{"half-up taxes on every line of a reordered record are accepted", lenient, marshal(t, reordered(halfUp(rt, all...))), v2, Accepted, roundingDiffs(t, rt, rounding, all...)},
		{"a business date one day later is accepted", lenient, marshal(t, nextDay), v2, Accepted,
			[]FieldDiff{fieldDiff(t, "business_date", nextDay.BusinessDate, rt.BusinessDate, utcDate)}},
		{"a business date one day earlier is accepted", lenient, v2, marshal(t, nextDay), Accepted,
			[]FieldDiff{fieldDiff(t, "business_date", rt.BusinessDate, nextDay.BusinessDate, utcDate)}},
		{"a business date two days off is divergent", lenient, marshal(t, shiftDate(t, rt, 2)), v2, Divergent,
			[]FieldDiff{fieldDiff(t, "business_date", shiftDate(t, rt, 2).BusinessDate, rt.BusinessDate, "")}},
		{"a line missing on one side is divergent at that line", strict, marshal(t, missing), v2, Divergent,
			[]FieldDiff{fieldDiff(t, fmt.Sprintf("lines[line_no=%d]", last.LineNo), nil, last, "")}},
		{"a changed tender is divergent at its position", lenient, marshal(t, tenderPlusOne(rt)), v2, Divergent,
			[]FieldDiff{fieldDiff(t, "tenders[0].amount_minor", rt.Tenders[0].AmountMinor+1, rt.Tenders[0].AmountMinor, "")}},
	})
}

// tenderPlusOne adds one minor unit to the first tender.
func tenderPlusOne(rt oink.RetailTransaction) oink.RetailTransaction {
	rt = clone(rt)
	rt.Tenders[0].AmountMinor++
	return rt
}

func TestCompareAppliesEachRule(t *testing.T) {
	t.Parallel()
	plain := mustParseRules(t, "name: plain\n")
	raw := func(s string) json.RawMessage { return json.RawMessage(s) }
	tests := []compareCase{
		{"a number written as 1.0 is equivalent to 1", plain, []byte(`{"a":1.0,"b":1e2}`), []byte(`{"a":1,"b":100}`), Equivalent, nil},
		{"large integers compare exactly", plain, []byte(`{"a":12345678901234567890}`), []byte(`{"a":12345678901234567891}`), Divergent,
			[]FieldDiff{fieldDiff(t, "a", raw("12345678901234567890"), raw("12345678901234567891"), "")}},
		{"nested members have dotted paths", plain, []byte(`{"a":{"b":{"c":1}}}`), []byte(`{"a":{"b":{"c":2}}}`), Divergent,
			[]FieldDiff{fieldDiff(t, "a.b.c", 1, 2, "")}},
		{"a member on one side only is null on the other", plain, []byte(`{"a":1}`), []byte(`{"a":1,"b":{"x":"y"}}`), Divergent,
			[]FieldDiff{fieldDiff(t, "b", nil, map[string]string{"x": "y"}, "")}},
		{"null differs from absent by default", plain, []byte(`{"a":null}`), []byte(`{}`), Divergent,
			[]FieldDiff{fieldDiff(t, "a", nil, nil, "")}},
		{"null is equivalent to absent when the rules say so", mustParseRules(t, "null_equals_absent: true\n"), []byte(`{"a":null,"b":{"c":null}}`), []byte(`{"b":{}}`), Equivalent, nil},
		{"a value of another type is one diff", plain, []byte(`{"a":"1"}`), []byte(`{"a":1}`), Divergent,
			[]FieldDiff{fieldDiff(t, "a", "1", 1, "")}},
		{"an ordered array compares by position", plain, []byte(`{"t":[1,2]}`), []byte(`{"t":[2,1,3]}`), Divergent,
			[]FieldDiff{fieldDiff(t, "t[0]", 1, 2, ""), fieldDiff(t, "t[1]", 2, 1, ""), fieldDiff(t, "t[2]", nil, 3, "")}},
		{"an unordered array with a repeated key compares by position", mustParseRules(t, "unordered: {t: k}\n"),
			[]byte(`{"t":[{"k":"A","v":1},{"k":"A","v":2}]}`), []byte(`{"t":[{"k":"A","v":2},{"k":"A","v":1}]}`), Divergent,
			[]FieldDiff{fieldDiff(t, "t[0].v", 1, 2, ""), fieldDiff(t, "t[1].v", 2, 1, "")}},
		{"an unordered array keyed by strings reads by key", mustParseRules(t, "unordered: {t: k}\n"),
			[]byte(`{"t":[{"k":"A","v":1},{"k":"GIFT CARD","v":2}]}`), []byte(`{"t":[{"k":"GIFT CARD","v":3},{"k":"A","v":1}]}`), Divergent,
			[]FieldDiff{fieldDiff(t, `t[k="GIFT CARD"].v`, 2, 3, "")}},
		{"a nested unordered array reads by both keys", mustParseRules(t, "unordered: {l: n, 'l[*].x': id}\n"),
			[]byte(`{"l":[{"n":1,"x":[{"id":"a","v":1},{"id":"b","v":1}]}]}`), []byte(`{"l":[{"n":1,"x":[{"id":"b","v":2},{"id":"a","v":1}]}]}`), Divergent,
			[]FieldDiff{fieldDiff(t, "l[n=1].x[id=b].v", 1, 2, "")}},
		{"an ignored path drops its diffs", mustParseRules(t, "ignore: ['l[*].note', trace]\n"),
			[]byte(`{"l":[{"note":"a"}],"trace":{"id":1}}`), []byte(`{"l":[{"note":"b"}],"trace":{"id":2}}`), Equivalent, nil},
		{"a difference within tolerance is dropped", mustParseRules(t, "tolerance: {'totals.*': 2}\n"),
			[]byte(`{"totals":{"a":10,"b":5.5}}`), []byte(`{"totals":{"a":12,"b":3.5}}`), Equivalent, nil},
		{"a difference beyond tolerance stays", mustParseRules(t, "tolerance: {'totals.*': 2}\n"),
			[]byte(`{"totals":{"a":10}}`), []byte(`{"totals":{"a":13}}`), Divergent,
			[]FieldDiff{fieldDiff(t, "totals.a", 10, 13, "")}},
		{"tolerance does not apply to strings", mustParseRules(t, "tolerance: {a: 2}\n"),
			[]byte(`{"a":"1"}`), []byte(`{"a":"2"}`), Divergent,
			[]FieldDiff{fieldDiff(t, "a", "1", "2", "")}},
		{"trim ignores surrounding white space", mustParseRules(t, "normalize: {trim: true}\n"),
			[]byte(`{"a":" x\n"}`), []byte(`{"a":"x"}`), Equivalent, nil},
		{"case_insensitive folds case on its paths only", mustParseRules(t, "normalize: {trim: true, case_insensitive: [channel]}\n"),
			[]byte(`{"channel":" web ","store":"s1"}`), []byte(`{"channel":"WEB","store":"S1"}`), Divergent,
			[]FieldDiff{fieldDiff(t, "store", "s1", "S1", "")}},
		{"the first accept rule that holds names the diff", mustParseRules(t, acceptRulesYAML),
			[]byte(`{"n":1,"d":"2026-01-01","s":"v1-x"}`), []byte(`{"n":9,"d":"2026-01-03","s":"v2-x"}`), Accepted,
			[]FieldDiff{fieldDiff(t, "d", "2026-01-01", "2026-01-03", "two-days"), fieldDiff(t, "n", 1, 9, "any-n"), fieldDiff(t, "s", "v1-x", "v2-x", "versions")}},
		{"an accept condition that fails leaves a divergence", mustParseRules(t, acceptRulesYAML),
			[]byte(`{"d":"2026-01-01","s":"x"}`), []byte(`{"d":"not a date","s":"v2"}`), Divergent,
			[]FieldDiff{fieldDiff(t, "d", "2026-01-01", "not a date", ""), fieldDiff(t, "s", "x", "v2", "")}},
		{"odd member names are quoted in paths", plain, []byte(`{"a b":{"c.d":1}}`), []byte(`{"a b":{"c.d":2}}`), Divergent,
			[]FieldDiff{fieldDiff(t, `["a b"]["c.d"]`, 1, 2, "")}},
		{"values are written without HTML escaping", plain, []byte(`{"a":"<b>"}`), []byte(`{"a":"&"}`), Divergent,
			[]FieldDiff{fieldDiff(t, "a", raw(`"<b>"`), raw(`"&"`), "")}},
	}
	runCompareCases(t, tests)
}

// acceptRulesYAML has accept rules of every condition, the first of two
// matching rules listed first.
const acceptRulesYAML = `
accept:
  - {name: two-days, paths: [d], when: {max_days: 2}, reason: r}
  - {name: small-n, paths: [n], when: {tolerance: 1}, reason: r}
  - {name: any-n, paths: ["*"], when: {tolerance: 10}, reason: r}
  - {name: versions, paths: [s], when: {pattern: '^v\d-'}, reason: r}
`

func TestCompareRejectsWhatItCannotCompare(t *testing.T) {
	t.Parallel()
	r := mustLoadRules(t, rtcimRulesPath)
	deep := strings.Repeat(`{"a":`, maxDepth+1) + "1" + strings.Repeat("}", maxDepth+1)
	tests := []struct {
		name               string
		control, candidate string
		wantDecode         bool // a *DecodeError, else a *CompareError
		wantSide           string
	}{
		{"a control record that is not JSON is a decode error", `{"a":`, `{}`, true, "control"},
		{"a candidate record that is an array is a decode error", `{}`, `[1]`, true, "candidate"},
		{"invalid UTF-8 is a decode error", "{\"a\":\"\xff\"}", `{}`, true, "control"},
		{"data after the object is a decode error", `{}`, `{} {}`, true, "candidate"},
		{"a number beyond the exact range is a compare error", `{"a":1e99999}`, `{"a":1}`, false, ""},
		{"a record nested too deep is a compare error", deep, `{}`, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := r.Compare([]byte(tc.control), []byte(tc.candidate))
			var de *DecodeError
			var ce *CompareError
			switch {
			case tc.wantDecode && errors.As(err, &de):
				if de.Field != "$" || !strings.HasPrefix(de.Msg, tc.wantSide) {
					t.Errorf("Compare error = %+v, want field $ and a message naming the %s", de, tc.wantSide)
				}
			case !tc.wantDecode && errors.As(err, &ce):
			default:
				t.Errorf("Compare(%.40q, %.40q) = %v, want a decode error: %v", tc.control, tc.candidate, err, tc.wantDecode)
			}
		})
	}
}

func TestCompareByteEqualRecordsWithoutDecoding(t *testing.T) {
	t.Parallel()
	r := DefaultRules()
	got, err := r.Compare([]byte("not json"), []byte("not json"))
	if err != nil || got.Outcome != Identical {
		t.Errorf("Compare(same bytes) = %+v, %v; want Identical (byte-equal records are not decoded)", got, err)
	}
}

func TestOutcomeStringsAreLowerCase(t *testing.T) {
	t.Parallel()
	for o, want := range map[Outcome]string{Identical: "identical", Equivalent: "equivalent", Accepted: "accepted", Divergent: "divergent", Outcome(7): "Outcome(7)"} {
		if got := o.String(); got != want {
			t.Errorf("Outcome(%d).String() = %q, want %q", int(o), got, want)
		}
	}
	b, err := json.Marshal(Result{Outcome: Divergent})
	if err != nil || string(b) != `{"outcome":"divergent"}` {
		t.Errorf("json.Marshal(Result) = %s, %v; want {\"outcome\":\"divergent\"}", b, err)
	}
}
