package comparator

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"
)

// levelCase is one row of a CompareRecords table: the outcome, the diffs
// left (as "path" or "path ~ rule") and the equivalent paths.
type levelCase struct {
	name               string
	rules              *Rules
	control, candidate Record
	want               Outcome
	wantDiffs          []string
	wantEquivalent     []string
}

func runLevelCases(t *testing.T, tests []levelCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := tc.rules.CompareRecords(&tc.control, &tc.candidate)
			if err != nil {
				t.Fatalf("CompareRecords = %v", err)
			}
			var diffs []string
			for _, d := range got.Diffs {
				if d.Rule != "" {
					diffs = append(diffs, d.Path+" ~ "+d.Rule)
				} else {
					diffs = append(diffs, d.Path)
				}
			}
			if got.Outcome != tc.want || !slices.Equal(diffs, tc.wantDiffs) || !slices.Equal(got.Equivalent, tc.wantEquivalent) {
				t.Errorf("CompareRecords = %v, diffs %q, equivalent %q; want %v, %q, %q",
					got.Outcome, diffs, got.Equivalent, tc.want, tc.wantDiffs, tc.wantEquivalent)
			}
			swapped, err := tc.rules.CompareRecords(&tc.candidate, &tc.control)
			if err != nil || swapped.Outcome != got.Outcome || !slices.Equal(swapped.Equivalent, got.Equivalent) {
				t.Errorf("CompareRecords with the sides swapped = %+v, %v; want the same outcome and equivalent paths", swapped, err)
			}
		})
	}
}

// value is a Record with only a value.
func value(s string) Record { return Record{Value: []byte(s)} }

// TestCompareRecordsFindsValueFormats: value bytes that parse equal are
// equivalent, at a $value path that says how they differ, or at the path
// whose difference the rules' normalisation removes.
func TestCompareRecordsFindsValueFormats(t *testing.T) {
	t.Parallel()
	plain := DefaultRules()
	runLevelCases(t, []levelCase{
		{"equal bytes are identical", plain, value(`{"a":1}`), value(`{"a":1}`), Identical, nil, nil},
		{"another member order is $value.order", plain, value(`{"a":1,"b":{"c":1,"d":2}}`), value(`{"a":1,"b":{"d":2,"c":1}}`), Equivalent, nil, []string{PathValueOrder}},
		{"12.0 for 12 is $value.numbers", plain, value(`{"a":12}`), value(`{"a":12.0}`), Equivalent, nil, []string{PathValueNumbers}},
		{"an exponent for an integer is $value.numbers", plain, value(`{"a":[1200]}`), value(`{"a":[1.2e3]}`), Equivalent, nil, []string{PathValueNumbers}},
		{"another string escape is $value.strings", plain, value(`{"a":"é/"}`), value(`{"a":"\u00e9\/"}`), Equivalent, nil, []string{PathValueStrings}},
		{"an escaped member name is $value.strings", plain, value(`{"a":1}`), value(`{"\u0061":1}`), Equivalent, nil, []string{PathValueStrings}},
		{"other whitespace is $value.space", plain, value(`{"a":1,"b":[1,2]}`), value("{\n  \"a\": 1,\n  \"b\": [1, 2]\n}"), Equivalent, nil, []string{PathValueSpace}},
		{"several formats are each named", plain, value(`{"a":1,"b":2.0}`), value(`{ "b":2, "a":1 }`), Equivalent, nil,
			[]string{PathValueNumbers, PathValueOrder, PathValueSpace}},
		{"a repeated member whose last value is the other's is $value", plain, value(`{"a":0,"a":1}`), value(`{"a":1}`), Equivalent, nil, []string{PathValue}},
		{"an unordered array in another order is its path", mustLoadRules(t, rtcimStrictPath),
			value(`{"lines":[{"line_no":1,"q":1},{"line_no":2,"q":1}]}`), value(`{"lines":[{"line_no":2,"q":1},{"line_no":1,"q":1}]}`), Equivalent, nil, []string{"lines"}},
		{"an ordered array in another order is a divergence", plain,
			value(`{"t":[1,2]}`), value(`{"t":[2,1]}`), Divergent, []string{"t[0]", "t[1]"}, nil},
		{"null for absent is the member's path under null_equals_absent", mustParseRules(t, "null_equals_absent: true\n"),
			value(`{"a":null,"b":{"c":null,"d":1}}`), value(`{"b":{"d":1}}`), Equivalent, nil, []string{"a", "b.c"}},
		{"trimmed and folded strings are their paths", mustParseRules(t, "normalize: {trim: true, case_insensitive: [channel]}\n"),
			value(`{"channel":"web","s":" x"}`), value(`{"channel":"WEB","s":"x"}`), Equivalent, nil, []string{"channel", "s"}},
		{"ignored value differences are their paths", mustParseRules(t, "ignore: ['l[*].note']\n"),
			value(`{"l":[{"note":"a"},{"note":"b"}]}`), value(`{"l":[{"note":"x"},{"note":"y"}]}`), Equivalent, nil, []string{"l[0].note", "l[1].note"}},
		{"tolerated value differences are their paths", mustParseRules(t, "tolerance: {totals.a: 2}\n"),
			value(`{"totals":{"a":10}}`), value(`{"totals":{"a":11}}`), Equivalent, nil, []string{"totals.a"}},
		{"an accepted pair still names its format differences", mustLoadRules(t, rtcimRulesPath),
			value(`{"business_date":"2026-01-01","x":1}`), value(`{"x":1.0,"business_date":"2026-01-02"}`), Accepted,
			[]string{"business_date ~ v1-utc-business-date"}, []string{PathValueNumbers, PathValueOrder}},
	})
}

