package comparator

import (
	"reflect"
	"strconv"
	"strings"

	"github.com/google/go-cmp/cmp"
)

var (
	keyedArrayType   = reflect.TypeFor[keyedArray]()
	indexedArrayType = reflect.TypeFor[indexedArray]()
)

// rawDiff is one difference as go-cmp reported it, before the rules judge
// it. A side whose has flag is false lacks the value (a missing member or
// element).
type rawDiff struct {
	path                     []seg
	control, candidate       any
	hasControl, hasCandidate bool
}

// reporter is the cmp.Reporter that collects every leaf difference with its
// path. It keeps one frame per step go-cmp pushes.
type reporter struct {
	frames []frame
	diffs  []rawDiff
}

// frame is one pushed step: the path segment it adds, if any, and whether
// the value it reaches is a prepared array (its map keys are then elements,
// not members).
type frame struct {
	step    cmp.PathStep
	seg     seg
	hasSeg  bool
	keyed   bool
	indexed bool
}

// PushStep records the segment a step adds: map keys become members or
// array elements; type assertions and the root add none.
func (r *reporter) PushStep(ps cmp.PathStep) {
	f := frame{step: ps, keyed: ps.Type() == keyedArrayType, indexed: ps.Type() == indexedArrayType}
	if mi, ok := ps.(cmp.MapIndex); ok && len(r.frames) > 0 {
		f.seg, f.hasSeg = r.mapSeg(r.frames[len(r.frames)-1], mi.Key()), true
	}
	r.frames = append(r.frames, f)
}

// mapSeg turns the key of a map step into a path segment, by the kind of map
// the parent frame reached.
func (r *reporter) mapSeg(parent frame, key reflect.Value) seg {
	switch {
	case parent.indexed:
		return seg{kind: segIndex, value: strconv.Itoa(int(key.Int()))}
	case parent.keyed:
		field, value, _ := strings.Cut(key.String(), "=")
		return seg{kind: segKeyed, name: field, value: value}
	}
	return seg{kind: segField, name: key.String()}
}

// Report records a difference at the current path.
func (r *reporter) Report(rs cmp.Result) {
	if rs.Equal() || len(r.frames) == 0 {
		return
	}
	vx, vy := r.frames[len(r.frames)-1].step.Values()
	d := rawDiff{path: r.path(), hasControl: vx.IsValid(), hasCandidate: vy.IsValid()}
	if d.hasControl {
		d.control = vx.Interface()
	}
	if d.hasCandidate {
		d.candidate = vy.Interface()
	}
	r.diffs = append(r.diffs, d)
}

// PopStep drops the last frame.
func (r *reporter) PopStep() { r.frames = r.frames[:len(r.frames)-1] }

// path returns a copy of the current path.
func (r *reporter) path() []seg {
	var out []seg
	for _, f := range r.frames {
		if f.hasSeg {
			out = append(out, f.seg)
		}
	}
	return out
}
