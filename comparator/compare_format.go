package comparator

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
)

// This file finds how two values whose bytes differ differ in form: the
// $value paths (paths_meta.go), and the value paths whose difference the
// rules' normalisation removes. It reads both values again, keeping what
// parsing forgets (member order, literals as written, whitespace), and
// walks them side by side as the rules pair their parts. A part whose
// values really differ is left to go-cmp and judge. It runs only on values
// whose bytes differ, both already parsed successfully by decode.

// rawNode is a JSON value as written.
type rawNode struct {
	kind  byte       // '{' object, '[' array, '"' string, '0' number, 'l' true, false or null
	text  string     // a scalar's literal, a string with its quotes
	names []string   // an object's member names, as written (quoted)
	items []*rawNode // an object's member values, or an array's elements
}

// rawReader reads a value that decode has already accepted. On anything
// unexpected it stops and returns what it has (it never panics).
type rawReader struct {
	s     string
	i     int
	space map[string]bool // the distinct runs of whitespace between tokens
}

func readRaw(s string) (*rawNode, map[string]bool) {
	rd := rawReader{s: s, space: map[string]bool{}}
	return rd.value(), rd.space
}

func (rd *rawReader) skipSpace() {
	start := rd.i
	for rd.i < len(rd.s) && strings.IndexByte(" \t\n\r", rd.s[rd.i]) >= 0 {
		rd.i++
	}
	if rd.i > start {
		rd.space[rd.s[start:rd.i]] = true
	}
}

func (rd *rawReader) value() *rawNode {
	rd.skipSpace()
	if rd.i >= len(rd.s) {
		return nil
	}
	switch c := rd.s[rd.i]; {
	case c == '{' || c == '[':
		return rd.container(c)
	case c == '"':
		return &rawNode{kind: '"', text: rd.str()}
	case c == '-' || isDigit(c):
		start := rd.i
		for rd.i < len(rd.s) && strings.IndexByte("+-.eE0123456789", rd.s[rd.i]) >= 0 {
			rd.i++
		}
		return &rawNode{kind: '0', text: rd.s[start:rd.i]}
	default:
		start := rd.i
		for rd.i < len(rd.s) && rd.s[rd.i] >= 'a' && rd.s[rd.i] <= 'z' {
			rd.i++
		}
		return &rawNode{kind: 'l', text: rd.s[start:rd.i]}
	}
}

// container reads an object or an array.
func (rd *rawReader) container(open byte) *rawNode {
	n := &rawNode{kind: open}
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	rd.i++
	for {
		rd.skipSpace()
		if rd.i >= len(rd.s) || rd.s[rd.i] == closing {
			rd.i++
			return n
		}
		if open == '{' {
			n.names = append(n.names, rd.str())
			rd.skipSpace()
			rd.i++ // ':'
		}
		v := rd.value()
		if v == nil {
			return n
		}
		n.items = append(n.items, v)
		rd.skipSpace()
		if rd.i < len(rd.s) && rd.s[rd.i] == ',' {
			rd.i++
		}
	}
}

// str reads a string literal and returns it with its quotes.
func (rd *rawReader) str() string {
	start := rd.i
	rd.i++
	for rd.i < len(rd.s) && rd.s[rd.i] != '"' {
		if rd.s[rd.i] == '\\' {
			rd.i++
		}
		rd.i++
	}
	rd.i++
	return rd.s[start:min(rd.i, len(rd.s))]
}

