package comparator

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/oinkhq/oink/identity"
	"github.com/oinkhq/oink/internal/yamlstrict"
)

// Rules is a parsed, validated rules file: how to identify a record and
// which differences between a control and a candidate record count. Get one
// from ParseRules, LoadRules or DefaultRules (the zero Rules is not ready
// for use). It is read-only after parsing and safe for concurrent use.
//
// A rules file is YAML. Every field is optional except as noted; unknown
// fields are errors. shipped/rules/rtcim.yaml is a commented example.
//
//	name: rtcim                       # letters, digits, ".", "_", "-"; default: the file name without extension
//	key: [order_id, source_event_id]  # top-level fields whose values, joined with "|", identify a record;
//	                                  # default: the Kafka key
//	event_time: source_event_time     # top-level RFC 3339 field giving the event time;
//	                                  # default: the Kafka record timestamp
//	ignore: [trace_id, "lines[*].note"]   # differences at or beneath these paths are dropped
//	tolerance: {"totals.tax_minor": 1}    # numeric differences up to this much (absolute, in the
//	                                      # field's units) at or beneath the path are dropped
//	unordered: {lines: line_no}       # arrays at these exact paths are compared as sets keyed by the
//	                                  # named element field; their elements read lines[line_no=2]
//	null_equals_absent: true          # a member that is null equals a missing one (default false)
//	normalize:
//	  trim: true                      # strings compare without leading and trailing white space
//	  case_insensitive: [channel]     # strings at or beneath these paths compare case-insensitively
//	accept:                           # known, explained differences: recorded under the rule's name,
//	  - name: v1-utc-business-date    #   not counted as divergence. name: required, unique
//	    paths: [business_date]        #   required: the paths (patterns) this rule accepts
//	    when: {max_days: 1}           #   optional; every condition given must hold:
//	                                  #     tolerance: N   both numbers, |control - candidate| <= N
//	                                  #     max_days: N    both YYYY-MM-DD dates at most N days apart
//	                                  #     pattern: RE    both values' text (a string's contents, a
//	                                  #                    number or boolean as written) matches the
//	                                  #                    RE2 expression (unanchored: use ^…$)
//	    reason: "v1 computes business_date in UTC (OINK-123)"   # required
//
// Paths and patterns are described in paths.go: "*" is any one member
// ("totals.*") or element ("lines[*]"). Metadata paths (paths_meta.go) go in
// ignore and accept ($key, $timestamp, $timestamp_type, $headers.NAME,
// $headers for every header, $header_order) and, for $timestamp in
// milliseconds, in tolerance: ignore: [$headers.traceparent],
// tolerance: {$timestamp: 5}. A difference ignore or tolerance drops makes
// the pair equivalent, not identical. Arrays not named by unordered are
// compared position by position, and so is an unordered array whose
// elements cannot be keyed (an element that is not an object, a key field
// missing, null, an object or an array, or a key value repeated).
// Numbers compare by value ("1.0" equals "1"; big integers exactly). Differences go through ignore, then
// tolerance, then accept: the first accept rule (in file order) whose paths
// cover a difference and whose conditions hold names it.
type Rules struct {
	// Name identifies the rules in stored results.
	Name string

	id               identity.Spec // key fields and event time: how a record is identified
	key              []string
	eventTime        string
	ignore           []pattern
	tolerance        []tolerance
	unordered        []unordered
	nullEqualsAbsent bool
	trim             bool
	caseInsensitive  []pattern
	accept           []acceptRule

	opts cmp.Options // built once by cmpOptions
	// timestampTypes are the control and candidate topics'
	// message.timestamp.type once Run has bound the rules to them
	// (forTopics); both "" otherwise.
	timestampTypes [2]string
}

// tolerance drops numeric differences up to limit at or beneath path.
type tolerance struct {
	path  pattern
	limit decimal
	rat   *big.Rat
}

// unordered makes the array at path a set keyed by each element's field.
type unordered struct {
	path  pattern
	field string
}

// acceptRule is one entry of accept.
type acceptRule struct {
	name   string
	paths  []pattern
	when   condition
	reason string
}

// condition is an accept rule's when; unset parts always hold.
type condition struct {
	tolerance    *decimal
	toleranceRat *big.Rat
	maxDays      *int
	pattern      *regexp.Regexp
}

// ParseRules parses and validates a rules file. name is the file's name, used
// in errors and as the default Name. The error joins every problem found,
// each a *RuleError naming the line, the field and the fix.
func ParseRules(name string, data []byte) (*Rules, error) {
	root, err := yamlstrict.Document(name, data, "a rules file needs at least a name (see shipped/rules/rtcim.yaml)", "set of rules")
	if err != nil {
		return nil, err
	}
	p := &ruleParser{yamlstrict.Walker{File: name}}
	r := p.rules(root)
	if err := p.Err(); err != nil {
		return nil, err
	}
	if r.Name == "" {
		r.Name = nameFromFile(name)
	}
	r.finish()
	return r, nil
}

// LoadRules reads and parses the rules file at path.
func LoadRules(path string) (*Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read rules: %w", err)
	}
	return ParseRules(path, data)
}

