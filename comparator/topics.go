package comparator

import (
	"context"
	"fmt"

	"github.com/oinkhq/oink/internal/kafkaio"
)

// timestampTypeConfig is the topic config that says whose clock a record's
// timestamp is: CreateTime (the producer's) or LogAppendTime (the
// broker's). kafka-go's Message does not carry a record's timestamp type,
// and a topic applies its type to every record it holds, so Run reads it
// once per topic, when it starts.
const timestampTypeConfig = "message.timestamp.type"

// forTopics returns a copy of r bound to the control and candidate topics'
// timestamp types: when they differ, every pair differs at $timestamp_type
// (control first), which the rules judge like any difference.
func (r *Rules) forTopics(control, candidate string) *Rules {
	b := *r
	b.timestampTypes = [2]string{control, candidate}
	return &b
}

// bindTopics reads the timestamp type of cfg's topics and binds the rules
// to them. A cluster that does not answer stops Run: without the types, a
// difference downstream consumers can see would go unreported.
func bindTopics(ctx context.Context, cfg Config) (*Rules, error) {
	var types [2]string
	for i, topic := range []string{cfg.Control, cfg.Candidate} {
		t, err := kafkaio.TopicConfig(ctx, cfg.Brokers, topic, timestampTypeConfig)
		if err != nil {
			return nil, fmt.Errorf("reading the timestamp type of %s (the comparator needs DescribeConfigs on both topics): %w", topic, err)
		}
		types[i] = t
	}
	return cfg.Rules.forTopics(types[0], types[1]), nil
}
