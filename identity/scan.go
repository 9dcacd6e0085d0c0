package identity

import (
	"bytes"
	"fmt"
)

// scanTop walks the top level of the JSON object b, storing in found[i] the
// raw value of the member named wanted[i] (the last one, if repeated).
// Nested values are skipped by matching brackets, not validated.
func scanTop(b []byte, wanted []string, found [][]byte) error {
	s := topScanner{b: b}
	s.space()
	if !s.consume('{') {
		return &DecodeError{Field: "$", Msg: "record is not a JSON object"}
	}
	s.space()
	if s.consume('}') {
		return s.end()
	}
	for {
		s.space()
		nameStart := s.i + 1
		if !s.str() {
			return s.fail("want a member name")
		}
		name := b[nameStart : s.i-1]
		s.space()
		if !s.consume(':') {
			return s.fail(`want ":"`)
		}
		s.space()
		valueStart := s.i
		if !s.value() {
			return s.fail("want a JSON value")
		}
		if i := matchWanted(name, wanted); i >= 0 {
			found[i] = b[valueStart:s.i]
		}
		s.space()
		switch {
		case s.consume(','):
		case s.consume('}'):
			return s.end()
		default:
			return s.fail(`want "," or "}"`)
		}
	}
}

// topScanner reads JSON at a byte offset.
type topScanner struct {
	b []byte
	i int
}

// fail reports malformed JSON at the current offset.
func (s *topScanner) fail(want string) error {
	return &DecodeError{Field: "$", Msg: fmt.Sprintf("record is not a valid JSON object: %s at byte %d", want, s.i)}
}

// end checks that only white space follows the object.
func (s *topScanner) end() error {
	s.space()
	if s.i != len(s.b) {
		return s.fail("want the end of the record")
	}
	return nil
}

func (s *topScanner) space() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// consume skips c if it is next.
func (s *topScanner) consume(c byte) bool {
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// str skips a string literal starting at s.i. A quote ends the literal
// unless an odd number of backslashes precede it.
func (s *topScanner) str() bool {
	if !s.consume('"') {
		return false
	}
	for {
		q := bytes.IndexByte(s.b[s.i:], '"')
		if q < 0 {
			return false
		}
		end := s.i + q
		s.i = end + 1
		backslashes := 0
		for j := end - 1; j >= 0 && s.b[j] == '\\'; j-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return true
		}
	}
}

// value skips one JSON value starting at s.i.
func (s *topScanner) value() bool {
	if s.i >= len(s.b) {
		return false
	}
	switch c := s.b[s.i]; {
	case c == '"':
		return s.str()
	case c == '{' || c == '[':
		return s.nested()
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || isDigit(c):
		start := s.i
		for s.i < len(s.b) && numberByte[s.b[s.i]] {
			s.i++
		}
		return s.i > start
	}
	return false
}

// numberByte marks the bytes a JSON number is made of.
var numberByte = [256]bool{'0': true, '1': true, '2': true, '3': true, '4': true, '5': true,
	'6': true, '7': true, '8': true, '9': true, '-': true, '+': true, '.': true, 'e': true, 'E': true}

// structural marks the bytes nested must look at.
var structural = [256]bool{'"': true, '{': true, '[': true, '}': true, ']': true}

func (s *topScanner) literal(word string) bool {
	if bytes.HasPrefix(s.b[s.i:], []byte(word)) {
		s.i += len(word)
		return true
	}
	return false
}

// nested skips an object or array by counting brackets outside strings.
func (s *topScanner) nested() bool {
	depth := 0
	for s.i < len(s.b) {
		c := s.b[s.i]
		if !structural[c] {
			s.i++
			continue
		}
		switch c {
		case '"':
			if !s.str() {
				return false
			}
			continue
		case '{', '[':
			depth++
		default:
			depth--
		}
		s.i++
		if depth == 0 {
			return true
		}
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