// unquote decodes a string literal as written.
func unquote(lit string) string {
	if len(lit) >= 2 && !strings.Contains(lit, `\`) {
		return lit[1 : len(lit)-1]
	}
	var s string
	if json.Unmarshal([]byte(lit), &s) != nil {
		return lit
	}
	return s
}

// formatWalk collects what formats finds.
type formatWalk struct {
	r     *Rules
	path  []seg
	found []string
}

// formats returns how two values differ in form where they do not differ
// in content: $value.order, .numbers, .strings, .space, and the paths of
// the differences null_equals_absent, normalize and unordered remove.
func (r *Rules) formats(control, candidate []byte) []string {
	x, spaceX := readRaw(string(control))
	y, spaceY := readRaw(string(candidate))
	w := formatWalk{r: r, path: make([]seg, 0, 8)}
	w.walk(x, y)
	if !maps.Equal(spaceX, spaceY) {
		w.add(PathValueSpace)
	}
	return w.found
}

func (w *formatWalk) add(path string) {
	if !slices.Contains(w.found, path) {
		w.found = append(w.found, path)
	}
}

// here adds the current path: a difference the rules normalise away.
func (w *formatWalk) here() { w.add(formatPath(w.path)) }

func (w *formatWalk) child(s seg, x, y *rawNode) {
	w.path = append(w.path, s)
	w.walk(x, y)
	w.path = w.path[:len(w.path)-1]
}

// walk compares x and y, found at w.path.
func (w *formatWalk) walk(x, y *rawNode) {
	if x == nil || y == nil || x.kind != y.kind {
		return // a real difference, or none to see
	}
	switch x.kind {
	case '{':
		w.object(x, y)
	case '[':
		w.array(x, y)
	case '"':
		if x.text == y.text {
			return
		}
		sx, sy := unquote(x.text), unquote(y.text)
		switch {
		case sx == sy:
			w.add(PathValueStrings)
		case w.r.normalizedEqual(w.path, sx, sy):
			w.here()
		}
	case '0':
		if x.text != y.text && numbersEqual(json.Number(x.text), json.Number(y.text)) {
			w.add(PathValueNumbers)
		}
	}
}

// normalizedEqual reports whether two different strings at path are equal
// under normalize.
func (r *Rules) normalizedEqual(path []seg, x, y string) bool {
	if r.trim {
		x, y = strings.TrimSpace(x), strings.TrimSpace(y)
	}
	if coveredBy(r.caseInsensitive, path) {
		return strings.EqualFold(x, y)
	}
	return x == y
}

// members returns an object's members by decoded name (the last one of a
// name wins, as in decode) and the names in first-appearance order.
func members(n *rawNode) (map[string]int, []string) {
	at := make(map[string]int, len(n.names))
	var order []string
	for i, lit := range n.names {
		name := unquote(lit)
		if _, seen := at[name]; !seen {
			order = append(order, name)
		}
		at[name] = i
	}
	return at, order
}

// object compares two objects: the order of the members both have, the
// spelling of their names, a member null on one side and absent on the
// other under null_equals_absent, then each shared member.
func (w *formatWalk) object(x, y *rawNode) {
	atX, orderX := members(x)
	atY, orderY := members(y)
	if !slices.Equal(shared(orderX, atY), shared(orderY, atX)) {
		w.add(PathValueOrder)
	}
	for _, name := range orderX {
		i := atX[name]
		j, ok := atY[name]
		if !ok {
			w.nullVersusAbsent(name, x.items[i])
			continue
		}
		if x.names[i] != y.names[j] {
			w.add(PathValueStrings)
		}
		w.child(seg{kind: segField, name: name}, x.items[i], y.items[j])
	}
	for _, name := range orderY {
		if _, ok := atX[name]; !ok {
			w.nullVersusAbsent(name, y.items[atY[name]])
		}
	}
}

// shared returns the names in order that the other object has too.
func shared(order []string, other map[string]int) []string {
	out := make([]string, 0, len(order))
	for _, name := range order {
		if _, ok := other[name]; ok {
			out = append(out, name)
		}
	}
	return out
}

// nullVersusAbsent adds the path of a member that one side has as null and
// the other lacks, when null_equals_absent makes them equal.
func (w *formatWalk) nullVersusAbsent(name string, v *rawNode) {
	if w.r.nullEqualsAbsent && v.kind == 'l' && v.text == "null" {
		w.path = append(w.path, seg{kind: segField, name: name})
		w.here()
		w.path = w.path[:len(w.path)-1]
	}
}

// array compares two arrays as decode pairs their elements: by key when
// unordered names the path and both can be keyed (the array's path is
// added when the keys come in another order), else by position.
func (w *formatWalk) array(x, y *rawNode) {
	for _, u := range w.r.unordered {
		if !u.path.names(w.path) {
			continue
		}
		kx, okX := rawKeys(x, u.field)
		ky, okY := rawKeys(y, u.field)
		if okX && okY {
			w.keyed(x, y, u.field, kx, ky)
			return
		}
		break
	}
	for i := range min(len(x.items), len(y.items)) {
		w.child(seg{kind: segIndex, value: strconv.Itoa(i)}, x.items[i], y.items[i])
	}
}

// keyed compares the elements of two keyed arrays by key.
func (w *formatWalk) keyed(x, y *rawNode, field string, kx, ky []string) {
	atY := make(map[string]int, len(ky))
	for j, k := range ky {
		atY[k] = j
	}
	atX := make(map[string]int, len(kx))
	for i, k := range kx {
		atX[k] = i
	}
	if !slices.Equal(shared(kx, atY), shared(ky, atX)) {
		w.here()
	}
	for i, k := range kx {
		if j, ok := atY[k]; ok {
			w.child(seg{kind: segKeyed, name: field, value: k}, x.items[i], y.items[j])
		}
	}
}

// rawKeys returns the rendered key of each element of a, as keyElements
// does for decoded arrays, and false when an element cannot be keyed.
func rawKeys(a *rawNode, field string) ([]string, bool) {
	out := make([]string, len(a.items))
	for i, el := range a.items {
		if el.kind != '{' {
			return nil, false
		}
		at, _ := members(el)
		j, ok := at[field]
		if !ok {
			return nil, false
		}
		k, ok := renderKeyValue(rawScalar(el.items[j]))
		if !ok || slices.Contains(out[:i], k) {
			return nil, false
		}
		out[i] = k
	}
	return out, true
}

// rawScalar decodes a scalar as decode would; objects and arrays give nil.
func rawScalar(n *rawNode) any {
	switch {
	case n.kind == '"':
		return unquote(n.text)
	case n.kind == '0':
		return json.Number(n.text)
	case n.text == "true":
		return true
	case n.text == "false":
		return false
	}
	return nil
}
