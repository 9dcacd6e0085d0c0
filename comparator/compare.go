package comparator

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/google/go-cmp/cmp"
)

// Outcome is the verdict on a compared pair.
type Outcome int

// Outcomes, from best to worst.
const (
	// Equal means no difference is left after ignore, tolerance and
	// normalisation.
	Equal Outcome = iota
	// Accepted means every difference left is accepted by an accept rule:
	// recorded, but not a divergence.
	Accepted
	// Divergent means at least one difference is not accepted.
	Divergent
)

// String returns "equal", "accepted" or "divergent".
func (o Outcome) String() string {
	switch o {
	case Equal:
		return "equal"
	case Accepted:
		return "accepted"
	case Divergent:
		return "divergent"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// MarshalText encodes o as its String, so JSON carries "divergent", not 2.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Result is what Compare found.
type Result struct {
	Outcome Outcome `json:"outcome"`
	// Diffs lists every difference left after ignore, tolerance and
	// normalisation, accepted ones included (with Rule set), in path order.
	// It is empty when Outcome is Equal.
	Diffs []FieldDiff `json:"diffs,omitempty"`
}

// FieldDiff is one difference between a control and a candidate record.
type FieldDiff struct {
	// Path is where the values differ, e.g. "lines[line_no=2].tax_minor",
	// "business_date", "totals.net_minor", or "lines[line_no=3]" for an
	// element present on one side only. See paths.go for the syntax.
	Path string `json:"path"`
	// Control is the JSON of the control value, "null" when absent. An
	// unordered array is written sorted by its element key.
	Control json.RawMessage `json:"control"`
	// Candidate is the JSON of the candidate value, "null" when absent.
	Candidate json.RawMessage `json:"candidate"`
	// Rule names the accept rule that accepted the difference; "" means a
	// divergence.
	Rule string `json:"rule,omitempty"`
}

// CompareError is returned by Compare when a pair cannot be compared: go-cmp
// panicked (its documentation allows that), a number is beyond the range
// compared exactly, or records nest too deep.
type CompareError struct {
	Path string // where, when known; "" for the whole record
	Msg  string
	Err  error // the cause, when there is one
}

// Error returns "compare PATH: MSG".
func (e *CompareError) Error() string {
	if e.Path == "" {
		return "compare: " + e.Msg
	}
	return "compare " + e.Path + ": " + e.Msg
}

// Unwrap returns the cause.
func (e *CompareError) Unwrap() error { return e.Err }

// Compare diffs a control and a candidate record, both JSON objects, under
// the rules. Byte-identical records are Equal without being decoded. Errors
// are *DecodeError when a record is not valid UTF-8 or not a JSON object
// (Msg names the side), and *CompareError when the pair cannot be compared.
// Compare is safe for concurrent use.
func (r *Rules) Compare(control, candidate []byte) (Result, error) {
	if bytes.Equal(control, candidate) {
		return Result{Outcome: Equal}, nil
	}
	x, err := r.decode(control, "control")
	if err != nil {
		return Result{}, err
	}
	y, err := r.decode(candidate, "candidate")
	if err != nil {
		return Result{}, err
	}
	if r.equal(x, y) {
		return Result{Outcome: Equal}, nil
	}
	raw, err := r.diff(x, y)
	if err != nil {
		return Result{}, err
	}
	diffs, err := r.judge(raw)
	if err != nil {
		return Result{}, err
	}
	return Result{Outcome: outcomeOf(diffs), Diffs: diffs}, nil
}

// diff runs go-cmp over two prepared records and returns the differences its
// reporter saw. It is the one place in the project that recovers a panic:
// go-cmp documents that it may panic on values it cannot compare.
func (r *Rules) diff(x, y map[string]any) (diffs []rawDiff, err error) {
	rep := &reporter{}
	defer func() {
		if v := recover(); v != nil {
			cause, _ := v.(error)
			err = &CompareError{Path: formatPath(rep.path()), Msg: fmt.Sprintf("go-cmp panicked: %v", v), Err: cause}
		}
	}()
	cmp.Equal(x, y, r.opts, cmp.Reporter(rep))
	return rep.diffs, nil
}

// outcomeOf is Divergent if any diff has no rule, else Accepted if there are
// diffs, else Equal.
func outcomeOf(diffs []FieldDiff) Outcome {
	out := Equal
	for _, d := range diffs {
		if d.Rule == "" {
			return Divergent
		}
		out = Accepted
	}
	return out
}
