package comparator

import (
	"encoding/json"
	"strconv"
)

// scanLimit is the size up to which members and keys are matched by
// scanning; above it a map is built (a record rarely has such objects).
const scanLimit = 64

// names finds the members of one object by decoded name: the first one of
// a name fixes its place in the order, the last one its value (as decode
// keeps it).
type names struct {
	d    *rawDoc
	kids []int32
	at   map[string][2]int // first and last position by name; nil below scanLimit
}

func newNames(d *rawDoc, kids []int32) names {
	n := names{d: d, kids: kids}
	if len(kids) > scanLimit {
		n.at = make(map[string][2]int, len(kids))
		for i := range kids {
			name := n.name(i)
			p, ok := n.at[name]
			if !ok {
				p[0] = i
			}
			p[1] = i
			n.at[name] = p
		}
	}
	return n
}

// name returns the decoded name of the member at position i.
func (n names) name(i int) string { return n.d.key(n.kids[i]) }

// first and last return the position of the first and last member called
// name, or -1.
func (n names) first(name string) int {
	if n.at != nil {
		if p, ok := n.at[name]; ok {
			return p[0]
		}
		return -1
	}
	for i := range n.kids {
		if n.name(i) == name {
			return i
		}
	}
	return -1
}

func (n names) last(name string) int {
	if n.at != nil {
		if p, ok := n.at[name]; ok {
			return p[1]
		}
		return -1
	}
	for i := len(n.kids) - 1; i >= 0; i-- {
		if n.name(i) == name {
			return i
		}
	}
	return -1
}

// isFirst reports whether the member at position i is the first of its name.
func (n names) isFirst(i int) bool { return n.first(n.name(i)) == i }

// next returns the first position from i of a member that is the first of
// its name and that other has too, or len(n.kids).
func (n names) next(i int, other names) int {
	for i < len(n.kids) && !(n.isFirst(i) && other.last(n.name(i)) >= 0) {
		i++
	}
	return i
}

// sameOrder reports whether the names both objects have come in the same
// order.
func sameOrder(x, y names) bool {
	i, j := x.next(0, y), y.next(0, x)
	for i < len(x.kids) && j < len(y.kids) {
		if x.name(i) != y.name(j) {
			return false
		}
		i, j = x.next(i+1, y), y.next(j+1, x)
	}
	return i == len(x.kids) && j == len(y.kids)
}

// object compares two objects: the order of the members both have, the
// spelling of their names, a member null on one side and absent on the
// other under null_equals_absent, then each shared member.
func (w *formatWalk) object(xi, yi int32) {
	nx, ny := newNames(w.x, w.x.children(xi)), newNames(w.y, w.y.children(yi))
	if sameNames(nx, ny) {
		w.sameMembers(nx, ny)
		return
	}
	if !sameOrder(nx, ny) {
		w.add(PathValueOrder)
	}
	for i := range nx.kids {
		if !nx.isFirst(i) {
			w.content = true // a repeated name: decode keeps one of its values
			continue
		}
		name := nx.name(i)
		vx, j := nx.kids[nx.last(name)], ny.last(name)
		if j < 0 {
			w.nullVersusAbsent(name, w.x, vx)
			continue
		}
		if w.x.rawName(vx) != w.y.rawName(ny.kids[j]) {
			w.add(PathValueStrings)
		}
		w.child(seg{kind: segField, name: name}, vx, ny.kids[j])
	}
	for j := range ny.kids {
		name := ny.name(j)
		switch {
		case !ny.isFirst(j):
			w.content = true
		case nx.last(name) < 0:
			w.nullVersusAbsent(name, w.y, ny.kids[ny.last(name)])
		}
	}
}

// sameNames reports whether two objects have the same member names in the
// same places: the common case, matched without searching.
func sameNames(x, y names) bool {
	if len(x.kids) != len(y.kids) {
		return false
	}
	for i := range x.kids {
		if x.name(i) != y.name(i) {
			return false
		}
	}
	return true
}

// sameMembers compares the members of two objects with the same names in
// the same places, place by place: a name repeated is compared at its last
// place only, whose value decode keeps.
func (w *formatWalk) sameMembers(x, y names) {
	for i := range x.kids {
		name := x.name(i)
		if x.last(name) != i {
			w.content = true // a repeated name: decode keeps one of its values
			continue
		}
		if w.x.rawName(x.kids[i]) != w.y.rawName(y.kids[i]) {
			w.add(PathValueStrings)
		}
		w.child(seg{kind: segField, name: name}, x.kids[i], y.kids[i])
	}
}

