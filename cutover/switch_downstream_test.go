package cutover

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// downstream is a consumer of the live topic as a downstream system runs
// one: franz-go, a consumer group, isolation level read_committed. It
// records every record it is handed.
type downstream struct {
	cl *kgo.Client

	mu      sync.Mutex
	records []kafka.Message
	types   map[int8]int // timestamp types seen
}

func newDownstream(t *testing.T, brokers []string, topic, group string) *downstream {
	cl, err := kafkaio.NewKgo(brokers, kgo.ConsumerGroup(group), kgo.ConsumeTopics(topic),
		kgo.FetchIsolationLevel(kgo.ReadCommitted()), kgo.ConsumeResetOffset(kgo.NewOffset().AtStart()),
		kgo.FetchMaxWait(100*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	d := &downstream{cl: cl, types: map[int8]int{}}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		for ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			d.mu.Lock()
			fs.EachRecord(func(r *kgo.Record) {
				d.records = append(d.records, kafkaio.Message(r))
				d.types[r.Attrs.TimestampType()]++
			})
			d.mu.Unlock()
		}
	}()
	t.Cleanup(func() { cancel(); <-done; cl.Close() })
	return d
}

func (d *downstream) count() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.records)
}

// TestInvariantDownstreamCannotTellTheVersion: during a live cutover 0 → 1
// → 10 → 50% → rollback to 0 → 100%, a downstream consumer written with
// another client (franz-go, read_committed, a consumer group) reads the
// live topic as it is written; every record it gets equals, byte for byte —
// key, value, headers in order, timestamp and its type, partition — the
// record the owning version wrote, and each identity comes exactly once
// (invariant 4, the seed's criterion: downstream cannot tell which version
// made a record). On the embedded broker, and on a real cluster when
// OINK_TEST_BROKERS names one.
func TestInvariantDownstreamCannotTellTheVersion(t *testing.T) {
	t.Parallel()
	downstreamCannotTell(t, newLiveRig(t))
}

// TestInvariantDownstreamOnALiveTopicOfAnotherCount: the same cutover with
// --live-partitioning key over a live topic that exists with fewer (6) and
// more (24) partitions than the sources' 12: each identity comes exactly
// once, each record equal to its owner's in key, value, headers,
// timestamp and its type, and on the partition murmur2 of its key picks
// among the live topic's (the Java client's and franz-go's default).
func TestInvariantDownstreamOnALiveTopicOfAnotherCount(t *testing.T) {
	t.Parallel()
	for _, n := range []int{6, 24} {
		t.Run(fmt.Sprintf("%d partitions", n), func(t *testing.T) {
			r := newLiveRig(t).byKey(t, n)
			got := downstreamCannotTell(t, r)
			parts := map[string]int{}
			for _, m := range got {
				if want := oink.KeyPartition(m.Key, n); m.Partition != want {
					t.Fatalf("key %s on live partition %d, want murmur2 mod %d = %d", m.Key, m.Partition, n, want)
				}
				parts[string(m.Key)] = m.Partition
			}
			used := map[int]bool{}
			for _, p := range parts {
				used[p] = true
			}
			if len(used) != n {
				t.Errorf("records on %d of the %d live partitions, want all", len(used), n)
			}
		})
	}
}

// downstreamCannotTell runs the cutover of
// TestInvariantDownstreamCannotTellTheVersion on r's live topic,
// partitioned as r says, checks what a downstream consumer read and
// returns it.
func downstreamCannotTell(t *testing.T, r *liveRig) []kafka.Message {
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	down := newDownstream(t, r.env.Brokers, r.live, r.env.Group("finance"))
	cfg := r.switchConfig()
	cfg.StopWhenIdle = 0
	stop := r.startSwitch(t, cfg)
	steps := r.walkRoute(ctx, time.Second, 1, 10, 50, 0, 100)
	r.produce(ctx, t, 12000, 2000)
	if err := <-steps; err != nil {
		t.Fatal(err)
	}
	route, err := r.store.Route(ctx, r.run)
	if err != nil {
		t.Fatal(err)
	}
	v1, v2 := r.env.ReadAll(r.v1), r.env.ReadAll(r.v2)
	// Everything the owners produced reaches the consumer.
	want := expectedLive(t, r, v1, v2, route)
	kafkatest.WaitFor(t, time.Minute, fmt.Sprintf("the consumer to read the %d expected records", want), func() bool {
		return down.count() >= want
	})
	rep, swErr := stop()
	if swErr != nil {
		t.Fatal(swErr)
	}
	down.mu.Lock()
	got, types := down.records, down.types
	down.mu.Unlock()
	live, err := CheckLiveOn(got, v1, v2, route, r.rules.Identity(), r.lp, r.liveParts)
	if err != nil {
		t.Fatalf("downstream can tell: %v (%+v)", err, live)
	}
	if live.FromV1 == 0 || live.FromV2 == 0 {
		t.Errorf("live %+v: want records of both versions across the cutover", live)
	}
	if len(types) != 1 || types[0] == 0 {
		t.Errorf("timestamp types seen downstream %v: want only CreateTime (0), as v1 and v2 write", types)
	}
	for _, m := range got {
		for _, h := range m.Headers {
			if strings.HasPrefix(h.Key, "oink-") {
				t.Fatalf("a live record carries %s: the switch added a header", h.Key)
			}
		}
	}
	if f := rep.Totals.Forwarded; int(f[0]+f[1]) != live.Live {
		t.Errorf("switch report %+v forwarded %d, the consumer read %d", rep.Totals, f[0]+f[1], live.Live)
	}
	t.Logf("downstream read %d records (v1 %d, v2 %d); switch %s", live.Live, live.FromV1, live.FromV2, fmt.Sprint(rep.Totals))
	return got
}

// wantLive is expectedLive over the version topics and the route as they
// are now: once the producers have committed every event and the route's
// last transition is in, the live topic's final count.
func (r *liveRig) wantLive(ctx context.Context, t *testing.T) int {
	t.Helper()
	route, err := r.store.Route(ctx, r.run)
	if err != nil {
		t.Fatal(err)
	}
	return expectedLive(t, r, r.env.ReadAll(r.v1), r.env.ReadAll(r.v2), route)
}

// expectedLive counts the identities whose owning version produced them:
// what the live topic must hold.
func expectedLive(t *testing.T, r *liveRig, v1, v2 []kafka.Message, route diffstore.Route) int {
	t.Helper()
	produced := [2]map[string]kafka.Message{{}, {}}
	for s, msgs := range [][]kafka.Message{v1, v2} {
		for _, m := range msgs {
			id, _, err := r.rules.Identify(m.Key, m.Value, m.Time)
			if err != nil {
				t.Fatal(err)
			}
			produced[s][id] = m
		}
	}
	n := 0
	for s := range 2 {
		for id, m := range produced[s] {
			_, at, _ := r.rules.Identify(m.Key, m.Value, m.Time)
			owner := Owner(route, m.Key, at)
			if _, ok := produced[owner][id]; ok && owner == s {
				n++
			}
		}
	}
	return n
}
