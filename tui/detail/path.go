package detail

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// seg is one segment of a comparator field path (see comparator/paths.go):
// a member (name), an element by position (index), or an element of an
// unordered array by its key field (name=value).
type seg struct {
	kind  byte // '.', '#' (position) or '=' (keyed)
	name  string
	index int
	value string // keyed: the key value, unquoted
}

// parsePath parses a field path such as `lines[line_no=2].tax_minor`,
// `tenders[1].amount_minor` or `["odd key"].x`.
func parsePath(p string) ([]seg, error) {
	var out []seg
	for i := 0; i < len(p); {
		switch {
		case p[i] == '.':
			i++
		case p[i] == '[':
			s, n, err := parseBracket(p[i+1:])
			if err != nil {
				return nil, fmt.Errorf("path %q: %w", p, err)
			}
			out = append(out, s)
			i += 1 + n
		default:
			j := i
			for j < len(p) && p[j] != '.' && p[j] != '[' {
				j++
			}
			out = append(out, seg{kind: '.', name: p[i:j]})
			i = j
		}
	}
	return out, nil
}

// parseBracket parses what follows a "[" and returns the segment and the
// number of bytes read, "]" included.
func parseBracket(s string) (seg, int, error) {
	if strings.HasPrefix(s, `"`) {
		name, n, err := jsonString(s)
		if err != nil || !strings.HasPrefix(s[n:], "]") {
			return seg{}, 0, errors.New("bad quoted member")
		}
		return seg{kind: '.', name: name}, n + 1, nil
	}
	eq := strings.IndexAny(s, "=]")
	if eq < 0 {
		return seg{}, 0, errors.New("unclosed [")
	}
	if s[eq] == ']' {
		i, err := strconv.Atoi(s[:eq])
		if err != nil {
			return seg{}, 0, fmt.Errorf("bad index %q", s[:eq])
		}
		return seg{kind: '#', index: i}, eq + 1, nil
	}
	field, rest := s[:eq], s[eq+1:]
	if strings.HasPrefix(rest, `"`) {
		v, n, err := jsonString(rest)
		if err != nil || !strings.HasPrefix(rest[n:], "]") {
			return seg{}, 0, errors.New("bad quoted key value")
		}
		return seg{kind: '=', name: field, value: v}, eq + 1 + n + 1, nil
	}
	end := strings.IndexByte(rest, ']')
	if end < 0 {
		return seg{}, 0, errors.New("unclosed [")
	}
	return seg{kind: '=', name: field, value: rest[:end]}, eq + 1 + end + 1, nil
}

// jsonString decodes the JSON string at the start of s and returns it and
// its length in s.
func jsonString(s string) (string, int, error) {
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			var v string
			err := json.Unmarshal([]byte(s[:i+1]), &v)
			return v, i + 1, err
		}
	}
	return "", 0, errors.New("unterminated string")
}

// find returns the node at path under n, or nil when the record has none.
func find(n *node, path []seg) *node {
	for _, s := range path {
		if n == nil {
			return nil
		}
		n = child(n, s)
	}
	return n
}

func child(n *node, s seg) *node {
	switch {
	case s.kind == '.' && n.kind == '{':
		for i, name := range n.names {
			if name == s.name {
				return n.kids[i]
			}
		}
	case s.kind == '#' && n.kind == '[':
		if s.index >= 0 && s.index < len(n.kids) {
			return n.kids[s.index]
		}
	case s.kind == '=' && n.kind == '[':
		for _, el := range n.kids {
			if k := child(el, seg{kind: '.', name: s.name}); k != nil && k.kind == 0 && keyMatches(k.scalar, s.value) {
				return el
			}
		}
	}
	return nil
}

// keyMatches reports whether a key field's JSON text is the path's rendered
// key value: numbers compare by value (the path writes 2.0 as 2), strings
// by their text.
func keyMatches(scalar, value string) bool {
	if scalar == value {
		return true
	}
	if a, err := strconv.ParseFloat(scalar, 64); err == nil {
		b, err := strconv.ParseFloat(value, 64)
		return err == nil && a == b
	}
	var s string
	return json.Unmarshal([]byte(scalar), &s) == nil && s == value
}
