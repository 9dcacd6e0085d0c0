package kafkatest

import (
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// faulty returns the embedded broker, to inject fault into; a test on a
// real cluster is skipped, since nothing there can be made to misbehave
// from here.
func (e *Env) faulty(fault string) *kfake.Cluster {
	e.tb.Helper()
	if e.Real() {
		e.tb.Skip(fault + ": injected only into the embedded broker (OINK_TEST_BROKERS is set)")
	}
	return e.Embedded.Cluster()
}

// RefuseProduce makes the embedded broker answer every Produce request
// from now on with the Kafka error code for each partition in it (say
// kerr.TopicAuthorizationFailed.Code), as a broker refusing the writer
// for good would. A test on a real cluster is skipped.
func (e *Env) RefuseProduce(code int16) {
	e.tb.Helper()
	c := e.faulty("a produce error")
	c.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		return refuse(r.(*kmsg.ProduceRequest), code), nil, true
	})
}

func refuse(req *kmsg.ProduceRequest, code int16) *kmsg.ProduceResponse {
	resp := req.ResponseKind().(*kmsg.ProduceResponse)
	resp.Version = req.Version
	for _, rt := range req.Topics {
		st := kmsg.NewProduceResponseTopic()
		st.Topic, st.TopicID = rt.Topic, rt.TopicID
		for _, rp := range rt.Partitions {
			sp := kmsg.NewProduceResponseTopicPartition()
			sp.Partition = rp.Partition
			sp.ErrorCode = code
			st.Partitions = append(st.Partitions, sp)
		}
		resp.Topics = append(resp.Topics, st)
	}
	return resp
}

// UnknownTopicToDescribeConfigs makes the embedded broker answer its next
// n DescribeConfigs requests with UNKNOWN_TOPIC_OR_PARTITION for every
// resource, as a broker of a real cluster does for a topic created a
// moment ago that it has not heard of yet. A test on a real cluster is
// skipped.
func (e *Env) UnknownTopicToDescribeConfigs(n int) {
	e.tb.Helper()
	c := e.faulty("an unknown-topic answer")
	c.ControlKey(int16(kmsg.DescribeConfigs), func(r kmsg.Request) (kmsg.Response, error, bool) {
		if n == 0 {
			return nil, nil, false // kfake runs control functions one at a time
		}
		n--
		c.KeepControl()
		req := r.(*kmsg.DescribeConfigsRequest)
		resp := req.ResponseKind().(*kmsg.DescribeConfigsResponse)
		resp.Version = req.Version
		for _, res := range req.Resources {
			rr := kmsg.NewDescribeConfigsResponseResource()
			rr.ResourceType, rr.ResourceName = res.ResourceType, res.ResourceName
			rr.ErrorCode = kerr.UnknownTopicOrPartition.Code
			resp.Resources = append(resp.Resources, rr)
		}
		return resp, nil, true
	})
}
