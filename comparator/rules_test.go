package comparator

import (
	"errors"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// ruleErrors returns every *RuleError joined in err.
func ruleErrors(err error) []*RuleError {
	var out []*RuleError
	var walk func(error)
	walk = func(err error) {
		if re, ok := err.(*RuleError); ok {
			out = append(out, re)
			return
		}
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				walk(e)
			}
		}
	}
	walk(err)
	return out
}

func TestParseRulesReadsTheShippedRTCIMRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		path       string
		wantName   string
		wantAccept []string
	}{
		{"the lenient rules accept v1's two known bugs", rtcimRulesPath, "rtcim", []string{"v1-half-up-rounding", "v1-utc-business-date"}},
		{"the strict rules accept nothing", rtcimStrictPath, "rtcim-strict", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := mustLoadRules(t, tc.path)
			if r.Name != tc.wantName {
				t.Errorf("Name = %q, want %q", r.Name, tc.wantName)
			}
			if got, want := r.KeyFields(), []string{"order_id", "source_event_id"}; !slices.Equal(got, want) {
				t.Errorf("KeyFields() = %q, want %q", got, want)
			}
			if got := r.EventTimeField(); got != "source_event_time" {
				t.Errorf("EventTimeField() = %q, want source_event_time", got)
			}
			var names []string
			for _, a := range r.accept {
				names = append(names, a.name)
			}
			if !slices.Equal(names, tc.wantAccept) {
				t.Errorf("accept rules = %q, want %q", names, tc.wantAccept)
			}
		})
	}
}

func TestParseRulesNamesTheLineAndFieldOfEachProblem(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		yaml      string
		wantLine  int
		wantField string
	}{
		{"an unknown top-level field is an error", "name: x\nkeys: [a]\n", 2, "keys"},
		{"a field given twice is an error", "name: x\nname: y\n", 2, "name"},
		{"a name with spaces is an error", "name: my rules\n", 1, "name"},
		{"an empty key list is an error", "key: []\n", 1, "key"},
		{"an empty key field is an error", "key: [order_id, '']\n", 1, "key[1]"},
		{"a nested key path is an error", "key:\n  - order.id\n", 2, "key[0]"},
		{"a repeated key field is an error", "key: [a, a]\n", 1, "key[1]"},
		{"a key field that is a number is an error", "key: [12]\n", 1, "key[0]"},
		{"an event_time path is an error", "event_time: a.b\n", 1, "event_time"},
		{"a malformed ignore pattern is an error", "ignore:\n  - ok\n  - 'lines['\n", 3, "ignore[1]"},
		{"an ignore pattern listed twice is an error", "ignore: [a, '[\"a\"]']\n", 1, "ignore[1]"},
		{"a negative tolerance is an error", "tolerance:\n  totals.tax_minor: -1\n", 2, `tolerance["totals.tax_minor"]`},
		{"a tolerance that is a string is an error", "tolerance: {a: one}\n", 1, `tolerance["a"]`},
		{"a tolerance that is not a mapping is an error", "tolerance: [a]\n", 1, "tolerance"},
		{"an unordered array without an element key is an error", "unordered:\n  lines: ''\n", 2, `unordered["lines"]`},
		{"an unordered element key that is a path is an error", "unordered: {lines: a.b}\n", 1, `unordered["lines"]`},
		{"a null_equals_absent that is not a boolean is an error", "null_equals_absent: yes\n", 1, "null_equals_absent"},
		{"an unknown normalize field is an error", "normalize:\n  lower: true\n", 2, "normalize.lower"},
		{"a malformed case_insensitive pattern is an error", "normalize: {case_insensitive: ['a..b']}\n", 1, "normalize.case_insensitive[0]"},
		{"an accept rule without paths is an error", "accept:\n  - name: a\n    reason: r\n  - name: b\n    paths: []\n    reason: r\n", 5, "accept[1].paths"},
		{"an accept rule without a name is an error", "accept:\n  - paths: [a]\n    reason: r\n", 2, "accept[0].name"},
		{"an accept rule without a reason is an error", "accept:\n  - name: a\n    paths: [a]\n", 2, "accept[0].reason"},
		{"two accept rules with one name are an error", "accept:\n  - {name: a, paths: [x], reason: r}\n  - {name: a, paths: [y], reason: r}\n", 3, "accept[1].name"},
		{"an unknown accept field is an error", "accept:\n  - {name: a, paths: [x], reason: r, why: s}\n", 2, "accept[0].why"},
		{"an accept regex that does not compile is an error", "accept:\n  - name: a\n    paths: [x]\n    when: {pattern: '(['}\n    reason: r\n", 4, "accept[0].when.pattern"},
		{"a negative max_days is an error", "accept:\n  - name: a\n    paths: [x]\n    when:\n      max_days: -1\n    reason: r\n", 5, "accept[0].when.max_days"},
		{"a fractional max_days is an error", "accept:\n  - {name: a, paths: [x], when: {max_days: 1.5}, reason: r}\n", 2, "accept[0].when.max_days"},
		{"a negative accept tolerance is an error", "accept:\n  - {name: a, paths: [x], when: {tolerance: -2}, reason: r}\n", 2, "accept[0].when.tolerance"},
		{"an unknown condition is an error", "accept:\n  - {name: a, paths: [x], when: {within: 2}, reason: r}\n", 2, "accept[0].when.within"},
		{"accept that is not a list is an error", "accept: {name: a}\n", 1, "accept"},
		{"an alias is an error", "ignore: &i [a]\nnormalize: {case_insensitive: *i}\n", 1, "ignore"},
		{"a file that is not a mapping is an error", "- a\n- b\n", 1, "$"},
		{"a second YAML document is an error", "name: a\n---\nname: b\n", 2, "$"},
		{"invalid YAML is an error for the whole file", "name: [a\n", 0, "$"},
		{"an empty file is an error", "# nothing\n", 0, "$"},
		{"an unknown metadata path is an error", "ignore: [$partition]\n", 1, "ignore[0]"},
		{"a path beneath $key is an error", "ignore: [$key.x]\n", 1, "ignore[0]"},
		{"a path two levels beneath $headers is an error", "ignore: [$headers.a.b]\n", 1, "ignore[0]"},
		{"a rule on the value's format is an error", "ignore: [$value.order]\n", 1, "ignore[0]"},
		{"an accept rule on the value's format is an error", "accept:\n  - {name: a, paths: [$value], reason: r}\n", 2, "accept[0].paths[0]"},
		{"a tolerance on a header is an error", "tolerance: {$headers.x: 1}\n", 1, `tolerance["$headers.x"]`},
		{"an unordered metadata path is an error", "unordered: {$headers: x}\n", 1, `unordered["$headers"]`},
		{"a case-insensitive metadata path is an error", "normalize: {case_insensitive: [$key]}\n", 1, "normalize.case_insensitive[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := ParseRules("rules.yaml", []byte(tc.yaml))
			errs := ruleErrors(err)
			if len(errs) == 0 {
				t.Fatalf("ParseRules(%q) = %v, want a *RuleError", tc.yaml, err)
			}
			for _, re := range errs {
				if re.Line == tc.wantLine && re.Field == tc.wantField {
					prefix := "rules.yaml:" + strconv.Itoa(tc.wantLine) + ":" + strconv.Itoa(re.Column) + ": " + tc.wantField + ": "
					if tc.wantLine > 0 && re.Column <= 0 {
						t.Errorf("Error() = %q: column %d, want the column of the problem", re.Error(), re.Column)
					}
					if tc.wantLine == 0 {
						prefix = "rules.yaml: " + tc.wantField + ": "
					}
					if !strings.HasPrefix(re.Error(), prefix) {
						t.Errorf("Error() = %q, want it to start with %q", re.Error(), prefix)
					}
					return
				}
			}
			t.Errorf("ParseRules(%q) = %v, want an error at line %d, field %s", tc.yaml, err, tc.wantLine, tc.wantField)
		})
	}
}