// DefaultRules returns the rules used when no file is given: named
// "default", identity is the Kafka key, event time the Kafka timestamp,
// and every difference is a divergence.
func DefaultRules() *Rules {
	r := &Rules{Name: "default"}
	r.finish()
	return r
}

// nameFromFile turns "shipped/rules/rtcim.yaml" into "rtcim", replacing
// what a name may not hold with "-" so the default is a valid name too.
func nameFromFile(file string) string {
	base := filepath.Base(file)
	base = strings.TrimSuffix(base, filepath.Ext(base))
	name := strings.Map(func(r rune) rune {
		if r < utf8.RuneSelf && (isBareName(string(r)) || r == '.') {
			return r
		}
		return '-'
	}, base)
	if len(name) > 100 {
		name = name[:100]
	}
	if strings.Trim(name, ".-") == "" {
		return "rules"
	}
	return name
}

// finish derives what Identify and Compare need from the parsed fields.
func (r *Rules) finish() {
	r.id = identity.New(r.key, r.eventTime)
	r.opts = r.cmpOptions()
}

// Identity returns how the rules identify a record (their key fields and
// event time), for the switch and the live-topic checks, which must agree
// with the comparator on what one record is.
func (r *Rules) Identity() *identity.Spec { return &r.id }

// Identify returns a record's identity and event time under the rules:
// Identity().Identify. Errors are *DecodeError.
func (r *Rules) Identify(kafkaKey, value []byte, kafkaTime time.Time) (string, time.Time, error) {
	return r.id.Identify(kafkaKey, value, kafkaTime)
}

// DecodeError reports a record that cannot be read as the rules need (see
// identity.DecodeError).
type DecodeError = identity.DecodeError

// KeyFields returns the fields that identify a record, or nil when the
// Kafka key does.
func (r *Rules) KeyFields() []string { return append([]string(nil), r.key...) }

// EventTimeField returns the field that gives a record's event time, or ""
// when the Kafka timestamp does.
func (r *Rules) EventTimeField() string { return r.eventTime }

// rulesDoc is the canonical JSON form of Rules. Its field names are the YAML
// keys, so ParseRules reads it back.
type rulesDoc struct {
	Name             string                 `json:"name"`
	Key              []string               `json:"key,omitempty"`
	EventTime        string                 `json:"event_time,omitempty"`
	Ignore           []string               `json:"ignore,omitempty"`
	Tolerance        map[string]json.Number `json:"tolerance,omitempty"`
	Unordered        map[string]string      `json:"unordered,omitempty"`
	NullEqualsAbsent bool                   `json:"null_equals_absent,omitempty"`
	Normalize        *normalizeDoc          `json:"normalize,omitempty"`
	Accept           []acceptDoc            `json:"accept,omitempty"`
}

type normalizeDoc struct {
	Trim            bool     `json:"trim,omitempty"`
	CaseInsensitive []string `json:"case_insensitive,omitempty"`
}

type acceptDoc struct {
	Name   string   `json:"name"`
	Paths  []string `json:"paths"`
	When   *whenDoc `json:"when,omitempty"`
	Reason string   `json:"reason"`
}

type whenDoc struct {
	Tolerance json.Number `json:"tolerance,omitempty"`
	MaxDays   *int        `json:"max_days,omitempty"`
	Pattern   string      `json:"pattern,omitempty"`
}

// JSON returns the rules in canonical form, for storing with a run's
// results: patterns and numbers are rewritten canonically and maps sorted,
// so two files that mean the same give the same bytes. ParseRules reads the
// output back to equivalent rules.
func (r *Rules) JSON() ([]byte, error) {
	doc := rulesDoc{
		Name:             r.Name,
		Key:              r.key,
		EventTime:        r.eventTime,
		Ignore:           patternTexts(r.ignore),
		NullEqualsAbsent: r.nullEqualsAbsent,
	}
	if len(r.tolerance) > 0 {
		doc.Tolerance = make(map[string]json.Number, len(r.tolerance))
		for _, t := range r.tolerance {
			doc.Tolerance[t.path.text] = json.Number(t.limit.String())
		}
	}
	if len(r.unordered) > 0 {
		doc.Unordered = make(map[string]string, len(r.unordered))
		for _, u := range r.unordered {
			doc.Unordered[u.path.text] = u.field
		}
	}
	if r.trim || len(r.caseInsensitive) > 0 {
		doc.Normalize = &normalizeDoc{Trim: r.trim, CaseInsensitive: patternTexts(r.caseInsensitive)}
	}
	for _, a := range r.accept {
		doc.Accept = append(doc.Accept, a.doc())
	}
	return json.Marshal(doc)
}

// doc returns a's canonical form.
func (a acceptRule) doc() acceptDoc {
	d := acceptDoc{Name: a.name, Paths: patternTexts(a.paths), Reason: a.reason}
	w := a.when
	if w.tolerance == nil && w.maxDays == nil && w.pattern == nil {
		return d
	}
	d.When = &whenDoc{MaxDays: w.maxDays}
	if w.tolerance != nil {
		d.When.Tolerance = json.Number(w.tolerance.String())
	}
	if w.pattern != nil {
		d.When.Pattern = w.pattern.String()
	}
	return d
}

func patternTexts(ps []pattern) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.text)
	}
	return out
}
