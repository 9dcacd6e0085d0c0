package comparator

import (
	"encoding/json"
	"strings"
)

// equal reports whether two prepared values are equal under r, by the same
// definition as cmp.Equal with r's options (options.go): maps by keys and
// values, numbers by value, strings trimmed and case-folded as the rules
// say. Compare calls it first because most pairs are equal and it is an
// order of magnitude cheaper than go-cmp's reflection; go-cmp then runs only
// to find where a pair differs. FuzzCompare checks the two agree.
func (r *Rules) equal(x, y any) bool {
	switch x := x.(type) {
	case map[string]any:
		y, ok := y.(map[string]any)
		return ok && equalMaps(r, x, y)
	case keyedArray:
		y, ok := y.(keyedArray)
		return ok && equalMaps(r, x, y)
	case indexedArray:
		y, ok := y.(indexedArray)
		return ok && equalMaps(r, x, y)
	case json.Number:
		y, ok := y.(json.Number)
		return ok && numbersEqual(x, y)
	case string:
		y, ok := y.(string)
		return ok && (x == y || r.trim && strings.TrimSpace(x) == strings.TrimSpace(y))
	case foldedString:
		y, ok := y.(foldedString)
		return ok && r.foldedEqual(x, y)
	case bool:
		y, ok := y.(bool)
		return ok && x == y
	case nil:
		return y == nil
	}
	return false
}

// equalMaps reports whether x and y have the same keys with equal values.
func equalMaps[M ~map[K]any, K comparable](r *Rules, x, y M) bool {
	if len(x) != len(y) {
		return false
	}
	for k, vx := range x {
		vy, ok := y[k]
		if !ok || !r.equal(vx, vy) {
			return false
		}
	}
	return true
}