func TestParseRulesReportsEveryProblemAtOnce(t *testing.T) {
	t.Parallel()
	const yaml = "name: x\nkey: ['']\nbogus: 1\naccept:\n  - name: a\n"
	_, err := ParseRules("rules.yaml", []byte(yaml))
	var fields []string
	for _, re := range ruleErrors(err) {
		fields = append(fields, re.Field)
	}
	want := []string{"key[0]", "bogus", "accept[0].paths", "accept[0].reason"}
	if !slices.Equal(fields, want) {
		t.Errorf("ParseRules(%q) error fields = %q, want %q", yaml, fields, want)
	}
}

func TestParseRulesDefaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		file     string
		yaml     string
		wantName string
	}{
		{"the name defaults to the file name without extension", "conf/orders-v2.yaml", "key: [id]\n", "orders-v2"},
		{"a null field keeps its default", "x.yaml", "name: y\nkey:\nignore: ~\n", "y"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := ParseRules(tc.file, []byte(tc.yaml))
			if err != nil {
				t.Fatalf("ParseRules = %v", err)
			}
			if r.Name != tc.wantName {
				t.Errorf("Name = %q, want %q", r.Name, tc.wantName)
			}
		})
	}
}

func TestDefaultRulesUseTheKafkaKeyAndAcceptNothing(t *testing.T) {
	t.Parallel()
	r := DefaultRules()
	if r.Name != "default" || r.KeyFields() != nil || r.EventTimeField() != "" || len(r.accept) != 0 {
		t.Errorf("DefaultRules() = %+v, want name default, no key fields, no event_time, no accept", r)
	}
}

func TestLoadRulesWrapsAMissingFile(t *testing.T) {
	t.Parallel()
	_, err := LoadRules("testdata/no-such-rules.yaml")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("LoadRules(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestRulesJSONParsesBackToTheSameRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
	}{
		{"the shipped lenient rules", string(mustReadFile(t, rtcimRulesPath))},
		{"the shipped strict rules", string(mustReadFile(t, rtcimStrictPath))},
		{"the default rules", "name: default\n"},
		{"every field set", `name: all
key: [a, b]
event_time: t
ignore: ["x[\"y\"]", "lines[*].note", "tenders[tender=\"CARD\"]", $key, "$headers[\"odd.name\"]", "$headers.*", $header_order, $timestamp_type]
tolerance: {"totals.*": 0.50, "lines[line_no=2.0].qty": 1e1, $timestamp: 5}
unordered: {lines: line_no, "lines[*].taxes": code}
null_equals_absent: true
normalize: {trim: true, case_insensitive: [channel]}
accept:
  - {name: n, paths: [x], when: {tolerance: 0, max_days: 0, pattern: "^a$"}, reason: r}
  - {name: m, paths: [$headers.traceparent, $timestamp], reason: r}
`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkJSONRoundTrip(t, mustParseRules(t, tc.yaml))
		})
	}
}

func TestRulesJSONIsCanonical(t *testing.T) {
	t.Parallel()
	r := mustParseRules(t, "name: c\ntolerance: {b: 1.50, a: 2}\nignore: ['[\"x\"]', 'lines[tender=\"CARD\"]']\n")
	got, err := r.JSON()
	if err != nil {
		t.Fatalf("JSON() = %v", err)
	}
	const want = `{"name":"c","ignore":["x","lines[tender=CARD]"],"tolerance":{"a":2,"b":1.5}}`
	if string(got) != want {
		t.Errorf("JSON() = %s, want %s", got, want)
	}
}
