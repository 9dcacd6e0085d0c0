package comparator

import "testing"

// concretePath turns a pattern without wildcards into the path it names.
func concretePath(tb testing.TB, s string) []seg {
	tb.Helper()
	p, err := parsePattern(s)
	if err != nil {
		tb.Fatalf("parsePattern(%q) = %v", s, err)
	}
	var out []seg
	for _, ps := range p.segs {
		switch ps.kind {
		case patMeta:
			out = append(out, seg{kind: segMeta, name: ps.name})
		case patField:
			out = append(out, seg{kind: segField, name: ps.name})
		case patIndex:
			out = append(out, seg{kind: segIndex, value: ps.value})
		case patKeyed:
			out = append(out, seg{kind: segKeyed, name: ps.name, value: ps.value})
		default:
			tb.Fatalf("concretePath(%q): segment %+v is a wildcard", s, ps)
		}
	}
	return out
}

func TestParsePatternWritesPatternsCanonically(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"a member is written bare", "business_date", "business_date"},
		{"a nested member is joined with dots", "totals.net_minor", "totals.net_minor"},
		{"a quoted bare name loses its quotes", `["totals"].net_minor`, "totals.net_minor"},
		{"a name with a dot stays quoted", `["a.b"].c`, `["a.b"].c`},
		{"an empty name stays quoted", `[""]`, `[""]`},
		{"a position is kept", "tenders[1].amount_minor", "tenders[1].amount_minor"},
		{"a numeric key is written canonically", "lines[line_no=2.0]", "lines[line_no=2]"},
		{"a quoted plain string key loses its quotes", `tenders[tender="CARD"]`, "tenders[tender=CARD]"},
		{"a string key that looks like a number stays quoted", `x[id="42"]`, `x[id="42"]`},
		{"a string key with a space stays quoted", `tenders[tender="GIFT CARD"]`, `tenders[tender="GIFT CARD"]`},
		{"wildcards are kept", "lines[*].*", "lines[*].*"},
		{"a keyed wildcard is kept", "lines[line_no=*].tax_minor", "lines[line_no=*].tax_minor"},
		{"a leading wildcard is kept", "*.x", "*.x"},
		{"a boolean key is kept", "x[on=true]", "x[on=true]"},
		{"a metadata root is written with its $", "$timestamp", "$timestamp"},
		{"a header name is a member of $headers", "$headers.traceparent", "$headers.traceparent"},
		{"an odd header name is quoted", `$headers["__connect.errors.topic"]`, `$headers["__connect.errors.topic"]`},
		{"a quoted bare header name loses its quotes", `$headers["trace-id"]`, "$headers.trace-id"},
		{"any header is a wildcard", "$headers.*", "$headers.*"},
		{"a value format is a member of $value", "$value.numbers", "$value.numbers"},
		{"a member named $key is quoted", `["$key"]`, `["$key"]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := parsePattern(tc.in)
			if err != nil {
				t.Fatalf("parsePattern(%q) = %v", tc.in, err)
			}
			if p.text != tc.want {
				t.Errorf("parsePattern(%q).text = %q, want %q", tc.in, p.text, tc.want)
			}
		})
	}
}

func TestParsePatternRejectsMalformedPatterns(t *testing.T) {
	t.Parallel()
	for _, in := range []string{"", ".a", "a.", "a..b", "a[", "a[]", "a[01]", "a[x]", "a[x=]", `a["b]`, "a]", "a b", `a[x=y z]`, "a[x=null]", "a[x=1.]", "a*", "[*", "$", "$nope", "$key.x", "$key[0]", "$headers.a.b", "$headers[0]", "$value.other", "a.$key", "x$key"} {
		t.Run("pattern "+in+" is rejected", func(t *testing.T) {
			t.Parallel()
			if p, err := parsePattern(in); err == nil {
				t.Errorf("parsePattern(%q) = %q, want an error", in, p.text)
			}
		})
	}
}

func TestPatternCoversThePathsBeneathIt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, pattern, path string
		want                bool
	}{
		{"a pattern covers its own path", "business_date", "business_date", true},
		{"a pattern covers a path beneath it", "totals", "totals.net_minor", true},
		{"a pattern does not cover its parent", "totals.net_minor", "totals", false},
		{"a member wildcard matches any member", "totals.*", "totals.tax_minor", true},
		{"a member wildcard does not match an element", "lines.*", "lines[0]", false},
		{"an element wildcard matches a keyed element", "lines[*].tax_minor", "lines[line_no=2].tax_minor", true},
		{"an element wildcard matches a position", "tenders[*].amount_minor", "tenders[0].amount_minor", true},
		{"a keyed wildcard matches its key field only", "lines[line_no=*]", "lines[sku=A]", false},
		{"a key must match exactly", "lines[line_no=2]", "lines[line_no=3].tax_minor", false},
		{"a position must match exactly", "tenders[1]", "tenders[1].amount_minor", true},
		{"an element wildcard does not match a member", "lines[*]", "lines.x", false},
		{"$headers covers every header", "$headers", "$headers.traceparent", true},
		{"any header does not cover the header order", "$headers.*", "$header_order", false},
		{"a header pattern does not cover a value member of that name", "$headers.x", "headers.x", false},
		{"a value member pattern does not cover a header", "headers", "$headers.x", false},
		{"a leading member wildcard does not cover metadata", "*", "$key", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := parsePattern(tc.pattern)
			if err != nil {
				t.Fatalf("parsePattern(%q) = %v", tc.pattern, err)
			}
			if got := p.covers(concretePath(t, tc.path)); got != tc.want {
				t.Errorf("%q covers %q = %v, want %v", tc.pattern, tc.path, got, tc.want)
			}
		})
	}
}

func TestFormatPathQuotesWhatIsNotBare(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path []seg
		want string
	}{
		{"members are joined with dots", []seg{{kind: segField, name: "totals"}, {kind: segField, name: "net_minor"}}, "totals.net_minor"},
		{"a member with a space is quoted", []seg{{kind: segField, name: "odd key"}, {kind: segField, name: "x"}}, `["odd key"].x`},
		{"quotes inside a name are escaped", []seg{{kind: segField, name: `a"b`}}, `["a\"b"]`},
		{"a keyed element shows its key", []seg{{kind: segField, name: "lines"}, {kind: segKeyed, name: "line_no", value: "2"}}, "lines[line_no=2]"},
		{"a position is in brackets", []seg{{kind: segField, name: "tenders"}, {kind: segIndex, value: "0"}}, "tenders[0]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := formatPath(tc.path); got != tc.want {
				t.Errorf("formatPath(%+v) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}

// FuzzParsePattern checks that parsing never panics and that the canonical
// text of a parsed pattern parses back to itself (a round trip).
func FuzzParsePattern(f *testing.F) {
	for _, s := range []string{"a", "lines[*].tax_minor", `["a.b"][x="y z"]`, "t[0].*", "x[k=-1.5e3]", "x[k=*]", "$headers.x", `$headers["a.b"]`, "$value.order", "$timestamp"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 1024 {
			return
		}
		p, err := parsePattern(s)
		if err != nil {
			return
		}
		again, err := parsePattern(p.text)
		if err != nil {
			t.Fatalf("parsePattern(%q) = %q, which does not parse: %v", s, p.text, err)
		}
		if again.text != p.text {
			t.Fatalf("parsePattern(%q) = %q, which parses to %q", s, p.text, again.text)
		}
	})
}
