package report

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
)

// maxGroups bounds the groups kept per topic: letters beyond it whose code
// and field are new count under one "other" group, so a topic of letters
// with ever new fields cannot grow a report without bound.
const maxGroups = 500

// otherCode is the code of the group of letters past maxGroups.
const otherCode = "(other codes and fields)"

// ReadDeadLetters reads every record of each topic that exists when it
// starts and groups them by error code and field. A topic that does not
// exist gives an entry with Missing set, not an error. metadataTimeout
// bounds each topic's first request (0: no bound of its own), so that
// unreachable brokers fail fast; reading the records is bounded by ctx
// alone, since a large topic takes the time it takes.
func ReadDeadLetters(ctx context.Context, brokers []string, topics []string, metadataTimeout time.Duration) ([]DeadLetterTopic, error) {
	out := make([]DeadLetterTopic, 0, len(topics))
	for _, topic := range topics {
		t, err := readDeadLetterTopic(ctx, brokers, topic, metadataTimeout)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// readDeadLetterTopic reads and groups one topic.
func readDeadLetterTopic(ctx context.Context, brokers []string, topic string, metadataTimeout time.Duration) (DeadLetterTopic, error) {
	t := DeadLetterTopic{Topic: topic}
	mctx, cancel := ctx, context.CancelFunc(func() {})
	if metadataTimeout > 0 {
		mctx, cancel = context.WithTimeout(ctx, metadataTimeout)
	}
	_, err := kafkaio.Partitions(mctx, brokers, topic)
	cancel()
	if err != nil {
		if errors.Is(err, kafka.UnknownTopicOrPartition) {
			t.Missing = true
			return t, nil
		}
		return t, err
	}
	g := grouper{index: map[groupKey]int{}}
	err = kafkaio.ReadTopic(ctx, brokers, topic, func(m kafka.Message) error {
		g.add(&t, deadletter.Parse(m))
		return nil
	})
	if err != nil {
		return t, fmt.Errorf("reading dead letters: %w", err)
	}
	t.Groups = g.groups
	slices.SortStableFunc(t.Groups, func(a, b DeadLetterGroup) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Code, b.Code), cmp.Compare(a.Field, b.Field))
	})
	return t, nil
}

type groupKey struct{ code, field string }

// grouper groups dead letters by code and field.
type grouper struct {
	index  map[groupKey]int
	groups []DeadLetterGroup
}

// add counts one letter into t and its group.
func (g *grouper) add(t *DeadLetterTopic, in deadletter.Info) {
	t.Total++
	if t.First.IsZero() || in.Time.Before(t.First) {
		t.First = in.Time.UTC()
	}
	if in.Time.After(t.Last) {
		t.Last = in.Time.UTC()
	}
	k := groupKey{code: in.ErrorCode, field: fieldPattern(in.Field)}
	if k.code == "" {
		k.code = "(no code)"
	}
	i, ok := g.index[k]
	if !ok && len(g.groups) >= maxGroups {
		k = groupKey{code: otherCode}
		i, ok = g.index[k]
	}
	if !ok {
		i = len(g.groups)
		g.index[k] = i
		g.groups = append(g.groups, DeadLetterGroup{Code: k.code, Field: k.field, Example: in.Message,
			ExampleSource: fmt.Sprintf("%s/%d@%d", in.Source.Topic, in.Source.Partition, in.Source.Offset)})
	}
	g.groups[i].Count++
}

var arrayIndex = regexp.MustCompile(`\[\d+\]`)

// fieldPattern replaces array indices with [*]: a bad unit price is one
// problem whichever line it is on.
func fieldPattern(field string) string {
	return arrayIndex.ReplaceAllString(field, "[*]")
}
