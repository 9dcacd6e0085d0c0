package comparator

import (
	"encoding/json"
	"strings"
)

// Field paths name a place in a JSON record. They read like a selector:
//
//	business_date               a member of the record
//	totals.net_minor            a member of a member
//	tenders[1].amount_minor     an element of an ordered array, by position (from 0)
//	lines[line_no=2].tax_minor  an element of an unordered array, by its key field
//	["odd key"].x               a member whose name is not a bare name (JSON-quoted)
//	$headers.traceparent        a Kafka header, and the record's other metadata (paths_meta.go)
//
// A bare name is made of ASCII letters, digits, "_" and "-". A key value is
// written bare when it is a number (in canonical form: 2.0 is written 2), true
// or false, or a string that is a bare name not starting with a digit or "-";
// any other string is JSON-quoted: tenders[tender="GIFT CARD"].
//
// Patterns (in ignore, tolerance, unordered, normalize and accept) are paths
// in which "*" stands for any one segment of its kind: "totals.*" for any
// member of totals, "lines[*]" for any element of lines (by position or by
// key), "lines[line_no=*]" for any element keyed by line_no.

// segKind is what one path segment selects.
type segKind uint8

const (
	segField segKind = iota // an object member: name
	segIndex                // an ordered array's element: value is its position
	segKeyed                // an unordered array's element: name is the key field, value the rendered key
	segMeta                 // the root of a metadata path: name is "key", "headers", … (paths_meta.go)
)

// seg is one segment of a field path.
type seg struct {
	kind  segKind
	name  string
	value string
}

// patKind is what one pattern segment matches.
type patKind uint8

const (
	patField    patKind = iota // the member named name
	patAnyField                // "*": any member
	patIndex                   // "[3]": the element at position value
	patKeyed                   // "[f=v]": the element whose key field name has the rendered key value
	patKeyedAny                // "[f=*]": any element keyed by field name
	patAnyElem                 // "[*]": any element, by position or by key
	patMeta                    // "$key", "$headers", …: the metadata root named name
)

// patSeg is one segment of a pattern.
type patSeg struct {
	kind  patKind
	name  string
	value string
}

// pattern is a parsed path pattern. Its text is the canonical form.
type pattern struct {
	segs []patSeg
	text string
}

// matches reports whether p selects s.
func (p patSeg) matches(s seg) bool {
	switch p.kind {
	case patField:
		return s.kind == segField && s.name == p.name
	case patAnyField:
		return s.kind == segField
	case patIndex:
		return s.kind == segIndex && s.value == p.value
	case patKeyed:
		return s.kind == segKeyed && s.name == p.name && s.value == p.value
	case patKeyedAny:
		return s.kind == segKeyed && s.name == p.name
	case patMeta:
		return s.kind == segMeta && s.name == p.name
	default: // patAnyElem
		return s.kind == segIndex || s.kind == segKeyed
	}
}

// covers reports whether path is the place p names or lies beneath it, the
// rule for ignore, tolerance, normalize and accept: "totals" covers
// "totals.net_minor".
func (p pattern) covers(path []seg) bool {
	if len(path) < len(p.segs) {
		return false
	}
	for i, ps := range p.segs {
		if !ps.matches(path[i]) {
			return false
		}
	}
	return true
}

// names reports whether path is exactly the place p names, the rule for
// unordered.
func (p pattern) names(path []seg) bool {
	return len(path) == len(p.segs) && p.covers(path)
}

// coveredBy reports whether any of patterns covers path.
func coveredBy(patterns []pattern, path []seg) bool {
	for _, p := range patterns {
		if p.covers(path) {
			return true
		}
	}
	return false
}

// formatPath renders path in the syntax described at the top of this file.
func formatPath(path []seg) string {
	var b strings.Builder
	for i, s := range path {
		switch s.kind {
		case segMeta:
			b.WriteString("$" + s.name)
		case segField:
			writeName(&b, s.name, i == 0)
		case segIndex:
			b.WriteByte('[')
			b.WriteString(s.value)
			b.WriteByte(']')
		case segKeyed:
			b.WriteByte('[')
			b.WriteString(s.name)
			b.WriteByte('=')
			b.WriteString(s.value)
			b.WriteByte(']')
		}
	}
	return b.String()
}

// writeName writes a member name: bare after a "." (none at the start), or
// JSON-quoted in brackets when it is not a bare name.
func writeName(b *strings.Builder, name string, first bool) {
	if !isBareName(name) {
		b.WriteString("[")
		b.WriteString(quoteJSON(name))
		b.WriteString("]")
		return
	}
	if !first {
		b.WriteByte('.')
	}
	b.WriteString(name)
}

// formatPattern renders p's segments canonically; parsePattern reads it
// back to the same pattern.
func formatPattern(segs []patSeg) string {
	var b strings.Builder
	for i, s := range segs {
		switch s.kind {
		case patMeta:
			b.WriteString("$" + s.name)
		case patField:
			writeName(&b, s.name, i == 0)
		case patAnyField:
			if i > 0 {
				b.WriteByte('.')
			}
			b.WriteByte('*')
		case patIndex:
			b.WriteString("[" + s.value + "]")
		case patKeyed:
			b.WriteString("[" + s.name + "=" + s.value + "]")
		case patKeyedAny:
			b.WriteString("[" + s.name + "=*]")
		case patAnyElem:
			b.WriteString("[*]")
		}
	}
	return b.String()
}

// isBareName reports whether name can be written without quotes: ASCII
// letters, digits, "_" and "-", at least one.
func isBareName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || isDigit(c) || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// renderKeyValue renders an unordered array element's key value as it
// appears in a path, and reports false when v cannot key an element (null,
// an object, an array, or a number beyond ±maxExponent).
func renderKeyValue(v any) (string, bool) {
	switch v := v.(type) {
	case json.Number:
		d, ok := parseDecimal(string(v))
		if !ok {
			return "", false
		}
		if d.exp == 0 && !d.neg {
			return d.digits, true // the usual line number: no allocation
		}
		return d.String(), true
	case string:
		return renderKeyString(v), true
	case bool:
		if v {
			return "true", true
		}
		return "false", true
	}
	return "", false
}

// renderKeyString writes a string key value bare when that cannot be read as
// a number or a boolean, and JSON-quoted otherwise.
func renderKeyString(s string) string {
	if isBareName(s) && !isDigit(s[0]) && s[0] != '-' && s != "true" && s != "false" && s != "null" {
		return s
	}
	return quoteJSON(s)
}

// quoteJSON returns s as a JSON string literal, without HTML escaping.
func quoteJSON(s string) string {
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return `""` // unreachable: every Go string encodes
	}
	return strings.TrimSuffix(b.String(), "\n")
}
