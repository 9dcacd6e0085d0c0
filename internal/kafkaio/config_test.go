package kafkaio_test

import (
	"testing"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
)

// TestTopicConfigAsksAgainWhileTheTopicIsUnknown: a broker that does not
// know a topic created a moment ago (Apache Kafka answered DescribeConfigs
// so under load, after the metadata showed the topic) is asked again
// rather than failing the comparator's start.
func TestTopicConfigAsksAgainWhileTheTopicIsUnknown(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	topic := env.Topic("fresh")
	env.UnknownTopicToDescribeConfigs(3)
	got, err := kafkaio.TopicConfig(t.Context(), env.Brokers, topic, "message.timestamp.type")
	if err != nil || got != "CreateTime" {
		t.Fatalf("TopicConfig after 3 unknown-topic answers = %q, %v; want CreateTime", got, err)
	}
}
