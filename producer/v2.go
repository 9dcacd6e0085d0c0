package producer

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/oinkhq/oink"
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
	return runLoop(ctx, cfg, v2{})
}

// v2 is the converter of OINK v2.
type v2 struct{}

func (v2) convert(m kafka.Message) ([]kafka.Message, error) {
	ev, err := Decode(m.Value)
	if err != nil {
		return nil, err
	}
	rt, err := Transform(ev)
	if err != nil {
		return nil, err
	}
	rec, err := Record(rt)
	if err != nil {
		return nil, err
	}
	return []kafka.Message{rec}, nil
}

func (v2) beforeWrite(context.Context, time.Time) error { return nil }
func (v2) afterWrite() error                            { return nil }

// Record returns the Kafka record of an RTCIM (topic unset): key = order id,
// value = JSON, timestamp = source event time.
func Record(rt oink.RetailTransaction) (kafka.Message, error) {
	val, err := json.Marshal(rt)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("encoding RTCIM %s: %w", rt.RTCIMID, err)
	}
	ts, err := time.Parse(time.RFC3339Nano, rt.SourceEventTime)
	if err != nil {
		return kafka.Message{}, fmt.Errorf("RTCIM %s: source_event_time %q: %w", rt.RTCIMID, rt.SourceEventTime, err)
	}
	return kafka.Message{Key: []byte(rt.OrderID), Value: val, Time: ts}, nil
}
