package kafkaio_test

import (
	"testing"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestTopicConfigAsksAgainWhileTheTopicIsUnknown: a broker that does not
// know a topic created a moment ago (Apache Kafka answered DescribeConfigs
// so under load, after the metadata showed the topic) is asked again
// rather than failing the comparator's start.
func TestTopicConfigAsksAgainWhileTheTopicIsUnknown(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	if env.Real() {
		t.Skip("the unknown-topic answers are injected into the embedded broker")
	}
	topic := env.Topic("fresh")
	c := env.Embedded.Cluster()
	unknown := 3
	c.ControlKey(int16(kmsg.DescribeConfigs), func(r kmsg.Request) (kmsg.Response, error, bool) {
		if unknown == 0 {
			return nil, nil, false
		}
		unknown--
		c.KeepControl()
		req := r.(*kmsg.DescribeConfigsRequest)
		resp := req.ResponseKind().(*kmsg.DescribeConfigsResponse)
		for _, res := range req.Resources {
			rr := kmsg.NewDescribeConfigsResponseResource()
			rr.ResourceType, rr.ResourceName = res.ResourceType, res.ResourceName
			rr.ErrorCode = kerr.UnknownTopicOrPartition.Code
			resp.Resources = append(resp.Resources, rr)
		}
		return resp, nil, true
	})
	got, err := kafkaio.TopicConfig(t.Context(), env.Brokers, topic, "message.timestamp.type")
	if err != nil || got != "CreateTime" {
		t.Fatalf("TopicConfig after 3 unknown-topic answers = %q, %v; want CreateTime", got, err)
	}
}
