package producer

import (
	"context"
	"fmt"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// Run runs OINK v2 until ctx ends (draining the batch in hand) or, with
// StopWhenIdle, until the upstream topic is consumed: each event of From
// becomes one RTCIM on To, keyed by order id, with the source event time as
// its timestamp, or a dead letter on DLQ. Offsets are committed only after
// the records they cover are acknowledged. Several Runs with the same Group
// share the partitions.
func Run(ctx context.Context, cfg Config) (Stats, error) {
	if cfg.Name == "" {
		cfg.Name = "oink-v2"
	}
	return Serve(ctx, cfg, v2{future: NewFutureCheck(cfg)})
}

// v2 is the converter of OINK v2.
type v2 struct{ future FutureCheck }

func (c v2) Convert(m kafka.Message) ([]kafka.Message, error) {
	rec, err := c.convertOne(m)
	if err != nil {
		return nil, err
	}
	return []kafka.Message{rec}, nil
}

// convertOne is Convert without the slice: what Serve calls.
func (c v2) convertOne(m kafka.Message) (kafka.Message, error) {
	ev, err := Decode(m.Value)
	if err != nil {
		return kafka.Message{}, err
	}
	rt, err := Transform(ev)
	if err != nil {
		return kafka.Message{}, err
	}
	if err := c.future.Check(ev); err != nil {
		return kafka.Message{}, err
	}
	rec, err := Record(rt)
	if err != nil {
		return kafka.Message{}, err
	}
	if size := len(rec.Key) + len(rec.Value); size > MaxRecordBytes {
		// Written, it would be refused for good ([10] Message Size Too
		// Large) and stop v2, retrying: reject it instead (invariant 5).
		return kafka.Message{}, oink.Invalid(oink.CodeRecordTooLarge, "$", "the RTCIM would be %d bytes, over the %d-byte limit of one record (a field value is huge)", size, MaxRecordBytes)
	}
	return rec, nil
}

// MaxRecordBytes bounds the key and value of one RTCIM: what fits one
// writer batch (kafkaio.WriterBatchBytes, under the broker's default
// max.message.bytes) with room for headers and framing.
const MaxRecordBytes = kafkaio.WriterBatchBytes - 4<<10

func (v2) BeforeWrite(context.Context, time.Time) error { return nil }
func (v2) AfterWrite() error                            { return nil }

// Record returns the Kafka record of an RTCIM (topic unset): key = order id,
// value = JSON, timestamp = source event time. The JSON is encoded by
// github.com/goccy/go-json, byte for byte what encoding/json writes
// (FuzzRecordAgreesWithEncodingJSON) in under half its time
// (BENCHMARKS.md, "JSON").
func Record(rt oink.RetailTransaction) (kafka.Message, error) {
	val, err := gojson.MarshalOf(rt)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("encoding RTCIM %s: %w", rt.RTCIMID, err)
	}
	ts, err := time.Parse(time.RFC3339Nano, rt.SourceEventTime)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("RTCIM %s: source_event_time %q: %w", rt.RTCIMID, rt.SourceEventTime, err)
	}
	return kafka.Message{Key: []byte(rt.OrderID), Value: val, Time: ts}, nil
}

// ConvertsConcurrently reports true: Convert is pure, so Serve converts v2's
// batches on every core.
func (v2) ConvertsConcurrently() bool { return true }
