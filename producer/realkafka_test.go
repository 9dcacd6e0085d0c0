package producer_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink/producer"

	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// The tests in this file SIGKILL brokers of a real Apache Kafka cluster
// started by scripts/kafka, while OINK v2 runs, and check invariant 1 after.
// They need the script (to kill and restart nodes) as well as the cluster:
//
//	export OINK_TEST_BROKERS=$(scripts/kafka up 3)
//	OINK_TEST_KAFKA_SCRIPT=$PWD/scripts/kafka go test -race -run TestRealKafka -count=3 ./producer/
//
// producer.Run them on their own (not beside other packages' tests on the same
// cluster): a killed broker stalls every client of the cluster for seconds.

const (
	// realKafkaEvents is the upstream load of each fault test: enough that
	// producer.Run is still busy when the broker dies and after it is fenced.
	realKafkaEvents = 200_000
	// realKafkaDeadline bounds each fault test from producer.Run's start to its end.
	// Under -race on 2 busy cores producer.Run took up to 2m12s for the load.
	realKafkaDeadline = 5 * time.Minute
	// metricEventsIn is the Prometheus counter of events a producer handled
	// (written and acknowledged, about to be committed).
	metricEventsIn = "oink_producer_events_in_total"
)

// dropTopics deletes topics at the end of the test, so that the records of
// repeated runs do not pile up on the cluster: a node restarted after a
// SIGKILL recovers every log it holds before it serves again.
func dropTopics(tb testing.TB, brokers []string, topics ...string) {
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(tb.Context()), 30*time.Second)
		defer cancel()
		resp, err := kafkaio.Client(brokers).DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: topics})
		if err == nil {
			err = errors.Join(slices.Collect(maps.Values(resp.Errors))...)
		}
		if err != nil {
			tb.Logf("deleting topics %v (left on the cluster): %v", topics, err)
		}
	})
}

