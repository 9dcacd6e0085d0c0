package identity_test

import (
	"errors"
	"testing"
	"time"

	"github.com/oinkhq/oink/identity"
)

func TestIdentifyReadsKeyFieldsAndEventTime(t *testing.T) {
	t.Parallel()
	kafkaTime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rtcim := identity.New([]string{"order_id", "source_event_id"}, "source_event_time")
	tests := []struct {
		name     string
		spec     identity.Spec
		key      string
		value    string
		wantID   string
		wantTime time.Time
		wantErr  string // DecodeError.Field
	}{
		{"key fields joined with a bar, time from the field", rtcim, "O1",
			`{"order_id":"O1","source_event_id":"E2","source_event_time":"2026-03-01T12:00:00Z","x":[1]}`,
			"O1|E2", time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), ""},
		{"a bar inside a value is escaped", rtcim, "O1",
			`{"order_id":"O|1","source_event_id":"E","source_event_time":"2026-03-01T12:00:00Z"}`, `O\|1|E`,
			time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), ""},
		{"the zero Spec is the Kafka key and timestamp", identity.Spec{}, "K", `{"a":1}`, "K", kafkaTime, ""},
		{"a missing key field names it", rtcim, "O1", `{"order_id":"O1","source_event_time":"2026-03-01T12:00:00Z"}`, "", time.Time{}, "source_event_id"},
		{"not JSON is the whole record", rtcim, "O1", `nope`, "", time.Time{}, "$"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			id, at, err := tc.spec.Identify([]byte(tc.key), []byte(tc.value), kafkaTime)
			if tc.wantErr != "" {
				var de *identity.DecodeError
				if !errors.As(err, &de) || de.Field != tc.wantErr {
					t.Fatalf("Identify(%s) = %v, want a DecodeError on %s", tc.value, err, tc.wantErr)
				}
				return
			}
			if err != nil || id != tc.wantID || !at.Equal(tc.wantTime) {
				t.Errorf("Identify(%s) = %q, %v, %v; want %q, %v", tc.value, id, at, err, tc.wantID, tc.wantTime)
			}
		})
	}
}
