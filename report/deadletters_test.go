package report_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/segmentio/kafka-go"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/report"
	"github.com/oinkhq/oink/testkit/kafkatest"
)

// letter is one dead letter to write: its error and source offset.
type letter struct {
	code, field, msg string
	offset           int64
}

// producerLetters are what OINK v2 dead-letters in the fixture: bad time
// zones, bad prices on several lines (one problem: the field's index is
// not part of it), and unbalanced tenders.
var producerLetters = []letter{
	{oink.CodeUnknownTimeZone, "order.store_timezone", `"Europe/Paris2" is not an IANA time zone`, 11},
	{oink.CodeInvalidMoney, "order.lines[0].unit_price", `"12.3.4" is not a decimal amount`, 12},
	{oink.CodeUnknownTimeZone, "order.store_timezone", `"EST5" is not an IANA time zone`, 13},
	{oink.CodeInvalidMoney, "order.lines[2].unit_price", `"1,99" is not a decimal amount`, 14},
	{oink.CodeUnbalancedTenders, "order.payments", "tenders sum to 25.00, want 27.50", 15},
	{oink.CodeInvalidMoney, "order.lines[1].unit_price", `"" is not a decimal amount`, 16},
	{oink.CodeUnknownTimeZone, "order.store_timezone", `"" is not an IANA time zone`, 17},
}

// comparatorLetters are what the comparator dead-letters: one v2 record
// that is not JSON.
var comparatorLetters = []letter{{oink.CodeBadJSON, "$", "invalid character '}' looking for beginning of value", 7}}

// writeLetters writes letters to a new topic dlq of env, as coming from
// source, and returns the topic's name.
func writeLetters(t testing.TB, env *kafkatest.Env, dlq, source, connector string, letters []letter) string {
	t.Helper()
	topic := env.Topic(dlq)
	var ms []kafka.Message
	for i, l := range letters {
		m := kafka.Message{Topic: source, Partition: 3, Offset: l.offset, Key: []byte("O-1"), Value: []byte(`{"bad": true}`),
			Time: fixtureBase.Add(time.Duration(i) * time.Minute)}
		ie := &oink.InputError{Code: l.code, Stage: oink.StageTransformation, Field: l.field, Msg: l.msg}
		ms = append(ms, deadletter.Record(m, topic, connector, ie, fixtureBase))
	}
	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	must(t, w.WriteMessages(ctx, ms...))
	return topic
}

// fixtureDeadLetters writes the fixture's dead letters, reads them back
// with ReadDeadLetters, and names the topics as in production (the test's
// topics carry a unique prefix).
func fixtureDeadLetters(t testing.TB) []report.DeadLetterTopic {
	t.Helper()
	env := kafkatest.New(t)
	orders := writeLetters(t, env, "orders.dlq", "orders", "oink-v2", producerLetters)
	compare := writeLetters(t, env, "rtcim.compare.dlq", "rtcim.v2", "oink-compare", comparatorLetters)
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	got, err := report.ReadDeadLetters(ctx, env.Brokers, []string{orders, compare, env.Group("never.created.dlq")}, 10*time.Second)
	must(t, err)
	for i, name := range []string{"orders.dlq", "rtcim.compare.dlq", "never.created.dlq"} {
		got[i].Topic = name
	}
	return got
}

func TestReadDeadLettersGroupsByCodeAndField(t *testing.T) {
	t.Parallel()
	got := fixtureDeadLetters(t)
	want := []report.DeadLetterTopic{
		{Topic: "orders.dlq", Total: 7, First: fixtureBase, Last: fixtureBase.Add(6 * time.Minute), Groups: []report.DeadLetterGroup{
			{Code: oink.CodeInvalidMoney, Field: "order.lines[*].unit_price", Count: 3,
				Example: `order.lines[0].unit_price: "12.3.4" is not a decimal amount`, ExampleSource: "orders/3@12"},
			{Code: oink.CodeUnknownTimeZone, Field: "order.store_timezone", Count: 3,
				Example: `order.store_timezone: "Europe/Paris2" is not an IANA time zone`, ExampleSource: "orders/3@11"},
			{Code: oink.CodeUnbalancedTenders, Field: "order.payments", Count: 1,
				Example: "order.payments: tenders sum to 25.00, want 27.50", ExampleSource: "orders/3@15"},
		}},
		{Topic: "rtcim.compare.dlq", Total: 1, First: fixtureBase, Last: fixtureBase, Groups: []report.DeadLetterGroup{
			{Code: oink.CodeBadJSON, Field: "$", Count: 1,
				Example: "$: invalid character '}' looking for beginning of value", ExampleSource: "rtcim.v2/3@7"},
		}},
		{Topic: "never.created.dlq", Missing: true},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("ReadDeadLetters (-want +got):\n%s", diff)
	}
}