// readTopics reads whole topics at once, each within timeout; kafkatest's
// ReadAll allows one minute, which 200K records under -race on a busy
// machine can exceed.
func readTopics(t *testing.T, brokers []string, timeout time.Duration, topics ...string) [][]kafka.Message {
	t.Helper()
	out := make([][]kafka.Message, len(topics))
	errs := make([]error, len(topics))
	var wg sync.WaitGroup
	for i, topic := range topics {
		wg.Go(func() {
			ctx, cancel := context.WithTimeout(t.Context(), timeout)
			defer cancel()
			errs[i] = kafkaio.ReadTopic(ctx, brokers, topic, func(m kafka.Message) error {
				out[i] = append(out[i], m)
				return nil
			})
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatalf("reading back %v: %v", topics, err)
	}
	return out
}

// checkUpstreamCopies finds the copies of upstream records that the loader
// wrote twice, checks invariant 1 for each copy, and returns upstream and dlq
// without the copies and their dead letters, for producer.CheckNoLoss's exact
// accounting (which counts distinct events).
//
// kafka-go has no idempotent producer: when a produce request times out on
// a busy real cluster after the broker appended it, the Writer's retry
// appends the batch again (measured: 6659 of 200,000 records while the
// machine's load average was ~40). kfake never times out like that. A copy
// has the same partition, timestamp, key and value as its original; two
// generated events never share a timestamp.
func checkUpstreamCopies(t *testing.T, upstream, dlq []kafka.Message) (distinct, dlqDistinct []kafka.Message) {
	t.Helper()
	dead := map[string]bool{}
	for _, m := range dlq {
		src := deadletter.Parse(m).Source
		dead[producer.PositionKey(src.Partition, src.Offset)] = true
	}
	first := map[string]string{} // record identity -> position of its first copy
	copies := map[string]bool{}  // positions of later copies
	for _, m := range upstream {
		id := fmt.Sprint(m.Partition, "|", m.Time.UnixNano(), "|", string(m.Key), "|", string(m.Value))
		pos := producer.PositionKey(m.Partition, m.Offset)
		orig, seen := first[id]
		if !seen {
			first[id] = pos
			distinct = append(distinct, m)
			continue
		}
		copies[pos] = true
		// v2 handles a copy like any record: a dead letter of its own when
		// the original got one, else the original's RTCIM again.
		if dead[orig] != dead[pos] {
			t.Errorf("upstream %s is a copy of %s, but only one of them is a dead letter", pos, orig)
		}
	}
	for _, m := range dlq {
		src := deadletter.Parse(m).Source
		if !copies[producer.PositionKey(src.Partition, src.Offset)] {
			dlqDistinct = append(dlqDistinct, m)
		}
	}
	if len(copies) > 0 {
		t.Logf("the load wrote %d records twice (kafka-go Writer retries, no idempotence); each copy was handled too", len(copies))
	}
	return distinct, dlqDistinct
}

// counter returns the sum of the Prometheus counter name in reg, or -1.
func counter(reg *prometheus.Registry, name string) float64 {
	mfs, err := reg.Gather()
	if err != nil {
		return -1
	}
	for _, mf := range mfs {
		if mf.GetName() == name {
			var sum float64
			for _, m := range mf.GetMetric() {
				sum += m.GetCounter().GetValue()
			}
			return sum
		}
	}
	return 0
}

// killScenario is one real-cluster fault: which node dies, and how to tell
// that the cluster has handed its role to a survivor.
type killScenario struct {
	role string
	// victim returns the node id to SIGKILL.
	victim func(ctx context.Context, p *pipeline, cfg producer.Config) (int, error)
	// moved reports whether node's role has moved to a live node.
	moved func(ctx context.Context, p *pipeline, cfg producer.Config, node int) bool
}

// bgRun is producer.Run going on in the background, watched through its
// metrics.
type bgRun struct {
	reg   *prometheus.Registry
	start time.Time
	done  chan struct{}
	stats producer.Stats
	err   error
}

// startRun starts producer.Run with cfg until ctx ends; the test's cleanup calls
// cancel and waits for producer.Run, which logs to t.
func startRun(t *testing.T, ctx context.Context, cancel context.CancelFunc, cfg producer.Config) *bgRun {
	r := &bgRun{reg: prometheus.NewRegistry(), start: time.Now(), done: make(chan struct{})}
	cfg.Metrics = producer.NewMetrics(r.reg, "v2")
	go func() {
		defer close(r.done)
		r.stats, r.err = producer.Run(ctx, cfg)
	}()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// events is how many events producer.Run has written and is about to commit.
func (r *bgRun) events() float64 { return counter(r.reg, metricEventsIn) }

func (r *bgRun) finished() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// runUntilKilled loads realKafkaEvents events, starts producer.Run, SIGKILLs the
// scenario's victim once producer.Run has written output, waits for the role to move
// and for producer.Run to make progress again, restarts the node, lets producer.Run finish
// and checks that no event was lost.
func runUntilKilled(t *testing.T, sc killScenario) {
	env, script := kafkatest.RealCluster(t)
	p := &pipeline{env: env, orders: env.Topic("orders"), out: env.Topic("rtcim.v2"), dlq: env.Topic("orders.dlq"),
		gen: loadgen.Config{Seed: 42, InvalidRatio: 0.01, Start: time.Date(2026, 3, 7, 20, 0, 0, 0, time.UTC), Step: time.Millisecond}}
	dropTopics(t, env.Brokers, p.orders, p.out, p.dlq)
	loadStart := time.Now()
	sum := p.load(t, realKafkaEvents)
	t.Logf("loaded %d events in %v", sum.Events, time.Since(loadStart).Round(time.Millisecond))

	cfg := p.config(t, "v2")
	cfg.StopWhenIdle = 3 * time.Second
	ctx, cancel := context.WithTimeout(t.Context(), realKafkaDeadline)
	defer cancel()
	run := startRun(t, ctx, cancel, cfg)
	kafkatest.WaitFor(t, time.Minute, "Run's first acknowledged batch", func() bool { return run.events() > 0 || run.finished() })

	node, err := sc.victim(ctx, p, cfg)
	if err != nil {
		t.Fatalf("finding the %s: %v", sc.role, err)
	}
	logRoles(t, ctx, p, cfg, node)
	atKill := run.events()
	if run.finished() || atKill >= realKafkaEvents {
		t.Fatalf("Run handled all %v events before the kill; the test proves nothing (raise realKafkaEvents)", atKill)
	}
	killed := true // set before the kill: a half-done kill must still be undone
	t.Cleanup(func() {
		if !killed {
			return
		}
		cctx, ccancel := context.WithTimeout(context.WithoutCancel(t.Context()), 6*time.Minute)
		defer ccancel()
		if err := script.Start(cctx, t, env.Brokers, node); err != nil {
			t.Errorf("restarting node %d: %v", node, err)
		}
	})
	killAt := time.Now()
	if err := script.Kill(ctx, node); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed node %d, the %s, after %v of producer.Run, at %v events", node, sc.role, killAt.Sub(run.start).Round(time.Millisecond), atKill)
	awaitRecovery(t, ctx, sc, p, cfg, run, node, killAt, atKill)

	restartAt := time.Now()
	if err := script.Start(ctx, t, env.Brokers, node); err != nil {
		t.Fatal(err)
	}
	killed = false
	t.Logf("node %d back and in sync after %v", node, time.Since(restartAt).Round(time.Millisecond))

	select {
	case <-run.done:
	case <-ctx.Done():
		t.Fatalf("Run did not finish within %v: %v events handled", realKafkaDeadline, run.events())
	}
	if run.err != nil {
		t.Fatalf("Run: %v", run.err)
	}
	t.Logf("Run handled %d events (%d dead letters) in %v, %d batches, %v write retries",
		run.stats.EventsIn, run.stats.DeadLetter, time.Since(run.start).Round(time.Millisecond), run.stats.Batches,
		counter(run.reg, "oink_producer_write_retries_total"))
	checkNothingLost(t, p, sum, run.stats)
}

// logRoles logs what node does for the pipeline before it is killed.
func logRoles(t *testing.T, ctx context.Context, p *pipeline, cfg producer.Config, node int) {
	leaders, err := kafkatest.Leaders(ctx, p.env.Brokers, p.out)
	if err != nil {
		return // only informative
	}
	led := 0
	for _, id := range leaders {
		if id == node {
			led++
		}
	}
	coord, _ := kafkatest.Coordinator(ctx, p.env.Brokers, cfg.Group)
	t.Logf("node %d leads %d of %d partitions of the output topic; the group coordinator is node %d", node, led, len(leaders), coord)
}

// awaitRecovery waits until the killed node's role has moved and producer.Run has
// made progress, timing both from the kill. Two full batches past the kill
// cannot be writes that were in flight. On a starved machine the survivors
// can drop out of the ISR (min.insync.replicas 2 then refuses writes) for
// minutes, so the wait is the test's whole deadline.
func awaitRecovery(t *testing.T, ctx context.Context, sc killScenario, p *pipeline, cfg producer.Config, run *bgRun, node int, killAt time.Time, atKill float64) {
	t.Helper()
	var movedAfter, resumedAfter time.Duration
	nextLog := time.Now().Add(15 * time.Second)
	for movedAfter == 0 || resumedAfter == 0 {
		if movedAfter == 0 && sc.moved(ctx, p, cfg, node) {
			movedAfter = time.Since(killAt)
		}
		if resumedAfter == 0 && (run.events() >= atKill+2*5000 || run.finished()) {
			resumedAfter = time.Since(killAt)
		}
		if time.Now().After(nextLog) {
			t.Logf("%v after the kill: %s moved: %v; %v events handled", time.Since(killAt).Round(time.Second), sc.role, movedAfter > 0, run.events())
			nextLog = nextLog.Add(15 * time.Second)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("deadline: %v after the kill, %s moved: %v, producer.Run progressed: %v (%v events, %v at the kill)",
				time.Since(killAt).Round(time.Second), sc.role, movedAfter > 0, resumedAfter > 0, run.events(), atKill)
		case <-time.After(20 * time.Millisecond): // polling interval
		}
	}
	t.Logf("%s moved off node %d after %v; producer.Run progressed again after %v", sc.role, node, movedAfter.Round(time.Millisecond), resumedAfter.Round(time.Millisecond))
}

// checkNothingLost reads the pipeline's topics back and checks invariant 1
// and the exact accounting against what was loaded.
func checkNothingLost(t *testing.T, p *pipeline, sum loadgen.Summary, st producer.Stats) {
	t.Helper()
	checkStart := time.Now()
	read := readTopics(t, p.env.Brokers, 3*time.Minute, p.orders, p.out, p.dlq)
	upstream, dlq := checkUpstreamCopies(t, read[0], read[2])
	acc, err := producer.CheckNoLoss(upstream, read[1], dlq)
	if err != nil {
		t.Fatalf("invariant 1 violated: %v", err)
	}
	t.Logf("read back and checked %d records in %v", len(read[0])+len(read[1])+len(read[2]), time.Since(checkStart).Round(time.Millisecond))
	if acc.Upstream != realKafkaEvents || acc.Produced != sum.Valid || acc.DeadLetters != realKafkaEvents-sum.Valid {
		t.Fatalf("accounting %+v; want %d upstream = %d RTCIMs + %d dead letters",
			acc, realKafkaEvents, sum.Valid, realKafkaEvents-sum.Valid)
	}
	if st.EventsIn < realKafkaEvents {
		t.Errorf("Run read %d events, fewer than the %d upstream", st.EventsIn, realKafkaEvents)
	}
	t.Logf("nothing lost: %d RTCIMs + %d dead letters = %d upstream; %d redelivered copies",
		acc.Produced, acc.DeadLetters, acc.Upstream, acc.Redelivered)
}

// TestRealKafkaLeaderKilledDuringProduce: the broker leading most partitions
// of the output topic dies (SIGKILL) while v2 writes to it. Writes fail until
// the controller fences the node and elects new leaders; producer.Run retries them,
// commits nothing it has not written, and loses no event.
func TestRealKafkaLeaderKilledDuringProduce(t *testing.T) {
	runUntilKilled(t, killScenario{
		role: "busiest leader of the output topic",
		victim: func(ctx context.Context, p *pipeline, _ producer.Config) (int, error) {
			leaders, err := kafkatest.Leaders(ctx, p.env.Brokers, p.out)
			if err != nil {
				return 0, err
			}
			count := map[int]int{}
			busiest := -1
			for _, id := range leaders {
				count[id]++
				if id > 0 && (busiest < 0 || count[id] > count[busiest] || count[id] == count[busiest] && id < busiest) {
					busiest = id
				}
			}
			if busiest < 0 {
				return 0, fmt.Errorf("no partition of %s has a leader: %v", p.out, leaders)
			}
			return busiest, nil
		},
		moved: func(ctx context.Context, p *pipeline, _ producer.Config, node int) bool {
			leaders, err := kafkatest.Leaders(ctx, p.env.Brokers, p.out)
			if err != nil {
				return false
			}
			for _, id := range leaders {
				if id == node || id < 0 {
					return false
				}
			}
			return true
		},
	})
}

// TestRealKafkaCoordinatorKilled: the coordinator of v2's consumer group
// dies mid-run. Heartbeats and commits fail, the group moves to the new
// leader of its __consumer_offsets partition, and producer.Run goes on from the
// committed offsets: redeliveries, never a lost event.
func TestRealKafkaCoordinatorKilled(t *testing.T) {
	runUntilKilled(t, killScenario{
		role: "group coordinator",
		victim: func(ctx context.Context, p *pipeline, cfg producer.Config) (int, error) {
			return kafkatest.Coordinator(ctx, p.env.Brokers, cfg.Group)
		},
		moved: func(ctx context.Context, p *pipeline, cfg producer.Config, node int) bool {
			id, err := kafkatest.Coordinator(ctx, p.env.Brokers, cfg.Group)
			return err == nil && id > 0 && id != node
		},
	})
}