// TestCompareRecordsJudgesMetadata: key, timestamp and headers are paths
// like the value's: a difference no rule covers diverges, one a rule
// ignores or tolerates is equivalent, one a rule accepts is accepted.
func TestCompareRecordsJudgesMetadata(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 3, 8, 4, 0, 0, 0, time.UTC)
	rec := func(key string, ms int, hs ...string) Record {
		r := Record{Key: []byte(key), Value: []byte(`{"a":1}`), Time: t0.Add(time.Duration(ms) * time.Millisecond)}
		for i := 0; i+1 < len(hs); i += 2 {
			r.Headers = append(r.Headers, kafka.Header{Key: hs[i], Value: []byte(hs[i+1])})
		}
		return r
	}
	plain := DefaultRules()
	ignoring := mustParseRules(t, "ignore: [$headers.traceparent, $key]\ntolerance: {$timestamp: 5}\n")
	accepting := mustParseRules(t, `accept: [{name: skew, paths: [$timestamp], when: {tolerance: 1000}, reason: r},
  {name: trace-ids, paths: ["$headers.*"], when: {pattern: '^00-'}, reason: r},
  {name: v1-trace, paths: [$headers.traceparent], reason: r}]`)
	runLevelCases(t, []levelCase{
		{"equal metadata and value are identical", plain, rec("k", 0, "a", "1", "b", "2"), rec("k", 0, "a", "1", "b", "2"), Identical, nil, nil},
		{"another key diverges at $key", plain, rec("k1", 0), rec("k2", 0), Divergent, []string{PathKey}, nil},
		{"an ignored key is equivalent", ignoring, rec("k1", 0), rec("k2", 0), Equivalent, nil, []string{PathKey}},
		{"another timestamp diverges at $timestamp", plain, rec("k", 0), rec("k", 3), Divergent, []string{PathTimestamp}, nil},
		{"a timestamp within tolerance is equivalent", ignoring, rec("k", 0), rec("k", 5), Equivalent, nil, []string{PathTimestamp}},
		{"a timestamp beyond tolerance diverges", ignoring, rec("k", 0), rec("k", 6), Divergent, []string{PathTimestamp}, nil},
		{"a timestamp skew an accept rule explains is accepted", accepting, rec("k", 0), rec("k", 900), Accepted, []string{PathTimestamp + " ~ skew"}, nil},
		{"an extra header diverges at its name", plain, rec("k", 0, "traceparent", "00-1"), rec("k", 0), Divergent, []string{"$headers.traceparent"}, nil},
		{"a header missing on the control diverges too", plain, rec("k", 0), rec("k", 0, "x", "1"), Divergent, []string{"$headers.x"}, nil},
		{"another header value diverges", plain, rec("k", 0, "x", "1"), rec("k", 0, "x", "2"), Divergent, []string{"$headers.x"}, nil},
		{"an ignored tracing header is equivalent", ignoring, rec("k", 0, "traceparent", "00-1"), rec("k", 0), Equivalent, nil, []string{"$headers.traceparent"}},
		{"a header an accept rule explains is accepted", accepting, rec("k", 0, "traceparent", "00-1"), rec("k", 0), Accepted, []string{"$headers.traceparent ~ v1-trace"}, nil},
		{"header values an accept pattern matches are accepted", accepting, rec("k", 0, "x", "00-1"), rec("k", 0, "x", "00-2"), Accepted, []string{"$headers.x ~ trace-ids"}, nil},
		{"another header order diverges at $header_order", plain, rec("k", 0, "a", "1", "b", "2"), rec("k", 0, "b", "2", "a", "1"), Divergent, []string{PathHeaderOrder}, nil},
		{"another interleaving of a repeated header is another order", plain, rec("k", 0, "a", "1", "b", "2", "a", "3"), rec("k", 0, "a", "1", "a", "3", "b", "2"), Divergent, []string{PathHeaderOrder}, nil},
		{"an ignored header elsewhere is an equivalent order", ignoring, rec("k", 0, "traceparent", "t", "a", "1"), rec("k", 0, "a", "1", "traceparent", "t"), Equivalent, nil, []string{PathHeaderOrder}},
		{"an ignored order is equivalent", mustParseRules(t, "ignore: [$header_order]\n"), rec("k", 0, "a", "1", "b", "2"), rec("k", 0, "b", "2", "a", "1"), Equivalent, nil, []string{PathHeaderOrder}},
		{"$headers covers every header", mustParseRules(t, "ignore: [$headers]\n"), rec("k", 0, "a", "1"), rec("k", 0, "b", "2"), Equivalent, nil, []string{"$headers.a", "$headers.b"}},
		{"ignored metadata and a value format are both named", ignoring,
			Record{Key: []byte("k"), Value: []byte(`{"a":1,"b":2}`), Headers: []kafka.Header{{Key: "traceparent", Value: []byte("t")}}},
			Record{Key: []byte("k"), Value: []byte(`{"b":2,"a":1}`)}, Equivalent, nil, []string{"$headers.traceparent", PathValueOrder}},
		{"a value divergence and a metadata divergence are both diffs", plain,
			Record{Value: []byte(`{"a":1}`), Time: t0}, Record{Value: []byte(`{"a":2}`), Time: t0.Add(time.Second)}, Divergent, []string{"a", PathTimestamp}, nil},
	})
}

