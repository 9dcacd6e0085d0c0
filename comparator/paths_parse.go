package comparator

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// pathSyntaxHint ends every pattern syntax error: it shows each form once.
const pathSyntaxHint = `write members as totals.net_minor or ["odd key"], elements as lines[0], lines[line_no=2] or lines[*], any member as totals.*, metadata as $key, $timestamp or $headers.traceparent`

// parsePattern reads a path pattern (see paths.go). Its error says what is
// wrong, where, and how to write it.
func parsePattern(s string) (pattern, error) {
	if s == "" {
		return pattern{}, errors.New("empty; " + pathSyntaxHint)
	}
	p := patternParser{s: s}
	for p.i < len(s) {
		seg, err := p.next()
		if err != nil {
			return pattern{}, fmt.Errorf("%q: %s at byte %d; %s", s, err, p.i, pathSyntaxHint)
		}
		p.segs = append(p.segs, seg)
	}
	if err := checkMeta(p.segs); err != nil {
		return pattern{}, fmt.Errorf("%q: %s", s, err)
	}
	return pattern{segs: p.segs, text: formatPattern(p.segs)}, nil
}

// patternParser reads a pattern one segment at a time.
type patternParser struct {
	s    string
	i    int
	segs []patSeg
}

// next reads the segment at p.i.
func (p *patternParser) next() (patSeg, error) {
	switch {
	case len(p.segs) == 0 && p.s[p.i] == '$':
		return p.meta()
	case p.s[p.i] == '[':
		p.i++
		return p.bracket()
	case len(p.segs) == 0:
		return p.member()
	case p.s[p.i] == '.':
		p.i++
		return p.member()
	}
	return patSeg{}, fmt.Errorf(`unexpected %q after a segment (want "." or "[")`, p.s[p.i])
}

// member reads a bare member name or "*".
func (p *patternParser) member() (patSeg, error) {
	if strings.HasPrefix(p.s[p.i:], "*") {
		p.i++
		return patSeg{kind: patAnyField}, nil
	}
	name := p.bare()
	if name == "" {
		return patSeg{}, errors.New("missing member name")
	}
	return patSeg{kind: patField, name: name}, nil
}

// bare reads the longest bare name at p.i (possibly empty).
func (p *patternParser) bare() string {
	start := p.i
	for p.i < len(p.s) && isBareName(p.s[p.i:p.i+1]) {
		p.i++
	}
	return p.s[start:p.i]
}

// bracket reads what follows a "[": a quoted member, "*", a position or a
// key, then the closing "]".
func (p *patternParser) bracket() (patSeg, error) {
	if p.i >= len(p.s) {
		return patSeg{}, errors.New(`unclosed "["`)
	}
	var seg patSeg
	var err error
	switch c := p.s[p.i]; {
	case c == '"':
		var name string
		name, err = p.quoted()
		seg = patSeg{kind: patField, name: name}
	case c == '*':
		p.i++
		seg = patSeg{kind: patAnyElem}
	case isDigit(c):
		seg, err = p.position()
	default:
		seg, err = p.key()
	}
	if err != nil {
		return patSeg{}, err
	}
	if !strings.HasPrefix(p.s[p.i:], "]") {
		return patSeg{}, errors.New(`unclosed "["`)
	}
	p.i++
	return seg, nil
}

// position reads an array position: 0 or a number without leading zeros.
func (p *patternParser) position() (patSeg, error) {
	start := p.i
	for p.i < len(p.s) && isDigit(p.s[p.i]) {
		p.i++
	}
	v := p.s[start:p.i]
	if len(v) > 1 && v[0] == '0' {
		return patSeg{}, fmt.Errorf("position %s has a leading zero", v)
	}
	return patSeg{kind: patIndex, value: v}, nil
}

// key reads "field=value" or "field=*".
func (p *patternParser) key() (patSeg, error) {
	field := p.bare()
	if field == "" {
		return patSeg{}, errors.New(`want a position, "*", a quoted member or field=value after "["`)
	}
	if !strings.HasPrefix(p.s[p.i:], "=") {
		return patSeg{}, fmt.Errorf(`want "=" after key field %q`, field)
	}
	p.i++
	if strings.HasPrefix(p.s[p.i:], "*") {
		p.i++
		return patSeg{kind: patKeyedAny, name: field}, nil
	}
	value, err := p.keyValue()
	if err != nil {
		return patSeg{}, err
	}
	return patSeg{kind: patKeyed, name: field, value: value}, nil
}

// keyValue reads a key value and renders it as paths show it.
func (p *patternParser) keyValue() (string, error) {
	if strings.HasPrefix(p.s[p.i:], `"`) {
		s, err := p.quoted()
		return renderKeyString(s), err
	}
	start := p.i
	for p.i < len(p.s) && p.s[p.i] != ']' {
		p.i++
	}
	v := p.s[start:p.i]
	switch {
	case v == "":
		return "", errors.New(`missing key value after "="`)
	case v == "true" || v == "false":
		return v, nil
	case isDigit(v[0]) || v[0] == '-':
		d, ok := parseDecimal(v)
		if !ok {
			return "", fmt.Errorf("key value %s is not a JSON number (quote a string key value)", v)
		}
		return d.String(), nil
	case isBareName(v) && v != "null":
		return v, nil
	}
	return "", fmt.Errorf("key value %s must be JSON-quoted", v)
}

// quoted reads a JSON string literal starting at p.i.
func (p *patternParser) quoted() (string, error) {
	start := p.i
	p.i++
	for p.i < len(p.s) && p.s[p.i] != '"' {
		if p.s[p.i] == '\\' {
			p.i++
		}
		p.i++
	}
	if p.i >= len(p.s) {
		return "", errors.New("unterminated quoted string")
	}
	p.i++
	var s string
	if err := json.Unmarshal([]byte(p.s[start:p.i]), &s); err != nil {
		return "", errors.New("quoted string is not a JSON string")
	}
	return s, nil
}
