package comparator

import (
	"bytes"
	"encoding/json"
	"math/big"
	"time"
)

// judge applies ignore, tolerance and accept, in that order, to the raw
// differences and renders what is left; vanished are the paths of the
// differences ignore and tolerance dropped.
func (r *Rules) judge(raw []rawDiff) (out []FieldDiff, vanished []string, err error) {
	for _, d := range raw {
		if coveredBy(r.ignore, d.path) || r.tolerated(d) {
			vanished = append(vanished, formatPath(d.path))
			continue
		}
		fd, err := d.render()
		if err != nil {
			return nil, nil, err
		}
		fd.Rule = r.acceptedBy(d)
		out = append(out, fd)
	}
	return out, vanished, nil
}

// tolerated reports whether a tolerance covering d's path allows its numeric
// difference.
func (r *Rules) tolerated(d rawDiff) bool {
	for _, t := range r.tolerance {
		if t.path.covers(d.path) && numbersWithin(d, t.rat) {
			return true
		}
	}
	return false
}

// acceptedBy returns the name of the first accept rule that accepts d, or "".
func (r *Rules) acceptedBy(d rawDiff) string {
	for _, a := range r.accept {
		if coveredBy(a.paths, d.path) && a.when.holds(d) {
			return a.name
		}
	}
	return ""
}

// holds reports whether every condition set in c holds for d.
func (c condition) holds(d rawDiff) bool {
	if c.tolerance != nil && !numbersWithin(d, c.toleranceRat) {
		return false
	}
	if c.maxDays != nil && !datesWithin(d, *c.maxDays) {
		return false
	}
	if c.pattern != nil {
		x, okX := text(d.control, d.hasControl)
		y, okY := text(d.candidate, d.hasCandidate)
		if !okX || !okY || !c.pattern.MatchString(x) || !c.pattern.MatchString(y) {
			return false
		}
	}
	return true
}

// numbersWithin reports whether both sides of d are numbers at most limit
// apart.
func numbersWithin(d rawDiff, limit *big.Rat) bool {
	x, okX := d.control.(json.Number)
	y, okY := d.candidate.(json.Number)
	if !okX || !okY {
		return false
	}
	return withinTolerance(x, y, limit)
}

// datesWithin reports whether both sides of d are YYYY-MM-DD dates at most
// days apart.
func datesWithin(d rawDiff, days int) bool {
	x, okX := date(d.control)
	y, okY := date(d.candidate)
	if !okX || !okY {
		return false
	}
	delta := x.Sub(y)
	if delta < 0 {
		delta = -delta
	}
	return delta <= time.Duration(days)*24*time.Hour
}

// date parses v as a YYYY-MM-DD string.
func date(v any) (time.Time, bool) {
	s, ok := stringOf(v)
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.DateOnly, s)
	return t, err == nil
}

// stringOf returns the contents of a string value, case-folded or not.
func stringOf(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case foldedString:
		return string(v), true
	}
	return "", false
}

// text returns what a pattern condition matches: a string's contents, or a
// number or boolean as written. Absent values, nulls, objects and arrays
// have no text.
func text(v any, present bool) (string, bool) {
	if !present {
		return "", false
	}
	switch v := v.(type) {
	case json.Number:
		return string(v), true
	case bool:
		if v {
			return "true", true
		}
		return "false", true
	}
	return stringOf(v)
}

// render turns d into a FieldDiff, writing each side as JSON.
func (d rawDiff) render() (FieldDiff, error) {
	x, err := renderValue(d.control, d.hasControl)
	if err != nil {
		return FieldDiff{}, err
	}
	y, err := renderValue(d.candidate, d.hasCandidate)
	if err != nil {
		return FieldDiff{}, err
	}
	return FieldDiff{Path: formatPath(d.path), Control: x, Candidate: y}, nil
}

// renderValue returns v as JSON, without HTML escaping; an absent value is
// null.
func renderValue(v any, present bool) (json.RawMessage, error) {
	if !present || v == nil {
		return json.RawMessage("null"), nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, &CompareError{Msg: "render a differing value as JSON: " + err.Error(), Err: err}
	}
	return json.RawMessage(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}
