package deadletter

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/segmentio/kafka-go"
)

// TestRecordRoundTripsToTheOriginal: a dead letter with a long key and a
// short value gives back the very record (key included) that failed, so a
// replay sends the same identity to the same partition; a value over
// MaxValueBytes is cut and says so, so a replay skips it.
func TestRecordRoundTripsToTheOriginal(t *testing.T) {
	t.Parallel()
	ierr := &oink.InputError{Code: oink.CodeBadJSON, Field: "$", Msg: "not JSON", Stage: oink.StageValueConverter}
	src := kafka.Message{Topic: "orders", Partition: 3, Offset: 42, Key: bytes.Repeat([]byte("k"), 3<<10),
		Value: []byte("{"), Time: time.Unix(1700000000, 0), Headers: []kafka.Header{{Key: "trace", Value: []byte("t")}}}
	dl := Record(src, "orders.dlq", "oink-v2", ierr, time.Now())
	info := Parse(dl)
	if info.OriginalSize != 0 || info.Source != (Position{Topic: "orders", Partition: 3, Offset: 42}) || info.Field != "$" {
		t.Errorf("Parse = %+v", info)
	}
	back := Original(dl, "orders")
	if !bytes.Equal(back.Key, src.Key) || !bytes.Equal(back.Value, src.Value) || !back.Time.Equal(src.Time) ||
		len(back.Headers) != 1 || back.Headers[0].Key != "trace" {
		t.Errorf("Original: key %d bytes, value %q, headers %v; want the source record", len(back.Key), back.Value, back.Headers)
	}

	big := src
	big.Key, big.Value = []byte("k"), []byte(strings.Repeat("x", MaxValueBytes+10))
	info = Parse(Record(big, "orders.dlq", "oink-v2", ierr, time.Now()))
	if info.Size != MaxValueBytes || info.OriginalSize != MaxValueBytes+10 {
		t.Errorf("a big value: %d bytes kept, original %d; want %d and %d", info.Size, info.OriginalSize, MaxValueBytes, MaxValueBytes+10)
	}
}
