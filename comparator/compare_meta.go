package comparator

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"
)

// sameMetadata reports whether two records carry the same key bytes,
// timestamp (to the millisecond) and headers in the same order. It
// allocates nothing: most pairs take only this path.
func sameMetadata(x, y *Record) bool {
	if !bytes.Equal(x.Key, y.Key) || !sameMilli(x.Time, y.Time) || len(x.Headers) != len(y.Headers) {
		return false
	}
	for i := range x.Headers {
		if x.Headers[i].Key != y.Headers[i].Key || !bytes.Equal(x.Headers[i].Value, y.Headers[i].Value) {
			return false
		}
	}
	return true
}

// sameMilli reports whether two timestamps are the same millisecond. Two
// timestamps kafka-go read from equal Kafka timestamps are equal as values
// (same seconds, nanoseconds and location), which == checks at a fraction
// of UnixMilli's cost; the general comparison handles the rest.
func sameMilli(x, y time.Time) bool { return x == y || x.UnixMilli() == y.UnixMilli() }

// topicsDiffer reports whether the rules are bound to two topics whose
// message.timestamp.type differs (see forTopics): then every pair differs
// at $timestamp_type.
func (r *Rules) topicsDiffer() bool { return r.timestampTypes[0] != r.timestampTypes[1] }

// metaDiffs returns the metadata differences of a pair, before the rules
// judge them: $key, $timestamp, $timestamp_type, then each header name
// that differs (sorted), then $header_order. vanished holds $header_order
// when the headers differ in order only by the place of headers the rules
// ignore.
func (r *Rules) metaDiffs(x, y *Record) (out []rawDiff, vanished []string) {
	both := func(root string, vx, vy any) {
		out = append(out, rawDiff{path: []seg{metaSeg(root)}, control: vx, candidate: vy, hasControl: true, hasCandidate: true})
	}
	if !bytes.Equal(x.Key, y.Key) {
		both(metaKey, bytesValue(x.Key), bytesValue(y.Key))
	}
	if !sameMilli(x.Time, y.Time) {
		both(metaTimestamp, timestampValue(x), timestampValue(y))
	}
	if r.topicsDiffer() {
		both(metaTimestampType, r.timestampTypes[0], r.timestampTypes[1])
	}
	headers, vanished := r.headerDiffs(x.Headers, y.Headers)
	return append(out, headers...), vanished
}

// timestampValue is a record's timestamp as paths show it: milliseconds
// since the Unix epoch, or nil for none.
func timestampValue(rec *Record) any {
	if rec.Time.IsZero() {
		return nil
	}
	return json.Number(strconv.FormatInt(rec.Time.UnixMilli(), 10))
}

// bytesValue is key or header bytes as paths show them: a string, or
// {"base64": …} when they are not UTF-8.
func bytesValue(b []byte) any {
	if utf8.Valid(b) {
		return string(b)
	}
	return map[string]any{"base64": base64.StdEncoding.EncodeToString(b)}
}

// headerDiffs compares two header lists: each name whose values differ
// (present on one side only, or other values in order), then the order of
// the headers whose names both sides carry, leaving out names the rules
// ignore. When only ignored headers stand elsewhere, $header_order is
// vanished instead.
func (r *Rules) headerDiffs(x, y []kafka.Header) (out []rawDiff, vanished []string) {
	if slices.EqualFunc(x, y, sameHeader) {
		return nil, nil
	}
	namesX, namesY := headerNames(x), headerNames(y)
	for _, name := range union(namesX, namesY) {
		vx, vy := headerValues(x, name), headerValues(y, name)
		if slices.EqualFunc(vx, vy, bytes.Equal) {
			continue
		}
		out = append(out, rawDiff{path: []seg{metaSeg(metaHeaders), {kind: segField, name: name}},
			control: listValue(vx), candidate: listValue(vy), hasControl: len(vx) > 0, hasCandidate: len(vy) > 0})
	}
	switch {
	case !slices.Equal(r.sequence(x, namesY, true), r.sequence(y, namesX, true)):
		out = append(out, rawDiff{path: []seg{metaSeg(metaHeaderOrder)}, control: keys(x),
			candidate: keys(y), hasControl: true, hasCandidate: true})
	case !slices.Equal(r.sequence(x, namesY, false), r.sequence(y, namesX, false)):
		vanished = append(vanished, PathHeaderOrder)
	}
	return out, vanished
}

// sequence returns the names of hs in order, a name as often as it
// appears, that other names too; with unignored, leaving out those an
// ignore rule covers. It is what $header_order compares.
func (r *Rules) sequence(hs []kafka.Header, other []string, unignored bool) []string {
	var out []string
	for _, h := range hs {
		if !slices.Contains(other, h.Key) ||
			unignored && coveredBy(r.ignore, []seg{metaSeg(metaHeaders), {kind: segField, name: h.Key}}) {
			continue
		}
		out = append(out, h.Key)
	}
	return out
}

// keys returns the names of hs in order, as $header_order shows them.
func keys(hs []kafka.Header) []any {
	out := make([]any, len(hs))
	for i, h := range hs {
		out[i] = h.Key
	}
	return out
}

func sameHeader(a, b kafka.Header) bool { return a.Key == b.Key && bytes.Equal(a.Value, b.Value) }

// headerNames returns the names of hs, each once, in the order they first
// appear.
func headerNames(hs []kafka.Header) []string {
	var out []string
	for _, h := range hs {
		if !slices.Contains(out, h.Key) {
			out = append(out, h.Key)
		}
	}
	return out
}

// union returns the names in a or b, sorted.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, n := range b {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	slices.Sort(out)
	return out
}

// headerValues returns the values of the headers named name, in order.
func headerValues(hs []kafka.Header, name string) [][]byte {
	var out [][]byte
	for _, h := range hs {
		if h.Key == name {
			out = append(out, h.Value)
		}
	}
	return out
}

// listValue is a header's values as paths show them: one value alone,
// several as a list, none as nil.
func listValue(vs [][]byte) any {
	switch len(vs) {
	case 0:
		return nil
	case 1:
		return bytesValue(vs[0])
	}
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = bytesValue(v)
	}
	return out
}
