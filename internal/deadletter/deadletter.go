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
	// HeaderField is oink's own addition: the JSON path of the offending
	// field (oink.InputError's Field), "$" for the record as a whole.
	HeaderField = "oink.errors.field"
	// HeaderValueBytes is set only on a dead letter whose value was cut to
	// MaxValueBytes: the size of the original value. The original stays on
	// its source topic at the position the __connect.errors.* headers name.
	HeaderValueBytes = "oink.errors.value.original.bytes"
)

// Size limits of a dead letter. A record may be as large as its source
// topic's max.message.bytes (~1 MiB by default), but its dead letter adds
// ~0.5 KB of headers and must fit the DLQ topic's limit and kafkaio's
// writer batch (900 KiB): a dead letter that cannot be written would stop
// its component for good, retrying. So the copied value is cut to
// MaxValueBytes, with HeaderValueBytes saying so, and the exception message
// to MaxMessageBytes (a huge bad value may be quoted in it).
const (
	MaxValueBytes   = 512 << 10
	MaxMessageBytes = 2 << 10
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
	add(HeaderExceptionMessage, cut(err.Error(), MaxMessageBytes))
	add(HeaderFailedAt, now.UTC().Format(time.RFC3339Nano))
	add(HeaderField, cut(err.Field, MaxMessageBytes))
	value := m.Value
	if len(value) > MaxValueBytes {
		add(HeaderValueBytes, strconv.Itoa(len(value)))
		value = value[:MaxValueBytes]
	}
	// The key stays whole: replay sends it back as it came (a cut key would
	// be another identity on another partition), and the source record held
	// it, so key + cut value still fit in a record.
	return kafka.Message{Topic: dlq, Key: m.Key, Value: value, Time: m.Time, Headers: h}
}

// cut returns s cut to at most n bytes, marked with a trailing "…" when cut.
// It may split a UTF-8 sequence: the bytes are evidence, not text.
func cut[T ~string | ~[]byte](s T, n int) T {
	if len(s) <= n {
		return s
	}
	return T(string(s[:n-len("…")]) + "…")
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
	Field     string    `json:"field,omitempty"`
	Source    Position  `json:"source"`
	FailedAt  string    `json:"failedAt,omitempty"`
	Size      int       `json:"valueBytes"`
	// OriginalSize is the size of the original value when the dead letter
	// holds only its first MaxValueBytes, else 0.
	OriginalSize int `json:"originalValueBytes,omitempty"`
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
		Field: get(HeaderField), OriginalSize: int(max(num(HeaderValueBytes), 0)),
		Source: Position{Topic: get(HeaderTopic), Partition: int(num(HeaderPartition)), Offset: num(HeaderOffset)},
	}
}

// Original returns m as it was before it became a dead letter: same key,
// value and timestamp, with the error headers removed, addressed to topic.
// A cut dead letter (Info.OriginalSize > 0) holds only the start of the
// value: its original must be read from the source position instead.
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
