package detail

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// mark is how a line of a record relates to the pair's differences.
type mark uint8

const (
	plain     mark = iota
	accepted       // under a difference an accept rule explains
	divergent      // under a difference beyond the rules
)

// node is a JSON value that keeps the order of its object members, so a
// record is shown as it was written.
type node struct {
	kind   byte // '{', '[' or 0 for a scalar
	names  []string
	kids   []*node
	scalar string // the scalar's JSON text
	mark   mark
}

// maxDepth bounds how deeply parse nests, so a hostile record cannot
// exhaust the stack.
const maxDepth = 200

// parse reads one JSON value, keeping member order.
func parse(raw []byte) (*node, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	n, err := parseValue(dec, 0)
	if err != nil {
		return nil, err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("trailing data after the JSON value")
	}
	return n, nil
}

func parseValue(dec *json.Decoder, depth int) (*node, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nested deeper than %d", maxDepth)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		n := &node{kind: byte(t)}
		for dec.More() {
			if n.kind == '{' {
				name, err := dec.Token()
				if err != nil {
					return nil, err
				}
				s, _ := name.(string) // object keys are always strings
				n.names = append(n.names, s)
			}
			kid, err := parseValue(dec, depth+1)
			if err != nil {
				return nil, err
			}
			n.kids = append(n.kids, kid)
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return nil, err
		}
		return n, nil
	case string:
		return &node{scalar: quote(t)}, nil
	case json.Number:
		return &node{scalar: t.String()}, nil
	case bool:
		return &node{scalar: fmt.Sprint(t)}, nil
	case nil:
		return &node{scalar: "null"}, nil
	}
	return nil, fmt.Errorf("unexpected JSON token %v", tok)
}

// quote writes s as a JSON string, without escaping HTML characters.
func quote(s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(s) // a string always encodes
	return strings.TrimSuffix(b.String(), "\n")
}

// line is one line of a pretty-printed record.
type line struct {
	text string
	mark mark
}

// render pretty-prints n with two-space indents, each line carrying the
// mark of the innermost marked value it belongs to.
func render(n *node) []line {
	var out []line
	renderInto(&out, n, "", "", "", plain)
	return out
}

// renderInto appends n's lines: prefix goes before its first line (the
// member name), suffix after its last (a comma).
func renderInto(out *[]line, n *node, indent, prefix, suffix string, inherited mark) {
	m := max(n.mark, inherited)
	if n.kind == 0 {
		*out = append(*out, line{indent + prefix + n.scalar + suffix, m})
		return
	}
	closing := "}"
	if n.kind == '[' {
		closing = "]"
	}
	if len(n.kids) == 0 {
		*out = append(*out, line{indent + prefix + string(n.kind) + closing + suffix, m})
		return
	}
	*out = append(*out, line{indent + prefix + string(n.kind), m})
	for i, kid := range n.kids {
		p, s := "", ","
		if n.kind == '{' {
			p = quote(n.names[i]) + ": "
		}
		if i == len(n.kids)-1 {
			s = ""
		}
		renderInto(out, kid, indent+"  ", p, s, m)
	}
	*out = append(*out, line{indent + closing + suffix, m})
}
