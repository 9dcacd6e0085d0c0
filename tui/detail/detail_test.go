package detail

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/keys"
	"github.com/oinkhq/oink/tui/style"
)

func TestParsePath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		path string
		want []seg
	}{
		{"a member", "business_date", []seg{{kind: '.', name: "business_date"}}},
		{"a member of a member", "totals.net_minor", []seg{{kind: '.', name: "totals"}, {kind: '.', name: "net_minor"}}},
		{"an element by position", "tenders[1].amount_minor", []seg{{kind: '.', name: "tenders"}, {kind: '#', index: 1}, {kind: '.', name: "amount_minor"}}},
		{"an element by key", "lines[line_no=2].tax_minor", []seg{{kind: '.', name: "lines"}, {kind: '=', name: "line_no", value: "2"}, {kind: '.', name: "tax_minor"}}},
		{"a key value quoted", `tenders[tender="GIFT CARD"]`, []seg{{kind: '.', name: "tenders"}, {kind: '=', name: "tender", value: "GIFT CARD"}}},
		{"a quoted member with a bracket", `["odd ]key"].x`, []seg{{kind: '.', name: "odd ]key"}, {kind: '.', name: "x"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := parsePath(tc.path)
			if err != nil {
				t.Fatalf("parsePath(%q) = %v", tc.path, err)
			}
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(seg{})); diff != "" {
				t.Errorf("parsePath(%q) (-want +got):\n%s", tc.path, diff)
			}
		})
	}
}

// marked returns the lines of raw marked by diff, as "» text" or "~ text".
func marked(t *testing.T, raw string, diff ...diffstore.FieldDiff) []string {
	t.Helper()
	var out []string
	for _, l := range side(json.RawMessage(raw), diff, "absent") {
		switch l.mark {
		case divergent:
			out = append(out, "» "+strings.TrimSpace(l.text))
		case accepted:
			out = append(out, "~ "+strings.TrimSpace(l.text))
		}
	}
	return out
}

func TestSideMarksTheDifferingFields(t *testing.T) {
	t.Parallel()
	rec := `{"b":1,"lines":[{"line_no":1.0,"tax":5},{"line_no":2,"tax":7}],"tenders":[{"tender":"GIFT CARD","amount":3}],"z":{"y":[]}}`
	tests := []struct {
		name string
		diff []diffstore.FieldDiff
		want []string
	}{
		{"a scalar member", []diffstore.FieldDiff{{Path: "b"}}, []string{"» \"b\": 1,"}},
		{"a keyed element's member, key written 1 for 1.0", []diffstore.FieldDiff{{Path: "lines[line_no=1].tax"}}, []string{"» \"tax\": 5"}},
		{"a whole element by position, to its closing brace", []diffstore.FieldDiff{{Path: "lines[1]"}},
			[]string{"» {", "» \"line_no\": 2,", "» \"tax\": 7", "» }"}},
		{"a key value quoted", []diffstore.FieldDiff{{Path: `tenders[tender="GIFT CARD"].amount`, Rule: "r"}}, []string{"~ \"amount\": 3"}},
		{"an empty array", []diffstore.FieldDiff{{Path: "z.y"}}, []string{"» \"y\": []"}},
		{"a path this record lacks marks nothing", []diffstore.FieldDiff{{Path: "lines[line_no=9].tax"}, {Path: "nope"}}, nil},
		{"divergent wins over accepted", []diffstore.FieldDiff{{Path: "b", Rule: "r"}, {Path: "b"}}, []string{"» \"b\": 1,"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if diff := cmp.Diff(tc.want, marked(t, rec, tc.diff...)); diff != "" {
				t.Errorf("marked lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSideOfAnAbsentOrBrokenRecord(t *testing.T) {
	t.Parallel()
	if got := side(nil, nil, "missing in control"); len(got) != 1 || got[0].text != "(missing in control)" {
		t.Errorf("side(nil) = %v, want the note", got)
	}
	if got := side(json.RawMessage(`{"a":`), nil, "x"); len(got) != 2 || !strings.HasPrefix(got[0].text, "(not JSON") {
		t.Errorf("side(broken) = %v, want a note and the raw text", got)
	}
}

func TestViewKeepsMemberOrderAndFitsItsSize(t *testing.T) {
	t.Parallel()
	m := New(style.New(), keys.Default())
	m.SetSize(60, 12)
	m.SetData(diffstore.Divergence{Identity: "k", Kind: diffstore.KindDivergent,
		Control:   json.RawMessage(`{"z":1,"a":"<b>"}`),
		Candidate: json.RawMessage(`{"z":2,"a":"<b>"}`),
		Diff:      []diffstore.FieldDiff{{Path: "z", Control: json.RawMessage(`1`), Candidate: json.RawMessage(`2`)}}},
		nil, "v1", "v2")
	v := m.View()
	lines := strings.Split(v, "\n")
	if len(lines) != 12 {
		t.Errorf("View has %d lines, want 12", len(lines))
	}
	for _, l := range lines {
		if w := style.Width(l); w != 60 {
			t.Errorf("line %q is %d wide, want 60", l, w)
		}
	}
	if !strings.Contains(v, `»   "z": 1,`) || !strings.Contains(v, `"a": "<b>"`) || strings.Index(v, `"z"`) > strings.Index(v, `"a"`) {
		t.Errorf("View does not show z first and marked, a unescaped:\n%s", v)
	}
}

// FuzzSide checks that no record and no path, however malformed, makes the
// view panic (the property checked is only "no panic").
func FuzzSide(f *testing.F) {
	for _, s := range []struct{ raw, path string }{
		{`{"a":[{"k":1}]}`, "a[k=1]"},
		{`{"a":[1,2]}`, "a[5]"},
		{`[[[]]]`, `["x"]`},
		{`{"a":1}`, `a[`},
		{`"s"`, `a[k="unterminated`},
		{`{`, `.`},
	} {
		f.Add(s.raw, s.path)
	}
	f.Fuzz(func(t *testing.T, raw, path string) {
		if len(raw) > 1<<14 || len(path) > 1<<10 {
			return
		}
		lines := side(json.RawMessage(raw), []diffstore.FieldDiff{{Path: path}}, "absent")
		if len(lines) == 0 {
			t.Error("side returned no line")
		}
	})
}
