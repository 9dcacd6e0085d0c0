package comparator

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/segmentio/kafka-go"
)

// Outcome is the verdict on a compared pair: one of four levels, from
// best to worst.
type Outcome int

// Outcomes, from best to worst.
const (
	// Identical means key bytes, value bytes, headers (names, values and
	// order) and timestamp are equal: a consumer cannot tell the records
	// apart.
	Identical Outcome = iota
	// Equivalent means the records are equal after the rules, but their
	// bytes or metadata differ: another field order, number spelling,
	// string escape or whitespace in the value, or a difference a rule
	// ignores or tolerates (a header, the timestamp, a value field).
	// Result.Equivalent names where.
	Equivalent
	// Accepted means every difference left is accepted by an accept rule:
	// recorded, but not a divergence.
	Accepted
	// Divergent means at least one difference is not accepted.
	Divergent
)

// String returns "identical", "equivalent", "accepted" or "divergent".
func (o Outcome) String() string {
	switch o {
	case Identical:
		return "identical"
	case Equivalent:
		return "equivalent"
	case Accepted:
		return "accepted"
	case Divergent:
		return "divergent"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// MarshalText encodes o as its String, so JSON carries "divergent", not 3.
func (o Outcome) MarshalText() ([]byte, error) { return []byte(o.String()), nil }

// Result is what Compare found.
type Result struct {
	Outcome Outcome `json:"outcome"`
	// Diffs lists every difference left after ignore, tolerance and
	// normalisation, accepted ones included (with Rule set): the value's in
	// path order, then the metadata's. It is empty when Outcome is
	// Identical or Equivalent.
	Diffs []FieldDiff `json:"diffs,omitempty"`
	// Equivalent lists, sorted and each once, the paths where the records
	// differ in a way that does not count: the $value paths (paths_meta.go),
	// paths whose difference a rule ignores or tolerates, and paths whose
	// difference the rules' normalisation removes (null_equals_absent,
	// normalize, an unordered array in another order, named by the
	// array's path). Whatever the Outcome, it is empty only when the bytes
	// and metadata these paths describe are equal; it is never empty when
	// Outcome is Equivalent.
	Equivalent []string `json:"equivalent,omitempty"`
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

// Record is one Kafka record as CompareRecords judges it. Key and header
// values compare as bytes (kafka-go reads a null key as an empty one), Time
// by its milliseconds, as Kafka keeps it; the zero Time is no timestamp.
type Record struct {
	Key     []byte
	Value   []byte
	Headers []kafka.Header
	Time    time.Time
}

// Compare diffs the values of a control and a candidate record, both JSON
// objects, under the rules: CompareRecords of two records that carry
// nothing else. Byte-identical values are Identical without being decoded.
func (r *Rules) Compare(control, candidate []byte) (Result, error) {
	if !r.topicsDiffer() && bytes.Equal(control, candidate) {
		return Result{Outcome: Identical}, nil
	}
	return r.CompareRecords(&Record{Value: control}, &Record{Value: candidate})
}

// CompareRecords judges a control and a candidate record at four levels
// (see Outcome): the value field by field under the rules, and the key,
// timestamp and headers as metadata paths (paths_meta.go) that the rules
// may ignore, tolerate or accept like value paths. A pair equal in every
// byte is Identical at the cost of comparing the bytes: nothing is decoded
// or allocated. Errors are *DecodeError when a value is not valid UTF-8 or
// not a JSON object (Msg names the side), and *CompareError when the pair
// cannot be compared. It reads the records (pointers, so that the hot path
// copies nothing) and never changes them. CompareRecords is safe for
// concurrent use.
func (r *Rules) CompareRecords(control, candidate *Record) (Result, error) {
	sameValue := bytes.Equal(control.Value, candidate.Value)
	sameMeta := !r.topicsDiffer() && sameMetadata(control, candidate)
	if sameValue && sameMeta {
		return Result{Outcome: Identical}, nil
	}
	var res Result
	if !sameValue {
		if err := r.compareValues(control.Value, candidate.Value, &res); err != nil {
			return Result{}, err
		}
	}
	if !sameMeta {
		raw, vanished := r.metaDiffs(control, candidate)
		diffs, dropped, err := r.judge(raw)
		if err != nil {
			return Result{}, err
		}
		res.Diffs = append(res.Diffs, diffs...)
		res.Equivalent = append(append(res.Equivalent, vanished...), dropped...)
	}
	slices.Sort(res.Equivalent)
	res.Equivalent = slices.Compact(res.Equivalent)
	res.Outcome = outcomeOf(res.Diffs, res.Equivalent)
	return res, nil
}

// compareValues diffs two values whose bytes differ into res: the
// differences left after the rules, and the paths of those that vanished
// under them or in parsing. Most such pairs differ only in form (v1's
// reorder fault, say): the format walk vouches for those, and the values
// are only checked, not decoded into trees for go-cmp.
func (r *Rules) compareValues(control, candidate []byte, res *Result) error {
	// One string per side serves the check, the format walk and the
	// parse: the raw documents and the trees point into it.
	cx, cy := string(control), string(candidate)
	if err := r.check(cx, "control"); err != nil {
		return err
	}
	if err := r.check(cy, "candidate"); err != nil {
		return err
	}
	forms, content := r.formats(cx, cy)
	var diffs []FieldDiff
	var vanished []string
	if content {
		var err error
		if diffs, vanished, err = r.compareTrees(cx, cy); err != nil {
			return err
		}
	}
	vanished = append(vanished, forms...)
	if len(diffs) == 0 && len(vanished) == 0 {
		vanished = append(vanished, PathValue) // the bytes differ, somehow
	}
	res.Diffs, res.Equivalent = diffs, vanished
	return nil
}

// compareTrees decodes two values, both already checked, and returns the
// differences left after the rules and the paths of those that vanished
// under them.
func (r *Rules) compareTrees(control, candidate string) (diffs []FieldDiff, vanished []string, err error) {
	x, err := r.decode(control, "control")
	if err != nil {
		return nil, nil, err
	}
	y, err := r.decode(candidate, "candidate")
	if err != nil {
		return nil, nil, err
	}
	var raw []rawDiff
	if !r.equal(x, y) {
		if raw, err = r.diff(x, y); err != nil {
			return nil, nil, err
		}
	}
	return r.judge(raw)
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
// diffs, else Equivalent if some difference vanished under the rules, else
// Identical.
func outcomeOf(diffs []FieldDiff, equivalent []string) Outcome {
	out := Identical
	if len(equivalent) > 0 {
		out = Equivalent
	}
	for _, d := range diffs {
		if d.Rule == "" {
			return Divergent
		}
		out = Accepted
	}
	return out
}