// TestCompareRecordsRendersMetadataValues: keys and header values are JSON
// strings (base64 when not UTF-8), timestamps milliseconds, a header absent
// on one side null, several headers of a name a list.
func TestCompareRecordsRendersMetadataValues(t *testing.T) {
	t.Parallel()
	t0 := time.UnixMilli(1772942400123).UTC()
	control := Record{Key: []byte{0xff, 0x00}, Value: []byte(`{}`), Time: t0,
		Headers: []kafka.Header{{Key: "x", Value: []byte("1")}, {Key: "x", Value: []byte("2")}, {Key: "odd.name", Value: []byte("v")}}}
	candidate := Record{Key: []byte("k"), Value: []byte(`{}`), Time: t0.Add(7 * time.Millisecond)}
	got, err := DefaultRules().CompareRecords(&control, &candidate)
	if err != nil {
		t.Fatal(err)
	}
	want := []FieldDiff{
		{Path: PathKey, Control: json.RawMessage(`{"base64":"/wA="}`), Candidate: json.RawMessage(`"k"`)},
		{Path: PathTimestamp, Control: json.RawMessage(`1772942400123`), Candidate: json.RawMessage(`1772942400130`)},
		{Path: `$headers["odd.name"]`, Control: json.RawMessage(`"v"`), Candidate: json.RawMessage(`null`)},
		{Path: "$headers.x", Control: json.RawMessage(`["1","2"]`), Candidate: json.RawMessage(`null`)},
	}
	if diff := cmp.Diff(want, got.Diffs, cmp.Transformer("json", func(r json.RawMessage) string { return string(r) })); diff != "" {
		t.Errorf("CompareRecords diffs (-want +got):\n%s", diff)
	}
}

// TestCompareRecordsReportsTheTopicsTimestampTypes: rules bound to topics of
// another message.timestamp.type make every pair differ at
// $timestamp_type, even byte-identical ones.
func TestCompareRecordsReportsTheTopicsTimestampTypes(t *testing.T) {
	t.Parallel()
	same := DefaultRules().forTopics("CreateTime", "CreateTime")
	other := DefaultRules().forTopics("CreateTime", "LogAppendTime")
	ignored := mustParseRules(t, "ignore: [$timestamp_type]\n").forTopics("CreateTime", "LogAppendTime")
	runLevelCases(t, []levelCase{
		{"topics of one type leave identical pairs identical", same, value(`{}`), value(`{}`), Identical, nil, nil},
		{"topics of two types make every pair diverge", other, value(`{}`), value(`{}`), Divergent, []string{PathTimestampType}, nil},
		{"an ignored timestamp type is equivalent", ignored, value(`{}`), value(`{}`), Equivalent, nil, []string{PathTimestampType}},
	})
	x, y := value(`{}`), value(`{}`)
	res, _ := other.CompareRecords(&x, &y)
	if len(res.Diffs) != 1 || string(res.Diffs[0].Control) != `"CreateTime"` || string(res.Diffs[0].Candidate) != `"LogAppendTime"` {
		t.Errorf("diffs = %+v, want CreateTime against LogAppendTime", res.Diffs)
	}
}

// TestCompareRecordsOfIdenticalPairsAllocatesNothing: the common case costs
// byte comparisons only, headers included.
func TestCompareRecordsOfIdenticalPairsAllocatesNothing(t *testing.T) {
	r := mustLoadRules(t, rtcimRulesPath)
	rt := multiLine(t, 3)
	x := Record{Key: []byte(rt.OrderID), Value: marshal(t, rt), Time: time.Now(),
		Headers: []kafka.Header{{Key: "traceparent", Value: []byte("00-abc")}, {Key: "content-type", Value: []byte("application/json")}}}
	y := x
	y.Value = marshal(t, rt)
	allocs := testing.AllocsPerRun(100, func() {
		if res, err := r.CompareRecords(&x, &y); err != nil || res.Outcome != Identical {
			t.Fatalf("CompareRecords = %+v, %v", res, err)
		}
	})
	if allocs != 0 {
		t.Errorf("CompareRecords of an identical pair allocates %v times, want 0", allocs)
	}
}
