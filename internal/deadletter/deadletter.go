// Package deadletter writes and reads dead-letter records in Kafka Connect's
// format: the original key, value and headers untouched, plus the
// __connect.errors.* context headers, so existing Connect tooling reads
// oink's DLQs. Every oink component with a DLQ uses it.
//
//	dl := deadletter.Record(m, "orders.dlq", "oink-v2", inputErr, time.Now())
//	info := deadletter.Parse(m)   // for listing and replay
package deadletter

import (
	"strconv"
	"time"

	"github.com/oinkhq/oink"
	"github.com/segmentio/kafka-go"
)

// Header names, as Kafka Connect's DeadLetterQueueReporter writes them.
const (
	HeaderTopic            = "__connect.errors.topic"
	HeaderPartition        = "__connect.errors.partition"
	HeaderOffset           = "__connect.errors.offset"
	HeaderConnector        = "__connect.errors.connector.name"
	HeaderTask             = "__connect.errors.task.id"
	HeaderStage            = "__connect.errors.stage"
	HeaderClass            = "__connect.errors.class.name"
	HeaderExceptionClass   = "__connect.errors.exception.class.name"
	HeaderExceptionMessage = "__connect.errors.exception.message"
	// HeaderFailedAt is oink's own addition: when the record was rejected.
	HeaderFailedAt = "oink.errors.failed.at"
)

// stageClass names, for __connect.errors.class.name, the piece of oink that
// rejected the record at each stage.
var stageClass = map[string]string{
	oink.StageValueConverter: "oink.Decode",
	oink.StageTransformation: "oink.Transform",
}

// Record returns the dead letter of m for topic dlq: m's key, value, headers
// and timestamp, plus the error context headers of err.
func Record(m kafka.Message, dlq, connector string, err *oink.InputError, now time.Time) kafka.Message {
	h := make([]kafka.Header, 0, len(m.Headers)+10)
	h = append(h, m.Headers...)
	add := func(k, v string) { h = append(h, kafka.Header{Key: k, Value: []byte(v)}) }
	add(HeaderTopic, m.Topic)
	add(HeaderPartition, strconv.Itoa(m.Partition))
	add(HeaderOffset, strconv.FormatInt(m.Offset, 10))
	add(HeaderConnector, connector)
	add(HeaderTask, "0")
	add(HeaderStage, err.Stage)
	add(HeaderClass, stageClass[err.Stage])
	add(HeaderExceptionClass, err.Code)
	add(HeaderExceptionMessage, err.Error())
	add(HeaderFailedAt, now.UTC().Format(time.RFC3339Nano))
	return kafka.Message{Topic: dlq, Key: m.Key, Value: m.Value, Time: m.Time, Headers: h}
}

// Info is what a dead letter says about itself.
type Info struct {
	Topic     string    `json:"dlqTopic"`
	Partition int       `json:"dlqPartition"`
	Offset    int64     `json:"dlqOffset"`
	Key       string    `json:"key"`
	Time      time.Time `json:"time"`
	Connector string    `json:"connector"`
	Stage     string    `json:"stage"`
	ErrorCode string    `json:"errorClass"`
	Message   string    `json:"message"`
	Source    Position  `json:"source"`
	FailedAt  string    `json:"failedAt,omitempty"`
	Size      int       `json:"valueBytes"`
}

// Position is where a record was read from.
type Position struct {
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
}

// Parse reads the error context of a dead letter. Missing or malformed
// headers leave their fields zero (a partition or offset of -1), so a foreign
// record in a DLQ is listed, not rejected.
func Parse(m kafka.Message) Info {
	get := func(k string) string {
		for _, h := range m.Headers {
			if h.Key == k {
				return string(h.Value)
			}
		}
		return ""
	}
	num := func(k string) int64 {
		v, err := strconv.ParseInt(get(k), 10, 64)
		if err != nil {
			return -1
		}
		return v
	}
	return Info{
		Topic: m.Topic, Partition: m.Partition, Offset: m.Offset, Key: string(m.Key), Time: m.Time,
		Connector: get(HeaderConnector), Stage: get(HeaderStage), ErrorCode: get(HeaderExceptionClass),
		Message: get(HeaderExceptionMessage), FailedAt: get(HeaderFailedAt), Size: len(m.Value),
		Source: Position{Topic: get(HeaderTopic), Partition: int(num(HeaderPartition)), Offset: num(HeaderOffset)},
	}
}

// Original returns m as it was before it became a dead letter: same key,
// value and timestamp, with the error headers removed, addressed to topic.
func Original(m kafka.Message, topic string) kafka.Message {
	var h []kafka.Header
	for _, x := range m.Headers {
		if !isErrorHeader(x.Key) {
			h = append(h, x)
		}
	}
	return kafka.Message{Topic: topic, Key: m.Key, Value: m.Value, Time: m.Time, Headers: h}
}

func isErrorHeader(k string) bool {
	const connect, own = "__connect.errors.", "oink.errors."
	return len(k) >= len(connect) && k[:len(connect)] == connect || len(k) >= len(own) && k[:len(own)] == own
}