// nullVersusAbsent adds the path of a member that one side has as null and
// the other lacks, when null_equals_absent makes them equal; otherwise the
// member is a difference of content.
func (w *formatWalk) nullVersusAbsent(name string, d *rawDoc, v int32) {
	if w.r.nullEqualsAbsent && d.nodes[v].kind == 'l' && d.text(v) == "null" {
		w.path = append(w.path, seg{kind: segField, name: name})
		w.here()
		w.path = w.path[:len(w.path)-1]
		return
	}
	w.content = true
}

// array compares two arrays as decode pairs their elements: by key when
// unordered names the path and both can be keyed (the array's path is
// added when the keys come in another order), else by position.
func (w *formatWalk) array(xi, yi int32) {
	xk, yk := w.x.children(xi), w.y.children(yi)
	for _, u := range w.r.unordered {
		if !u.path.names(w.path) {
			continue
		}
		kx, okX := rawKeys(w.x, xk, u.field)
		ky, okY := rawKeys(w.y, yk, u.field)
		if okX && okY {
			w.keyed(xk, yk, u.field, kx, ky)
			return
		}
		// decode compares a keyed array with one in order as unequal
		w.content = w.content || okX != okY
		break
	}
	w.content = w.content || len(xk) != len(yk)
	for i := range min(len(xk), len(yk)) {
		w.child(seg{kind: segIndex, value: strconv.Itoa(i)}, xk[i], yk[i])
	}
}

// keyed compares the elements of two keyed arrays by key.
func (w *formatWalk) keyed(xk, yk []int32, field string, kx, ky []string) {
	py := keyPositions(ky)
	if !sameKeyOrder(kx, py) {
		w.here()
	}
	w.content = w.content || len(kx) != len(ky) // keys are distinct on each side
	for i, k := range kx {
		if j := py(k); j >= 0 {
			w.child(seg{kind: segKeyed, name: field, value: k}, xk[i], yk[j])
		} else {
			w.content = true
		}
	}
}

// keyPositions returns a lookup of each key's position, -1 when absent.
func keyPositions(keys []string) func(string) int {
	if len(keys) <= scanLimit {
		return func(k string) int {
			for i, v := range keys {
				if v == k {
					return i
				}
			}
			return -1
		}
	}
	at := make(map[string]int, len(keys))
	for i, k := range keys {
		at[k] = i
	}
	return func(k string) int {
		if i, ok := at[k]; ok {
			return i
		}
		return -1
	}
}

// sameKeyOrder reports whether the keys of own that the other array has
// too come in its order: their positions there (pos) increase. Keys are
// distinct on each side, so this is the same order both ways.
func sameKeyOrder(own []string, pos func(string) int) bool {
	prev := -1
	for _, k := range own {
		if j := pos(k); j >= 0 {
			if j < prev {
				return false
			}
			prev = j
		}
	}
	return true
}

// rawKeys returns the rendered key of each element of an array, as
// keyElements does for decoded arrays, and false when an element cannot be
// keyed.
func rawKeys(d *rawDoc, elems []int32, field string) ([]string, bool) {
	out := make([]string, len(elems))
	for i, el := range elems {
		if d.nodes[el].kind != '{' {
			return nil, false
		}
		members := newNames(d, d.children(el))
		j := members.last(field)
		if j < 0 {
			return nil, false
		}
		k, ok := renderKeyValue(rawScalar(d, members.kids[j]))
		if !ok {
			return nil, false
		}
		out[i] = k
	}
	pos := keyPositions(out)
	for i, k := range out {
		if pos(k) != i {
			return nil, false // a key repeated
		}
	}
	return out, true
}

// rawScalar decodes node i as decode would; objects and arrays give nil.
func rawScalar(d *rawDoc, i int32) any {
	switch text := d.text(i); {
	case d.nodes[i].kind == '"':
		return unquote(text)
	case d.nodes[i].kind == '0':
		return json.Number(text)
	case text == "true":
		return true
	case text == "false":
		return false
	}
	return nil
}
