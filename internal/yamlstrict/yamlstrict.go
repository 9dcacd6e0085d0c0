package yamlstrict

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// Error is one problem in a YAML file.
type Error struct {
	File   string // the name given to Document or the Walker
	Line   int    // 1-based; 0 when the problem is not at one place
	Column int    // 1-based; 0 when Line is
	Field  string // e.g. "accept[1].paths"; "$" for the whole file
	Msg    string // what is wrong and how to fix it
}

// Error returns "file:line:column: field: msg", or "file: field: msg"
// when the problem is not at one place.
func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s: %s", e.File, e.Field, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s: %s", e.File, e.Line, e.Column, e.Field, e.Msg)
}

// YAML tags of the scalars.
const (
	TagStr   = "!!str"
	TagInt   = "!!int"
	TagFloat = "!!float"
	TagBool  = "!!bool"
	TagNull  = "!!null"
)

// Document reads exactly one YAML document and returns its root node.
// empty says what a file needs, for a file without a document ("a plan
// needs run and steps"); kind is what one document holds ("plan": "keep
// one plan per file").
func Document(file string, data []byte, empty, kind string) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &Error{File: file, Field: "$", Msg: "empty; " + empty}
		}
		return nil, &Error{File: file, Field: "$", Msg: fmt.Sprintf("not valid YAML (%v); fix the syntax", err)}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &Error{File: file, Line: extra.Line, Column: extra.Column, Field: "$",
			Msg: fmt.Sprintf("more than one YAML document; keep one %s per file", kind)}
	}
	if len(doc.Content) == 0 {
		return nil, &Error{File: file, Field: "$", Msg: "empty; " + empty}
	}
	return doc.Content[0], nil
}

// Walker goes through a document's nodes, recording every problem. The
// zero Walker with File set is ready for use.
type Walker struct {
	File string
	errs []*Error
}

// Failf records a problem with field at node n.
func (w *Walker) Failf(n *yaml.Node, field, format string, args ...any) {
	w.errs = append(w.errs, &Error{File: w.File, Line: n.Line, Column: n.Column, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// Len is how many problems have been recorded, so that a caller can tell
// whether a part of the document added any.
func (w *Walker) Len() int { return len(w.errs) }

// CleanAt reports whether no problem has been recorded at n's line (true
// for a nil n), so that a value already reported as malformed is not also
// reported as missing.
func (w *Walker) CleanAt(n *yaml.Node) bool {
	if n == nil {
		return true
	}
	for _, e := range w.errs {
		if e.Line == n.Line {
			return false
		}
	}
	return true
}

// Err returns every problem recorded, in file order (errors.Join of
// *Error), or nil.
func (w *Walker) Err() error {
	slices.SortStableFunc(w.errs, func(a, b *Error) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
	errs := make([]error, len(w.errs))
	for i, e := range w.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}

// IsNull reports whether n is an explicit null ("~", "null" or nothing),
// which an optional field treats as unset.
func IsNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.ShortTag() == TagNull
}

// Sub names the member key of field: Sub("accept[0]", "name") is
// "accept[0].name", Sub("$", "run") is "run".
func Sub(field, key string) string {
	if field == "" || field == "$" {
		return key
	}
	return field + "." + key
}

// Usable rejects anchors and aliases, which these files do not need and
// which could expand without bound.
func (w *Walker) Usable(n *yaml.Node, field string) bool {
	if n.Kind == yaml.AliasNode || n.Anchor != "" {
		w.Failf(n, field, "anchors and aliases are not supported; write the value out")
		return false
	}
	return true
}

// Entry is one key/value pair of a mapping.
type Entry struct {
	Key, Value *yaml.Node
}

// Mapping returns n's entries in file order, reporting a node that is not
// a mapping (example shows one), keys that are not strings, keys given
// twice and, when known is not nil, keys not in known.
func (w *Walker) Mapping(n *yaml.Node, field string, known []string, example string) []Entry {
	if !w.Usable(n, field) {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		if known != nil {
			w.Failf(n, field, "must be a mapping with the fields %s, e.g. %s", strings.Join(known, ", "), example)
		} else {
			w.Failf(n, field, "must be a mapping, e.g. %s", example)
		}
		return nil
	}
	seen := make(map[string]bool, len(n.Content)/2)
	var out []Entry
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case !w.Usable(k, field):
		case k.Kind != yaml.ScalarNode || k.ShortTag() != TagStr:
			w.Failf(k, field, "keys must be strings; quote the key")
		case known != nil && !slices.Contains(known, k.Value):
			w.Failf(k, Sub(field, k.Value), "unknown field; the fields are %s", strings.Join(known, ", "))
		case seen[k.Value]:
			w.Failf(k, Sub(field, k.Value), "given twice; keep one")
		default:
			seen[k.Value] = true
			out = append(out, Entry{k, v})
		}
	}
	return out
}

// Fields is Mapping by key, for a mapping of known fields; nil when n is
// not a mapping.
func (w *Walker) Fields(n *yaml.Node, field string, known []string, example string) map[string]*yaml.Node {
	entries := w.Mapping(n, field, known, example)
	if entries == nil && n.Kind != yaml.MappingNode {
		return nil
	}
	out := make(map[string]*yaml.Node, len(entries))
	for _, e := range entries {
		out[e.Key.Value] = e.Value
	}
	return out
}

// Sequence returns n's items, reporting a node that is not a sequence
// (example shows one).
func (w *Walker) Sequence(n *yaml.Node, field, example string) []*yaml.Node {
	if !w.Usable(n, field) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		w.Failf(n, field, "must be a list, e.g. %s", example)
		return nil
	}
	return n.Content
}

// String returns n's string value, reporting anything else (example shows
// one).
func (w *Walker) String(n *yaml.Node, field, example string) (string, bool) {
	if !w.Usable(n, field) {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != TagStr {
		w.Failf(n, field, "must be a string, e.g. %s (quote it if YAML reads it as something else)", example)
		return "", false
	}
	return n.Value, true
}

// Bool returns n's boolean value, reporting anything else.
func (w *Walker) Bool(n *yaml.Node, field string) (bool, bool) {
	if !w.Usable(n, field) {
		return false, false
	}
	var b bool
	if n.Kind != yaml.ScalarNode || n.ShortTag() != TagBool || n.Decode(&b) != nil {
		w.Failf(n, field, "must be true or false")
		return false, false
	}
	return b, true
}

// Scalar returns n's text and tag, reporting a node that is not a scalar
// with msg.
func (w *Walker) Scalar(n *yaml.Node, field, msg string) (value, tag string, ok bool) {
	if !w.Usable(n, field) {
		return "", "", false
	}
	if n.Kind != yaml.ScalarNode {
		w.Failf(n, field, "%s", msg)
		return "", "", false
	}
	return n.Value, n.ShortTag(), true
}
