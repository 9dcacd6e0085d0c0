package comparator

import (
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// recordSeeds returns the JSON records in testdata, to seed fuzz targets.
func recordSeeds(tb testing.TB) [][]byte {
	tb.Helper()
	var out [][]byte
	for _, pattern := range []string{"testdata/records/*.json", "../testdata/events/*.json"} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			tb.Fatal(err)
		}
		for _, file := range files {
			out = append(out, mustReadFile(tb, file))
		}
	}
	if len(out) == 0 {
		tb.Fatal("no records in testdata to seed from")
	}
	return out
}

// FuzzIdentify checks that Identify never panics, returns only
// *DecodeError, and on valid UTF-8 JSON agrees with a reference built on
// encoding/json: the same identity and event time, or an error for the same
// records.
func FuzzIdentify(f *testing.F) {
	for _, rec := range recordSeeds(f) {
		f.Add([]byte("k"), rec)
	}
	f.Add([]byte(""), []byte(`{"id":"a|b","when":"2026-01-01T00:00:00Z"}`))
	rules := []*Rules{mustLoadRules(f, rtcimRulesPath), mustLoadRules(f, "testdata/rules/everything.yaml"), DefaultRules()}
	kafkaTime := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, key, value []byte) {
		if len(value) > 1<<16 {
			return
		}
		for _, r := range rules {
			id, at, err := r.Identify(key, value, kafkaTime)
			var de *DecodeError
			if err != nil && !errors.As(err, &de) {
				t.Fatalf("Identify = %v (%T), want a *DecodeError", err, err)
			}
			if !json.Valid(value) || !utf8.Valid(value) {
				continue
			}
			wantID, wantAt, ok := referenceIdentify(r, key, value, kafkaTime)
			if ok != (err == nil) {
				t.Fatalf("rules %s: Identify(%q, %q) = %q, %v; the reference says ok = %v (%q)", r.Name, key, value, id, err, ok, wantID)
			}
			if ok && (id != wantID || !at.Equal(wantAt)) {
				t.Fatalf("rules %s: Identify(%q, %q) = %q, %v; want %q, %v", r.Name, key, value, id, at, wantID, wantAt)
			}
		}
	})
}

// referenceIdentify is Identify written the slow, obvious way.
func referenceIdentify(r *Rules, key, value []byte, kafkaTime time.Time) (string, time.Time, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(value, &m) != nil || m == nil {
		return "", time.Time{}, false
	}
	var parts []string
	for _, field := range r.key {
		raw, ok := m[field]
		if !ok || len(raw) == 0 {
			return "", time.Time{}, false
		}
		var s string
		switch {
		case raw[0] == '"':
			if json.Unmarshal(raw, &s) != nil {
				return "", time.Time{}, false
			}
			s = strings.NewReplacer(`\`, `\\`, `|`, `\|`).Replace(s)
		case raw[0] == '-' || isDigit(raw[0]):
			s = string(raw)
		default:
			return "", time.Time{}, false
		}
		parts = append(parts, s)
	}
	id := strings.Join(parts, "|")
	if len(r.key) == 0 {
		if len(key) == 0 || !utf8.Valid(key) {
			return "", time.Time{}, false
		}
		id = string(key)
	}
	if r.eventTime == "" {
		return id, kafkaTime, true
	}
	var s string
	if json.Unmarshal(m[r.eventTime], &s) != nil {
		return "", time.Time{}, false
	}
	at, err := time.Parse(time.RFC3339Nano, s)
	return id, at, err == nil
}
