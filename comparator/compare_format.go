package comparator

import (
	"encoding/json"
	"slices"
	"strings"
)

// This file finds how two values whose bytes differ differ in form: the
// $value paths (paths_meta.go), and the value paths whose difference the
// rules' normalisation removes. It reads both values, keeping what parsing
// forgets (member order, literals as written, whitespace), and walks them
// side by side as the rules pair their parts. A part whose values really
// differ is left to go-cmp and judge; when there is none, the pair is
// equal under the rules and nothing else runs. It runs only on values
// whose bytes differ, both already checked by Rules.check.
//
// A value is read into one flat slice of nodes (children by index, names
// and literals as substrings of the record), and objects are matched by
// scanning, not by maps: a few allocations per record, which makes a pair
// that differs only in form (v1 writing its members in another order, say)
// about a third of the cost of decoding it into trees.

// rawNode is one JSON value as written. It holds no pointer (its strings
// are spans of the record), so a document is one block the collector need
// not scan.
type rawNode struct {
	kind     byte  // '{' object, '[' array, '"' string, '0' number, 'l' true, false or null
	escName  bool  // its name as a member holds an escape
	text     span  // a scalar's literal, a string with its quotes
	name     span  // as a member of an object: its name as written, with quotes
	first, n int32 // an object's or array's children: kids[first : first+n]
}

// span is s[start:end] of the record.
type span struct{ start, end int32 }

// rawDoc is a value read by readRaw: its root is nodes[0].
type rawDoc struct {
	s     string
	nodes []rawNode
	kids  []int32
	space []string // the distinct runs of whitespace between tokens
}

// children returns the indexes of node i's members or elements.
func (d *rawDoc) children(i int32) []int32 {
	n := &d.nodes[i]
	return d.kids[n.first : n.first+n.n]
}

// text returns node i's literal as written.
func (d *rawDoc) text(i int32) string { return d.s[d.nodes[i].text.start:d.nodes[i].text.end] }

// rawName returns node i's name as written, with its quotes.
func (d *rawDoc) rawName(i int32) string { return d.s[d.nodes[i].name.start:d.nodes[i].name.end] }

// key returns node i's name, decoded.
func (d *rawDoc) key(i int32) string {
	n := &d.nodes[i]
	if !n.escName && n.name.end-n.name.start >= 2 {
		return d.s[n.name.start+1 : n.name.end-1]
	}
	return unquote(d.rawName(i))
}

// rawReader reads a value that decode has already accepted. On anything
// unexpected it stops and returns what it has (it never panics).
type rawReader struct {
	s   string
	i   int
	doc rawDoc
	tmp []int32 // children of the containers being read, innermost last
}

func readRaw(s string) *rawDoc {
	// Every value but the root follows a ':', a '[' or a ',': their count
	// (an overestimate when strings hold them) sizes the slices once.
	n := 1 + strings.Count(s, ":") + strings.Count(s, "[") + strings.Count(s, ",")
	rd := rawReader{s: s, doc: rawDoc{s: s, nodes: make([]rawNode, 0, n), kids: make([]int32, 0, n)}}
	rd.value(span{})
	return &rd.doc
}

func (rd *rawReader) skipSpace() {
	start := rd.i
	for rd.i < len(rd.s) && (rd.s[rd.i] == ' ' || rd.s[rd.i] == '\t' || rd.s[rd.i] == '\n' || rd.s[rd.i] == '\r') {
		rd.i++
	}
	if run := rd.s[start:rd.i]; run != "" && !slices.Contains(rd.doc.space, run) {
		rd.doc.space = append(rd.doc.space, run)
	}
}

// value reads the value at rd.i, a member called name (an empty span for
// none), and returns its index, or -1 at the end of the input.
func (rd *rawReader) value(name span) int32 {
	rd.skipSpace()
	if rd.i >= len(rd.s) {
		return -1
	}
	idx := int32(len(rd.doc.nodes))
	n := rawNode{name: name, escName: strings.IndexByte(rd.s[name.start:name.end], '\\') >= 0}
	start := rd.i
	switch c := rd.s[rd.i]; {
	case c == '{' || c == '[':
		n.kind = c
		rd.doc.nodes = append(rd.doc.nodes, n)
		rd.container(idx, c)
		return idx
	case c == '"':
		n.kind, n.text = '"', rd.str()
		rd.doc.nodes = append(rd.doc.nodes, n)
		return idx
	case c == '-' || isDigit(c):
		n.kind = '0'
		for rd.i < len(rd.s) && strings.IndexByte("+-.eE0123456789", rd.s[rd.i]) >= 0 {
			rd.i++
		}
	default:
		n.kind = 'l'
		for rd.i < len(rd.s) && rd.s[rd.i] >= 'a' && rd.s[rd.i] <= 'z' {
			rd.i++
		}
	}
	n.text = span{int32(start), int32(rd.i)}
	rd.doc.nodes = append(rd.doc.nodes, n)
	return idx
}

