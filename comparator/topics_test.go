package comparator

import (
	"maps"
	"testing"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
)

// TestBindTopicsReadsEachTopicsTimestampType: Run binds the rules to the
// message.timestamp.type the cluster reports for each topic, so topics of
// two types make every pair differ at $timestamp_type.
func TestBindTopicsReadsEachTopicsTimestampType(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	control, candidate := env.Topic("create"), env.Topic("x")+"-append"
	spec := env.Spec
	spec.Configs = maps.Clone(spec.Configs)
	spec.Configs[timestampTypeConfig] = "LogAppendTime"
	if err := kafkaio.EnsureTopics(t.Context(), env.Brokers, spec, candidate); err != nil {
		t.Fatal(err)
	}
	r, err := bindTopics(t.Context(), Config{Brokers: env.Brokers, Control: control, Candidate: candidate, Rules: DefaultRules()})
	if err != nil {
		t.Fatalf("bindTopics = %v", err)
	}
	if r.timestampTypes != [2]string{"CreateTime", "LogAppendTime"} {
		t.Errorf("timestamp types = %q, want CreateTime and LogAppendTime", r.timestampTypes)
	}
	res, err := r.Compare([]byte(`{}`), []byte(`{}`))
	if err != nil || res.Outcome != Divergent || len(res.Diffs) != 1 || res.Diffs[0].Path != PathTimestampType {
		t.Errorf("Compare of equal values = %+v, %v; want a divergence at %s", res, err, PathTimestampType)
	}
	same, err := bindTopics(t.Context(), Config{Brokers: env.Brokers, Control: control, Candidate: control, Rules: DefaultRules()})
	if err != nil || same.topicsDiffer() {
		t.Errorf("bindTopics of one topic = %v, %v; want equal types", same, err)
	}
}
