package comparator

import (
	"encoding/json"
	"strings"

	"github.com/google/go-cmp/cmp"
)

// This file holds every go-cmp option the comparator uses.
//
// Records are generic JSON, not Go structs, so the struct-oriented options
// (cmpopts.IgnoreFields, EquateApproxTime, SortSlices) have no fields to
// name. Their jobs are done on the decoded values before go-cmp sees them
// (compare_decode.go): unordered arrays become maps keyed by their element
// key, which makes paths read lines[line_no=2] and costs O(n) instead of
// SortSlices' O(n log n) per comparison; ordered arrays become maps keyed by
// position, because go-cmp's own slice diff is deliberately unstable
// between runs and a pair compared twice must give the same diffs; ignore,
// tolerance and accept are applied to the paths the reporter collects
// (compare_apply.go), since a path filter evaluated at every node would
// cost more than the comparison. What stays here is equality of leaves;
// Rules.equal (compare_equal.go) applies the same definitions without
// reflection, and FuzzCompare checks that the two agree.

// foldedString is a string under a normalize.case_insensitive path. Its own
// type lets a type-based Comparer fold case for these strings only.
type foldedString string

// cmpOptions returns the options Compare passes to cmp.Equal under r. They
// are built once, when the rules are parsed; each call adds its own
// cmp.Reporter.
func (r *Rules) cmpOptions() cmp.Options {
	opts := cmp.Options{
		// JSON numbers compare by value: "1.0" equals "1", large integers exactly.
		cmp.Comparer(func(a, b json.Number) bool { return numbersEqual(a, b) }),
	}
	if r.trim {
		opts = append(opts, cmp.Comparer(func(a, b string) bool {
			return strings.TrimSpace(a) == strings.TrimSpace(b)
		}))
	}
	if len(r.caseInsensitive) > 0 {
		opts = append(opts, cmp.Comparer(r.foldedEqual))
	}
	return opts
}

// foldedEqual reports whether two case-insensitive strings are equal:
// trimmed first when normalize.trim is set.
func (r *Rules) foldedEqual(a, b foldedString) bool {
	x, y := string(a), string(b)
	if r.trim {
		x, y = strings.TrimSpace(x), strings.TrimSpace(y)
	}
	return strings.EqualFold(x, y)
}
