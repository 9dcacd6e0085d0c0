package comparator

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// Metadata paths name the parts of a Kafka record beside its value's
// members. They start with "$", which no bare member name does (a member
// named "$key" is written ["$key"]):
//
//	$key                   the record's key bytes
//	$timestamp             the record's timestamp, as milliseconds since the Unix epoch
//	$timestamp_type        the topics' message.timestamp.type (CreateTime or
//	                       LogAppendTime), read once when Run starts: when the two
//	                       topics differ, every pair differs here
//	$headers.NAME          the values of the headers named NAME (["odd.name"] when
//	                       NAME is not a bare name): present on one side only, or
//	                       other values; several headers of one name compare as a list
//	$header_order          the headers both records carry, in another order
//	$value.order           the value's object members, in another order
//	$value.numbers         a number of the value spelled otherwise (12.0 for 12, 1.2e1)
//	$value.strings         a string (or member name) of the value escaped otherwise
//	                       ("\u00e9" for "é", "\/" for "/")
//	$value.space           other whitespace between the value's tokens
//	$value                 value bytes that differ in no way listed above, yet
//	                       compare equal (duplicate members, say)
//
// Key bytes and header values are written as JSON strings, or as
// {"base64": "…"} when they are not UTF-8.
//
// The $value paths describe how value bytes differ where the parsed values
// do not: such differences are always equivalent, and no rule names them.
// The others are differences like any value path's: a rule may ignore them
// (ignore: [$headers.traceparent], [$headers] for every header), tolerate
// $timestamp (tolerance: {$timestamp: 5}, in milliseconds) or accept them
// (paths: [$timestamp], when: {tolerance: 1000}); a metadata difference no
// rule covers is a divergence, since a consumer can tell.

// Metadata paths as they appear in results (see above).
const (
	PathKey           = "$key"
	PathTimestamp     = "$timestamp"
	PathTimestampType = "$timestamp_type"
	PathHeaderOrder   = "$header_order"
	PathValue         = "$value"
	PathValueOrder    = "$value.order"
	PathValueNumbers  = "$value.numbers"
	PathValueStrings  = "$value.strings"
	PathValueSpace    = "$value.space"
)

// HeaderPath returns the path of the headers named name: $headers.NAME.
func HeaderPath(name string) string {
	return formatPath([]seg{metaSeg(metaHeaders), {kind: segField, name: name}})
}

// The metadata roots, without their "$".
const (
	metaKey           = "key"
	metaTimestamp     = "timestamp"
	metaTimestampType = "timestamp_type"
	metaHeaders       = "headers"
	metaHeaderOrder   = "header_order"
	metaValue         = "value"
)

// metaRoots lists the roots in the order errors name them.
var metaRoots = []string{metaKey, metaTimestamp, metaTimestampType, metaHeaders, metaHeaderOrder, metaValue}

// valueFormats are the members of $value.
var valueFormats = []string{"order", "numbers", "strings", "space"}

func metaSeg(name string) seg { return seg{kind: segMeta, name: name} }

// meta reads a metadata root after its "$".
func (p *patternParser) meta() (patSeg, error) {
	p.i++ // '$'
	name := p.bare()
	if !slices.Contains(metaRoots, name) {
		return patSeg{}, fmt.Errorf("unknown metadata path $%s (known: $%s)", name, strings.Join(metaRoots, ", $"))
	}
	return patSeg{kind: patMeta, name: name}, nil
}

// checkMeta checks what may follow a metadata root: one header name (or
// "*") after $headers, one of valueFormats after $value, nothing after the
// others.
func checkMeta(segs []patSeg) error {
	if len(segs) == 0 || segs[0].kind != patMeta || len(segs) == 1 {
		return nil
	}
	root, rest := segs[0].name, segs[1:]
	switch {
	case root == metaHeaders && len(rest) == 1 && (rest[0].kind == patField || rest[0].kind == patAnyField):
		return nil
	case root == metaHeaders:
		return errors.New("$headers takes one header name: $headers.traceparent, $headers[\"odd.name\"] or $headers.*")
	case root == metaValue && len(rest) == 1 && rest[0].kind == patField && slices.Contains(valueFormats, rest[0].name):
		return nil
	case root == metaValue:
		return fmt.Errorf("$value takes one of .%s", strings.Join(valueFormats, ", ."))
	}
	return fmt.Errorf("$%s takes nothing after it", root)
}

// patternUse is what a rule does with its patterns, which decides the
// metadata paths it may name.
type patternUse int

const (
	useDrop      patternUse = iota // ignore and accept: any metadata but $value
	useTolerance                   // tolerance: of the metadata, only $timestamp is a number
	useValue                       // unordered, case_insensitive: value paths only
)

// metaProblem says why pattern p cannot be used as use, or "".
func metaProblem(p pattern, use patternUse) string {
	if len(p.segs) == 0 || p.segs[0].kind != patMeta {
		return ""
	}
	root := p.segs[0].name
	switch {
	case root == metaValue:
		return fmt.Sprintf("%q: differences of the value's bytes that parse equal are always equivalent, so no rule names them; remove it", p.text)
	case use == useValue:
		return fmt.Sprintf("%q is a metadata path; this rule applies to the value's members only (e.g. lines or channel)", p.text)
	case use == useTolerance && root != metaTimestamp:
		return fmt.Sprintf("%q is not a number; of the metadata only $timestamp (milliseconds) takes a tolerance, e.g. {$timestamp: 5}", p.text)
	}
	return ""
}
