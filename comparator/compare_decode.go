package comparator

import (
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"unicode/utf8"
)

// keyedArray is an unordered array prepared for go-cmp: its elements by key,
// "line_no=2" for the element whose line_no is 2.
type keyedArray map[string]any

// indexedArray is an ordered array prepared for go-cmp: its elements by
// position. As a map it is compared position by position, the same way in
// every run (see options.go).
type indexedArray map[int]any

// MarshalJSON writes the elements as an array, sorted by key.
func (a keyedArray) MarshalJSON() ([]byte, error) {
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]any, len(keys))
	for i, k := range keys {
		out[i] = a[k]
	}
	return json.Marshal(out)
}

// MarshalJSON writes the elements as an array, in their original order.
func (a indexedArray) MarshalJSON() ([]byte, error) {
	out := make([]any, len(a))
	for i := range out {
		out[i] = a[i]
	}
	return json.Marshal(out)
}

// decode reads one side of a pair and prepares it for go-cmp. side is
// "control" or "candidate" and appears in errors. The tree's strings point
// into data.
func (r *Rules) decode(data string, side string) (map[string]any, error) {
	v, err := r.read(data, side, false)
	if err != nil {
		return nil, err
	}
	obj := v.(map[string]any)
	p := preparer{r: r, path: make([]seg, 0, 8)}
	if err := p.object(obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// check returns the error decode would return for data, building nothing.
func (r *Rules) check(data string, side string) error {
	_, err := r.read(data, side, true)
	return err
}

// read parses one side of a pair, which must be a JSON object in valid
// UTF-8, with parseJSON, or with checkJSON when only its errors matter.
func (r *Rules) read(data string, side string, onlyCheck bool) (any, error) {
	if !utf8.ValidString(data) {
		return nil, &DecodeError{Field: "$", Msg: side + " record is not valid UTF-8"}
	}
	var v any
	var err error
	if onlyCheck {
		v, err = checkJSON(data)
	} else {
		v, err = parseJSON(data, r.nullEqualsAbsent)
	}
	if err != nil {
		var ce *CompareError
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, &DecodeError{Field: "$", Msg: side + " record is not valid JSON: " + err.Error(), Err: err}
	}
	if _, ok := v.(map[string]any); !ok && v != checkedObject {
		return nil, &DecodeError{Field: "$", Msg: side + " record is not a JSON object"}
	}
	return v, nil
}

// preparer rewrites a decoded record in place for go-cmp: arrays become
// keyedArray or indexedArray, and strings under case_insensitive become
// foldedString. (The parser already dropped nulls under null_equals_absent
// and checked numbers.)
type preparer struct {
	r    *Rules
	path []seg
}

// value prepares v, found at p.path, and returns what replaces it.
func (p *preparer) value(v any) (any, error) {
	switch v := v.(type) {
	case map[string]any:
		return v, p.object(v)
	case []any:
		return p.array(v)
	case string:
		if coveredBy(p.r.caseInsensitive, p.path) {
			return foldedString(v), nil
		}
	}
	return v, nil
}

// child prepares the value v under segment s. The parser has bounded the
// depth, and so the path's length.
func (p *preparer) child(s seg, v any) (any, error) {
	p.path = append(p.path, s)
	nv, err := p.value(v)
	p.path = p.path[:len(p.path)-1]
	return nv, err
}

// object prepares the members of m in place.
func (p *preparer) object(m map[string]any) error {
	fold := len(p.r.caseInsensitive) > 0
	for k, v := range m {
		switch v.(type) {
		case map[string]any:
		case []any:
		case string:
			if !fold {
				continue
			}
		default:
			continue // numbers, booleans and nulls need nothing
		}
		nv, err := p.child(seg{kind: segField, name: k}, v)
		if err != nil {
			return err
		}
		m[k] = nv
	}
	return nil
}

// array prepares a as a keyedArray when unordered names its path and every
// element can be keyed, and as an indexedArray otherwise.
func (p *preparer) array(a []any) (any, error) {
	for _, u := range p.r.unordered {
		if u.path.names(p.path) {
			if keyed, ok := keyElements(a, u.field); ok {
				return keyed, p.keyedElements(keyed, u.field)
			}
			break
		}
	}
	out := make(indexedArray, len(a))
	for i, v := range a {
		nv, err := p.child(seg{kind: segIndex, value: strconv.Itoa(i)}, v)
		if err != nil {
			return nil, err
		}
		out[i] = nv
	}
	return out, nil
}

// keyElements maps each element of a by the value of its field. It reports
// false, and the array is then compared in order, when an element is not an
// object, lacks the field, has a null, object or array there, or repeats
// another element's key: a set needs one scalar key per element.
func keyElements(a []any, field string) (keyedArray, bool) {
	out := make(keyedArray, len(a))
	for _, el := range a {
		m, ok := el.(map[string]any)
		if !ok {
			return nil, false
		}
		kv, ok := renderKeyValue(m[field])
		if !ok {
			return nil, false
		}
		k := field + "=" + kv
		if _, dup := out[k]; dup {
			return nil, false
		}
		out[k] = el
	}
	return out, true
}

// keyedElements prepares each element of a in place, under its keyed path.
func (p *preparer) keyedElements(a keyedArray, field string) error {
	for k, v := range a {
		nv, err := p.child(seg{kind: segKeyed, name: field, value: k[len(field)+1:]}, v)
		if err != nil {
			return err
		}
		a[k] = nv
	}
	return nil
}