// container reads the members or elements of node idx, an object or array.
func (rd *rawReader) container(idx int32, open byte) {
	closing := byte(']')
	if open == '{' {
		closing = '}'
	}
	mark := len(rd.tmp)
	rd.i++
	for {
		rd.skipSpace()
		if rd.i >= len(rd.s) || rd.s[rd.i] == closing {
			rd.i++
			break
		}
		var name span
		if open == '{' {
			name = rd.str()
			rd.skipSpace()
			rd.i++ // ':'
		}
		c := rd.value(name)
		if c < 0 {
			break
		}
		rd.tmp = append(rd.tmp, c)
		rd.skipSpace()
		if rd.i < len(rd.s) && rd.s[rd.i] == ',' {
			rd.i++
		}
	}
	n := &rd.doc.nodes[idx]
	n.first, n.n = int32(len(rd.doc.kids)), int32(len(rd.tmp)-mark)
	rd.doc.kids = append(rd.doc.kids, rd.tmp[mark:]...)
	rd.tmp = rd.tmp[:mark]
}

// str reads a string literal and returns its span, quotes included.
func (rd *rawReader) str() span {
	start := rd.i
	rd.i++
	for {
		j := strings.IndexByte(rd.s[rd.i:], '"')
		if j < 0 {
			rd.i = len(rd.s)
			return span{int32(start), int32(rd.i)}
		}
		rd.i += j + 1
		// The quote ends the string unless an odd run of backslashes
		// escapes it.
		k := rd.i - 1
		for k > start+1 && rd.s[k-1] == '\\' {
			k--
		}
		if (rd.i-1-k)%2 == 0 {
			return span{int32(start), int32(rd.i)}
		}
	}
}

// unquote decodes a string literal as written.
func unquote(lit string) string {
	if len(lit) >= 2 && strings.IndexByte(lit, '\\') < 0 {
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
	x, y  *rawDoc
	path  []seg
	found []string
	// content is set where the walk meets a difference the rules do not
	// remove, or a part it cannot vouch for (a member name repeated, whose
	// value decode chooses).
	content bool
}

// formats returns how two values differ in form where they do not differ
// in content: $value.order, .numbers, .strings, .space, and the paths of
// the differences null_equals_absent, normalize and unordered remove.
// content is false only when the values, once decoded, are equal under
// the rules (FuzzCompare checks that against equal): then the found paths
// are the whole of the pair's verdict, and decode and go-cmp need not run.
func (r *Rules) formats(control, candidate string) (found []string, content bool) {
	w := formatWalk{r: r, x: readRaw(control), y: readRaw(candidate), path: make([]seg, 0, 8)}
	if len(w.x.nodes) > 0 && len(w.y.nodes) > 0 {
		w.walk(0, 0)
	} else {
		w.content = true
	}
	if !sameSet(w.x.space, w.y.space) {
		w.add(PathValueSpace)
	}
	return w.found, w.content
}

// sameSet reports whether a and b hold the same strings.
func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			return false
		}
	}
	return true
}

func (w *formatWalk) add(path string) {
	if !slices.Contains(w.found, path) {
		w.found = append(w.found, path)
	}
}

// here adds the current path: a difference the rules normalise away.
func (w *formatWalk) here() { w.add(formatPath(w.path)) }

func (w *formatWalk) child(s seg, xi, yi int32) {
	w.path = append(w.path, s)
	w.walk(xi, yi)
	w.path = w.path[:len(w.path)-1]
}

// walk compares x's node xi and y's node yi, found at w.path.
func (w *formatWalk) walk(xi, yi int32) {
	kind := w.x.nodes[xi].kind
	if kind != w.y.nodes[yi].kind {
		w.content = true // a real difference
		return
	}
	tx, ty := w.x.text(xi), w.y.text(yi)
	switch kind {
	case '{':
		w.object(xi, yi)
	case '[':
		w.array(xi, yi)
	case '"':
		if tx == ty {
			return
		}
		sx, sy := unquote(tx), unquote(ty)
		switch {
		case sx == sy:
			w.add(PathValueStrings)
		case w.r.normalizedEqual(w.path, sx, sy):
			w.here()
		default:
			w.content = true
		}
	case '0':
		switch {
		case tx == ty:
		case numbersEqual(json.Number(tx), json.Number(ty)):
			w.add(PathValueNumbers)
		default:
			w.content = true
		}
	default: // true, false, null
		w.content = w.content || tx != ty
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
