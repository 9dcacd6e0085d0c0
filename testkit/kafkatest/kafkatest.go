package kafkatest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/internal/broker"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// Env is one test's broker.
type Env struct {
	Brokers []string
	// Embedded is the in-process broker, nil on a real cluster.
	Embedded *broker.Broker
	// Spec is how Topic creates topics.
	Spec   kafkaio.TopicSpec
	prefix string
	tb     testing.TB
	outage outage
}

// Partitions of every topic a test creates.
const Partitions = 12

// New returns the broker for tb, closed at cleanup.
func New(tb testing.TB) *Env {
	tb.Helper()
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	env := &Env{tb: tb, prefix: sanitize(tb.Name()) + "-" + hex.EncodeToString(suffix) + ".",
		Spec: kafkaio.TopicSpec{Partitions: Partitions, ReplicationFactor: 1,
			// Tests write records with fixed event times, months in the past.
			// A real broker's time-based retention (retention.ms, 7 days by
			// default, checked every 5 minutes) deletes those, even from the
			// active segment, whenever its check comes round; the test then
			// reads back an empty topic. kfake applies retention only to
			// topics that set it, and hourly.
			Configs: map[string]string{"retention.ms": "-1"}}}
	if s := os.Getenv("OINK_TEST_BROKERS"); s != "" {
		env.Brokers = strings.Split(s, ",")
		if rf, err := strconv.Atoi(os.Getenv("OINK_TEST_REPLICATION_FACTOR")); err == nil {
			env.Spec.ReplicationFactor = rf
		}
		return env
	}
	b, err := broker.Start(broker.Config{Partitions: Partitions, Topics: []string{}})
	if err != nil {
		tb.Fatalf("starting the embedded broker: %v", err)
	}
	tb.Cleanup(b.Close)
	env.Embedded = b
	env.Brokers = b.Addrs()
	return env
}

// Real reports whether the test runs against a real cluster.
func (e *Env) Real() bool { return e.Embedded == nil }

var unsafeChars = regexp.MustCompile(`[^a-zA-Z0-9._-]+`)

func sanitize(s string) string {
	s = unsafeChars.ReplaceAllString(s, "_")
	if len(s) > 80 {
		s = s[len(s)-80:]
	}
	return s
}

// Topic returns a topic name unique to this test for name, and creates it.
func (e *Env) Topic(name string) string {
	e.tb.Helper()
	t := e.prefix + name
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := kafkaio.EnsureTopics(ctx, e.Brokers, e.Spec, t); err != nil {
		e.tb.Fatalf("creating topic %s: %v", t, err)
	}
	return t
}

// Group returns a consumer group name unique to this test.
func (e *Env) Group(name string) string { return e.prefix + name }

// ReadAll returns every committed record of topic, as a read_committed
// consumer sees it (the live topic is written in transactions).
func (e *Env) ReadAll(topic string) []kafka.Message {
	e.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out []kafka.Message
	if err := kafkaio.ReadCommitted(ctx, e.Brokers, topic, func(m kafka.Message) error {
		out = append(out, m)
		return nil
	}); err != nil {
		e.tb.Fatalf("reading %s: %v", topic, err)
	}
	return out
}

// WaitFor polls cond every 20ms until it holds, failing tb after timeout.
func WaitFor(tb testing.TB, timeout time.Duration, what string, cond func() bool) {
	tb.Helper()
	WaitForOr(tb, timeout, what, cond, nil)
}

// WaitForOr is WaitFor that, on timeout, adds what explain says of the
// state it waited on (nil: nothing) to the failure.
func WaitForOr(tb testing.TB, timeout time.Duration, what string, cond func() bool, explain func() string) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			why := ""
			if explain != nil {
				why = "\n" + explain()
			}
			tb.Fatalf("timed out after %v waiting for %s%s", timeout, what, why)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}
