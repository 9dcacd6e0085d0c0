package comparator

import (
	"errors"
	"testing"
	"time"
)

func TestIdentifyReadsKeyFieldsAndEventTime(t *testing.T) {
	t.Parallel()
	rtcim := mustLoadRules(t, rtcimRulesPath)
	byID := mustParseRules(t, "key: [id]\n")
	kafkaTime := time.Date(2026, 6, 15, 9, 0, 0, 0, time.UTC)
	eventTime := time.Date(2026, 6, 15, 17, 4, 5, 123000000, time.UTC)
	tests := []struct {
		name         string
		rules        *Rules
		key, value   string
		wantIdentity string
		wantTime     time.Time
	}{
		{"key fields are joined with a bar", rtcim, "O1",
			`{"order_id":"O1-000000001","lines":[{"order_id":"x"}],"source_event_id":"E1-000000001","source_event_time":"2026-06-15T17:04:05.123Z"}`,
			"O1-000000001|E1-000000001", eventTime},
		{"the event time keeps its offset", rtcim, "",
			`{"order_id":"O","source_event_id":"E","source_event_time":"2026-06-15T22:49:05.123+05:45"}`,
			"O|E", eventTime},
		{"without key fields the Kafka key is the identity", DefaultRules(), "O1-000000001", `{"order_id":"other"}`, "O1-000000001", kafkaTime},
		{"without event_time the Kafka time is the event time", byID, "", `{"id":"a"}`, "a", kafkaTime},
		{"a numeric key is written as in the record", byID, "", `{"id": -1.50e3}`, "-1.50e3", kafkaTime},
		{"an escaped key is decoded", byID, "", `{"id":"caf\u00e9"}`, "café", kafkaTime},
		{"a bar or backslash in a key value is escaped", rtcim, "",
			`{"order_id":"a|b","source_event_id":"c\\d","source_event_time":"2026-06-15T17:04:05.123Z"}`, `a\|b|c\\d`, eventTime},
		{"an escaped member name still matches", byID, "", `{"\u0069d":"x"}`, "x", kafkaTime},
		{"the last of repeated members wins", byID, "", `{"id":"a","id":"b"}`, "b", kafkaTime},
		{"white space around the object is allowed", byID, "", " \n{ \"id\" : \"a\" }\n", "a", kafkaTime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id, at, err := tc.rules.Identify([]byte(tc.key), []byte(tc.value), kafkaTime)
			if err != nil {
				t.Fatalf("Identify(%q, %s) = %v", tc.key, tc.value, err)
			}
			if id != tc.wantIdentity || !at.Equal(tc.wantTime) {
				t.Errorf("Identify(%q, %s) = %q, %v; want %q, %v", tc.key, tc.value, id, at, tc.wantIdentity, tc.wantTime)
			}
		})
	}
}

func TestIdentifyRejectsRecordsItCannotIdentify(t *testing.T) {
	t.Parallel()
	rtcim := mustLoadRules(t, rtcimRulesPath)
	const good = `"source_event_id":"E","source_event_time":"2026-06-15T17:04:05Z"`
	tests := []struct {
		name      string
		rules     *Rules
		key       string
		value     string
		wantField string
	}{
		{"an array is not a record", rtcim, "k", `[1]`, "$"},
		{"an empty value is not a record", rtcim, "k", ``, "$"},
		{"invalid UTF-8 is rejected", rtcim, "k", "{\"order_id\":\"\xff\"," + good + "}", "$"},
		{"a truncated object is rejected", rtcim, "k", `{"order_id":"O",` + good, "$"},
		{"a truncated nested value is rejected", rtcim, "k", `{"order_id":"O",` + good + `,"lines":[{"a":1}`, "$"},
		{"data after the object is rejected", rtcim, "k", `{"order_id":"O",` + good + `} x`, "$"},
		{"a member without a value is rejected", rtcim, "k", `{"order_id":}`, "$"},
		{"an unquoted member name is rejected", rtcim, "k", `{order_id:"O"}`, "$"},
		{"a missing key field is named", rtcim, "k", `{` + good + `}`, "order_id"},
		{"a null key field is named", rtcim, "k", `{"order_id":null,` + good + `}`, "order_id"},
		{"an object key field is named", rtcim, "k", `{"order_id":{"a":1},` + good + `}`, "order_id"},
		{"a boolean key field is named", rtcim, "k", `{"order_id":true,` + good + `}`, "order_id"},
		{"a malformed numeric key field is named", rtcim, "k", `{"order_id":01,` + good + `}`, "order_id"},
		{"a key string with a bad escape is named", rtcim, "k", `{"order_id":"a\x",` + good + `}`, "order_id"},
		{"a missing event time is named", rtcim, "k", `{"order_id":"O","source_event_id":"E"}`, "source_event_time"},
		{"an event time that is not a string is named", rtcim, "k", `{"order_id":"O","source_event_id":"E","source_event_time":1718470000}`, "source_event_time"},
		{"an event time that is not RFC 3339 is named", rtcim, "k", `{"order_id":"O","source_event_id":"E","source_event_time":"15/06/2026 17:04"}`, "source_event_time"},
		{"an empty Kafka key is rejected when it is the identity", DefaultRules(), "", `{}`, "kafka key"},
		{"a Kafka key that is not UTF-8 is rejected", DefaultRules(), "\xff", `{}`, "kafka key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id, _, err := tc.rules.Identify([]byte(tc.key), []byte(tc.value), time.Time{})
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("Identify(%q, %q) = %q, %v; want a *DecodeError", tc.key, tc.value, id, err)
			}
			if de.Field != tc.wantField {
				t.Errorf("Identify(%q, %q) error field = %q, want %q (%v)", tc.key, tc.value, de.Field, tc.wantField, err)
			}
		})
	}
}
