package comparator

import (
	"encoding/json"
	"fmt"
	"strings"
)

// maxDepth bounds how deeply a compared record may nest. go-cmp recurses
// once per level, and no record a person designs nests this deep.
const maxDepth = 1000

// jsonParser decodes one JSON record into the values encoding/json gives
// with UseNumber (map[string]any, []any, string, json.Number, bool, nil),
// several times faster: the record is copied into one string once, and
// every string and number is a substring of it. It follows RFC 8259 as
// strictly as encoding/json does (FuzzParseJSON checks the two agree).
type jsonParser struct {
	s         string
	i         int
	depth     int
	dropNulls bool // leave out object members that are null
	// check reads without building: every value is nil but an object
	// (checkedObject) or an array (checkedArray). It accepts and refuses
	// exactly what a full parse does, with the same errors.
	check bool
}

// checked marks what checkJSON found in place of a container.
type checked int

const (
	checkedObject checked = iota + 1
	checkedArray
)

// parseJSON decodes s, which must hold exactly one JSON value. With
// dropNulls, object members that are null are left out (null_equals_absent).
// A number whose exponent is beyond ±maxExponent is a *CompareError.
func parseJSON(s string, dropNulls bool) (any, error) {
	return (&jsonParser{s: s, dropNulls: dropNulls}).document()
}

// checkJSON reads s as parseJSON does, with the same errors, but builds
// nothing and allocates nothing for a valid document: it returns
// checkedObject for an object, checkedArray for an array, else nil.
func checkJSON(s string) (any, error) {
	return (&jsonParser{s: s, check: true}).document()
}

// document reads the one JSON value of p.s.
func (p *jsonParser) document() (any, error) {
	p.space()
	v, err := p.value()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, p.fail("data after the JSON value")
	}
	return v, nil
}

// syntaxError is a JSON syntax problem at an offset.
type syntaxError struct {
	msg    string
	offset int
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%s at byte %d", e.msg, e.offset) }

func (p *jsonParser) fail(msg string) error { return &syntaxError{msg: msg, offset: p.i} }

func (p *jsonParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// value decodes the value at p.i.
func (p *jsonParser) value() (any, error) {
	if p.i >= len(p.s) {
		return nil, p.fail("unexpected end of JSON")
	}
	switch c := p.s[p.i]; {
	case c == '{':
		return p.object()
	case c == '[':
		return p.array()
	case c == '"':
		s, err := p.str()
		if p.check || err != nil {
			return nil, err
		}
		return s, nil
	case c == '-' || isDigit(c):
		return p.number()
	case strings.HasPrefix(p.s[p.i:], "true"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "false"):
		p.i += 5
		return false, nil
	case strings.HasPrefix(p.s[p.i:], "null"):
		p.i += 4
		return nil, nil
	}
	return nil, p.fail("invalid character")
}

// enter counts one level of nesting, failing past maxDepth.
func (p *jsonParser) enter() error {
	p.depth++
	if p.depth > maxDepth {
		return &CompareError{Msg: "record nests deeper than 1000 levels"}
	}
	return nil
}

// object decodes the object at p.i.
func (p *jsonParser) object() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.i++ // '{'
	var m map[string]any
	if !p.check {
		m = make(map[string]any)
	}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return p.objectValue(m), nil
	}
	for {
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != '"' {
			return nil, p.fail("want a member name")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if p.i >= len(p.s) || p.s[p.i] != ':' {
			return nil, p.fail(`want ":"`)
		}
		p.i++
		p.space()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if m != nil && (v != nil || !p.dropNulls) {
			m[k] = v
		}
		if done, err := p.next('}'); done || err != nil {
			return p.objectValue(m), err
		}
	}
}

// objectValue is what object returns for m: checkedObject when checking.
func (p *jsonParser) objectValue(m map[string]any) any {
	if p.check {
		return checkedObject
	}
	return m
}

// next reads the "," or closing bracket after a member or element and
// reports whether it was the closing bracket.
func (p *jsonParser) next(closing byte) (bool, error) {
	p.space()
	if p.i < len(p.s) {
		switch p.s[p.i] {
		case ',':
			p.i++
			return false, nil
		case closing:
			p.i++
			return true, nil
		}
	}
	return false, p.fail(fmt.Sprintf("want \",\" or %q", closing))
}

// array decodes the array at p.i.
func (p *jsonParser) array() (any, error) {
	if err := p.enter(); err != nil {
		return nil, err
	}
	defer func() { p.depth-- }()
	p.i++ // '['
	// Most arrays are short (lines, tenders): start with room for four.
	var a []any
	if !p.check {
		a = make([]any, 0, 4)
	}
	p.space()
	if p.i < len(p.s) && p.s[p.i] == ']' {
		p.i++
		return p.arrayValue(a), nil
	}
	for {
		p.space()
		v, err := p.value()
		if err != nil {
			return nil, err
		}
		if !p.check {
			a = append(a, v)
		}
		if done, err := p.next(']'); done || err != nil {
			return p.arrayValue(a), err
		}
	}
}

// arrayValue is what array returns for a: checkedArray when checking.
func (p *jsonParser) arrayValue(a []any) any {
	if p.check {
		return checkedArray
	}
	return a
}

// str decodes the string literal at p.i. A literal without escapes is a
// substring of the record; one with escapes is decoded by encoding/json,
// which is rare enough not to matter for speed.
func (p *jsonParser) str() (string, error) {
	start := p.i
	p.i++ // '"'
	escaped := false
	for p.i < len(p.s) {
		switch c := p.s[p.i]; {
		case c == '"':
			p.i++
			if !escaped {
				return p.s[start+1 : p.i-1], nil
			}
			var out string
			if err := json.Unmarshal([]byte(p.s[start:p.i]), &out); err != nil {
				p.i = start
				return "", p.fail("invalid string escape")
			}
			return out, nil
		case c == '\\':
			escaped = true
			p.i += 2
		case c < 0x20:
			return "", p.fail("control character in string")
		default:
			p.i++
		}
	}
	return "", p.fail("unterminated string")
}

// number decodes the number at p.i, checking RFC 8259's grammar.
func (p *jsonParser) number() (any, error) {
	start := p.i
	if p.s[p.i] == '-' {
		p.i++
	}
	switch {
	case p.i < len(p.s) && p.s[p.i] == '0':
		p.i++
	case p.i < len(p.s) && isDigit(p.s[p.i]):
		p.digits()
	default:
		return nil, p.fail("invalid number")
	}
	if p.i < len(p.s) && p.s[p.i] == '.' {
		p.i++
		if p.digits() == 0 {
			return nil, p.fail("invalid number")
		}
	}
	exp := p.i < len(p.s) && (p.s[p.i] == 'e' || p.s[p.i] == 'E')
	if exp {
		p.i++
		if p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-') {
			p.i++
		}
		if p.digits() == 0 {
			return nil, p.fail("invalid number")
		}
	}
	n := p.s[start:p.i]
	if exp || len(n) > maxExponent {
		if _, ok := parseDecimal(n); !ok {
			return nil, &CompareError{Msg: fmt.Sprintf("number at byte %d has an exponent beyond ±%d; it cannot be compared exactly", start, maxExponent)}
		}
	}
	if p.check {
		return nil, nil
	}
	return json.Number(n), nil
}

// digits skips a run of digits and returns its length.
func (p *jsonParser) digits() int {
	start := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	return p.i - start
}
