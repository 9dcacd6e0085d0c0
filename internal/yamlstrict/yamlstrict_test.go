package yamlstrict

import (
	"errors"
	"slices"
	"testing"
)

// problems returns every *Error joined in err as "line:column field".
func problems(err error) []Error {
	var out []Error
	var walk func(error)
	walk = func(err error) {
		var e *Error
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, err := range joined.Unwrap() {
				walk(err)
			}
		} else if errors.As(err, &e) {
			out = append(out, Error{Line: e.Line, Column: e.Column, Field: e.Field})
		}
	}
	walk(err)
	return out
}

func TestDocumentRefusesAllButOneDocument(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		yaml string
		want Error
	}{
		{"an empty file", "", Error{Field: "$"}},
		{"a file of comments", "# nothing\n", Error{Field: "$"}},
		{"invalid YAML", "a: [b\n", Error{Field: "$"}},
		{"a second document, at its line and column", "a: 1\n---\nb: 2\n", Error{Line: 2, Column: 1, Field: "$"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Document("f.yaml", []byte(tc.yaml), "a file needs a", "file")
			if got := problems(err); !slices.Equal(got, []Error{tc.want}) {
				t.Errorf("Document(%q) = %v, want one problem %+v", tc.yaml, err, tc.want)
			}
		})
	}
}

func TestWalkerReportsEveryProblemInFileOrder(t *testing.T) {
	t.Parallel()
	const doc = "b: &x 1\na: {n: 1}\nzz: 2\na: 3\n7: x\nlist: x\nflag: maybe\n"
	root, err := Document("f.yaml", []byte(doc), "", "file")
	if err != nil {
		t.Fatal(err)
	}
	w := &Walker{File: "f.yaml"}
	for _, e := range w.Mapping(root, "$", []string{"a", "b", "list", "flag"}, "a: 1") {
		switch e.Key.Value {
		case "b":
			w.String(e.Value, "b", "x")
		case "a":
			w.Mapping(e.Value, "a", []string{"m"}, "{m: 1}")
		case "list":
			w.Sequence(e.Value, "list", "[1]")
		case "flag":
			w.Bool(e.Value, "flag")
		}
	}
	want := []Error{
		{Line: 1, Column: 4, Field: "b"},   // an anchor
		{Line: 2, Column: 5, Field: "a.n"}, // unknown field of a
		{Line: 3, Column: 1, Field: "zz"},  // unknown field
		{Line: 4, Column: 1, Field: "a"},   // given twice
		{Line: 5, Column: 1, Field: "$"},   // a key that is not a string
		{Line: 6, Column: 7, Field: "list"},
		{Line: 7, Column: 7, Field: "flag"},
	}
	if got := problems(w.Err()); !slices.Equal(got, want) {
		t.Errorf("problems = %+v\nwant %+v", got, want)
	}
}

func TestErrorNamesFileLineColumnAndField(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  Error
		want string
	}{
		{"at a place", Error{File: "p.yaml", Line: 3, Column: 15, Field: "steps[0].percent", Msg: "too big"}, "p.yaml:3:15: steps[0].percent: too big"},
		{"the whole file", Error{File: "p.yaml", Field: "$", Msg: "empty"}, "p.yaml: $: empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.err.Error(); got != tc.want {
				t.Errorf("Error() = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestSub(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ field, key, want string }{
		{"$", "run", "run"},
		{"", "run", "run"},
		{"accept[0]", "name", "accept[0].name"},
	} {
		if got := Sub(tc.field, tc.key); got != tc.want {
			t.Errorf("Sub(%q, %q) = %q, want %q", tc.field, tc.key, got, tc.want)
		}
	}
}
