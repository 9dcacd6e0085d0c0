package cutover

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

// rtcim returns a record shaped like an RTCIM as far as the switch reads
// one: key order_id, identity order_id|source_event_id, time
// source_event_time, plus a payload field to tell values apart.
func rtcim(order, event string, t time.Time, payload string) kafka.Message {
	v := fmt.Sprintf(`{"order_id":%q,"source_event_id":%q,"source_event_time":%q,"payload":%q}`,
		order, event, t.UTC().Format(time.RFC3339Nano), payload)
	return kafka.Message{Key: []byte(order), Value: []byte(v), Time: t,
		Headers: []kafka.Header{{Key: "producer", Value: []byte("test")}}}
}

// keysOnPartition returns n order ids that murmur2 puts on partition p.
func keysOnPartition(p, n int, prefix string) []string {
	var out []string
	for i := 0; len(out) < n; i++ {
		k := fmt.Sprintf("%s-%d", prefix, i)
		if oink.KeyPartition([]byte(k), kafkatest.Partitions) == p {
			out = append(out, k)
		}
	}
	return out
}

// write writes msgs to topic, partitioned by key as v1 and v2 do.
func (r *liveRig) write(t *testing.T, topic string, msgs ...kafka.Message) {
	t.Helper()
	w := kafkaio.NewWriter(r.env.Brokers)
	defer w.Close()
	for i := range msgs {
		msgs[i].Topic = topic
	}
	if err := w.WriteMessages(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
}

// liveIdentities returns the identities on the live topic now, in the
// order of their offsets per partition.
func (r *liveRig) liveIdentities(t *testing.T) []string {
	t.Helper()
	var out []string
	for _, m := range r.env.ReadAll(r.live) {
		id, _, err := r.rules.Identify(m.Key, m.Value, m.Time)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, id)
	}
	return out
}

// startSwitch runs the switch until the test ends or stop is called, and
// returns stop, which waits for it and returns its report.
func (r *liveRig) startSwitch(t *testing.T, cfg SwitchConfig) (stop func() (SwitchReport, error)) {
	cfg.StopWhenIdle = 0
	ctx, cancel := context.WithCancel(t.Context())
	type result struct {
		rep SwitchReport
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := RunSwitch(ctx, cfg)
		done <- result{rep, err}
	}()
	var once bool
	var res result
	stop = func() (SwitchReport, error) {
		if !once {
			once = true
			cancel()
			res = <-done
		}
		return res.rep, res.err
	}
	t.Cleanup(func() { stop() })
	return stop
}

// TestInvariantOneLiveCopyParksAFutureRecordAlone: a record whose source
// time lies past the route's horizon is parked with its key's later
// records, while the rest of its partition goes live (no single record
// holds back a partition); once the route covers its time, both versions'
// copies of its event get the same decision, by the route in force at that
// time — here a transition to 100% written after v1's copy was read, so
// v2's copy, arriving later, is the one that goes live (invariant 4).
//
// The future record is dated a lead ahead of the clock, and the other keys
// must be seen live before that lead is over (after it, f1 may go live as
// well, so the run would prove nothing). A run whose other keys came later
// than that (a busy machine) is inconclusive, not failed: it is repeated
// with a lead four times longer, so the verdict never depends on the
// machine's speed, only the test's length does.
func TestInvariantOneLiveCopyParksAFutureRecordAlone(t *testing.T) {
	t.Parallel()
	for lead := 4 * time.Second; ; lead *= 4 {
		if parksAFutureRecordAlone(t, lead) {
			return
		}
		if lead >= time.Minute {
			t.Fatalf("the other keys never went live within %v of the future record's lead", lead)
		}
		t.Logf("the other keys went live after the %v lead was over; again with a longer lead", lead)
	}
}

// parksAFutureRecordAlone runs TestInvariantOneLiveCopyParksAFutureRecordAlone
// with f1 dated lead ahead, on a rig of its own; false: inconclusive.
func parksAFutureRecordAlone(t *testing.T, lead time.Duration) bool {
	r := newLiveRig(t)
	now := time.Now()
	keys := keysOnPartition(3, 4, "F")
	future := now.Add(lead)
	f1 := rtcim(keys[0], "E1", future, "sale")
	f2 := rtcim(keys[0], "E2", now, "return") // same key, later in the lane, earlier in time
	others := []kafka.Message{rtcim(keys[1], "E1", now, "a"), rtcim(keys[2], "E1", now, "b"), rtcim(keys[3], "E1", now, "c")}
	r.write(t, r.v1, append([]kafka.Message{f1, f2}, others...)...)
	stop := r.startSwitch(t, r.switchConfig())

	// The other keys of the partition go live while f1 is parked; f2 waits
	// behind f1, its key's earlier record.
	want := []string{keys[1] + "|E1", keys[2] + "|E1", keys[3] + "|E1"}
	kafkatest.WaitFor(t, 30*time.Second, "the other keys of the partition to go live", func() bool {
		return len(r.liveIdentities(t)) >= 3
	})
	got := r.liveIdentities(t)
	if time.Now().After(future) {
		_, _ = stop()
		return false
	}
	if !slices.Equal(got, want) {
		t.Fatalf("live = %v before %s, want only %v (f1 and f2 parked)", got, future.Format("15:04:05.000"), want)
	}
	// Move every bucket to v2 from a source time before f1's: v1's copy of
	// f1 is no longer v1's to forward, f2 (earlier) still is.
	tr, err := r.store.AddTransition(t.Context(), r.run, 100, 300*time.Millisecond, "test", "advance")
	if err != nil {
		t.Fatal(err)
	}
	if !tr.EffectiveFrom.After(now) {
		t.Fatalf("transition effective %v, want after %v", tr.EffectiveFrom, now)
	}
	if !tr.EffectiveFrom.Before(future) {
		_, _ = stop() // the lead ran out before the transition: inconclusive
		return false
	}
	kafkatest.WaitFor(t, 30*time.Second, "f2 to go live after f1 was decided", func() bool {
		return slices.Contains(r.liveIdentities(t), keys[0]+"|E2")
	})
	// The route covers f1 once its horizon (the clock plus the plan's
	// 300ms margin) passes f1's time.
	if time.Now().Before(future.Add(-400 * time.Millisecond)) {
		t.Fatal("f2 went live before the route covered f1's time: it overtook its key's parked record")
	}
	r.write(t, r.v2, f1, f2) // v2's copies, late
	kafkatest.WaitFor(t, 30*time.Second, "v2's copy of f1 to go live", func() bool {
		return slices.Contains(r.liveIdentities(t), keys[0]+"|E1")
	})
	rep, err := stop()
	if err != nil {
		t.Fatal(err)
	}
	live := r.check(t)
	if live.FromV1 != 4 || live.FromV2 != 1 {
		t.Errorf("live %+v: want f2 and the three others from v1, f1 from v2", live)
	}
	if rep.Totals.NotOwned != [2]int64{1, 1} || rep.Parked != 0 {
		t.Errorf("report %+v: want v1's f1 and v2's f2 skipped, nothing parked", rep)
	}
	return true
}

// TestInvariantOneLiveCopyParkedRecordSurvivesARestart: a record dated a
// year ahead stays parked, never blocks its partition, and is still parked
// (not lost, not forwarded) after the switch restarts: the state topic
// keeps its position.
func TestInvariantOneLiveCopyParkedRecordSurvivesARestart(t *testing.T) {
	t.Parallel()
	t.Run("as source", func(t *testing.T) { parkedSurvivesARestart(t, newLiveRig(t)) })
	t.Run("by key over 5 partitions", func(t *testing.T) { parkedSurvivesARestart(t, newLiveRig(t).byKey(t, 5)) })
}

// parkedSurvivesARestart runs TestInvariantOneLiveCopyParkedRecordSurvivesARestart
// on r's live topic, partitioned as r says.
func parkedSurvivesARestart(t *testing.T, r *liveRig) {
	now := time.Now()
	keys := keysOnPartition(5, 2, "Y")
	// Its Kafka timestamp is the time it was written (a real broker refuses
	// one more than log.message.timestamp.after.max.ms, 1 h, ahead); its
	// source event time, which the switch decides by, is a year ahead.
	far := rtcim(keys[0], "E1", now.AddDate(1, 0, 0), "far")
	far.Time = now
	r.write(t, r.v1, far, rtcim(keys[1], "E1", now, "near"))
	stop := r.startSwitch(t, r.switchConfig())
	kafkatest.WaitFor(t, 30*time.Second, "the near record to go live", func() bool { return len(r.liveIdentities(t)) == 1 })
	rep, err := stop()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Parked != 1 || rep.Totals.Forwarded[0] != 1 {
		t.Fatalf("report %+v: want 1 forwarded and the far record parked", rep)
	}
	r.write(t, r.v1, rtcim(keys[1], "E2", now, "after the restart"))
	stop = r.startSwitch(t, r.switchConfig())
	kafkatest.WaitFor(t, 30*time.Second, "the record after the restart to go live", func() bool { return len(r.liveIdentities(t)) == 2 })
	rep, err = stop()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Parked != 1 || rep.Totals.Forwarded[0] != 1 {
		t.Fatalf("report after the restart %+v: want the new record forwarded and the far one still parked", rep)
	}
	if got := r.liveIdentities(t); slices.Contains(got, keys[0]+"|E1") {
		t.Fatalf("live = %v: the far-future record went live", got)
	}
}

// TestInvariantOneLiveCopyForwardsRecordsUnchanged: a live record is its
// version's record: same key, value, headers in order, timestamp and
// partition; a byte-equal copy is dropped, a same-identity record with
// other bytes is forwarded and counted as a collision (nothing is lost).
func TestInvariantOneLiveCopyForwardsRecordsUnchanged(t *testing.T) {
	t.Parallel()
	r := newLiveRig(t)
	now := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	a := rtcim("K1", "E1", now, "first")
	a.Headers = append(a.Headers, kafka.Header{Key: "b", Value: []byte("2")}, kafka.Header{Key: "a", Value: []byte("1")})
	other := rtcim("K1", "E1", now, "other bytes")
	r.write(t, r.v1, a, a, other, rtcim("K2", "E1", now, "x"))
	stop := r.startSwitch(t, r.switchConfig())
	kafkatest.WaitFor(t, 30*time.Second, "three live records", func() bool { return len(r.liveIdentities(t)) == 3 })
	rep, err := stop()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Forwarded[0] != 3 || rep.Totals.Duplicates[0] != 1 || rep.Totals.Collisions[0] != 1 {
		t.Errorf("report %+v: want 3 forwarded, 1 duplicate, 1 collision", rep)
	}
	live := r.env.ReadAll(r.live)
	src := r.env.ReadAll(r.v1)
	if !SameRecord(live[0], src[0]) {
		t.Errorf("live record %+v differs from v1's %+v", live[0], src[0])
	}
	for _, h := range live[0].Headers {
		if strings.HasPrefix(h.Key, "oink-") {
			t.Errorf("live record carries header %s: the switch must add nothing", h.Key)
		}
	}
}

// TestSwitchRefusesALiveTopicWithOtherPartitions: each record keeps its
// partition by default, so a live topic with another count is refused,
// naming the topic, both counts and both fixes (the kafka-topics command
// and --live-partitioning key); by key the live topic is accepted, but a
// state topic with another count is still refused (the state is kept per
// source partition), without offering the flag.
func TestSwitchRefusesALiveTopicWithOtherPartitions(t *testing.T) {
	t.Parallel()
	r := newLiveRig(t)
	spec := r.env.Spec
	spec.Partitions = 6
	six := r.live + "-six"
	if err := kafkaio.EnsureTopics(t.Context(), r.env.Brokers, spec, six); err != nil {
		t.Fatal(err)
	}
	cfg := r.switchConfig()
	cfg.Live = six
	_, err := RunSwitch(t.Context(), cfg)
	for _, want := range []string{six + " has 6 partitions", fmt.Sprintf("%s has %d", r.v1, kafkatest.Partitions),
		fmt.Sprintf("kafka-topics.sh --create --topic %s --partitions %d", six, kafkatest.Partitions), "--live", "--live-partitioning key"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("RunSwitch with a 6-partition live topic = %v, want an error with %q", err, want)
		}
	}
	cfg = r.switchConfig()
	cfg.Live, cfg.StateTopic, cfg.LivePartitioning = r.live+"-keyed", six, PartitionByKey
	_, err = RunSwitch(t.Context(), cfg)
	if err == nil || !strings.Contains(err.Error(), six+" has 6 partitions") || strings.Contains(err.Error(), "--live-partitioning") {
		t.Fatalf("RunSwitch by key with a 6-partition state topic = %v, want it refused without offering --live-partitioning", err)
	}
}

// TestLivePartitionByKeyIsKafkasDefault: by key, a record's live partition
// is the one franz-go's default partitioner (StickyKeyPartitioner with
// Kafka's murmur2, as the Java client) picks for its key, whatever its
// source partition; as source, it is the source partition.
func TestLivePartitionByKeyIsKafkasDefault(t *testing.T) {
	t.Parallel()
	kafkaDefault := kgo.StickyKeyPartitioner(nil).ForTopic("live")
	for _, n := range []int{1, 5, 6, 12, 24, 31} {
		for i := range 3000 {
			key := fmt.Appendf(nil, "O7-%09d", i)
			if i%3 == 0 {
				key = fmt.Appendf(nil, "\xff%d\x80", i*7919) // high bytes: the sign handling
			}
			if got, want := PartitionByKey.Partition(key, i%12, n), kafkaDefault.Partition(&kgo.Record{Key: key}, n); got != want {
				t.Fatalf("key %q over %d partitions: live partition %d, franz-go's default partitioner %d", key, n, got, want)
			}
			if got := PartitionAsSource.Partition(key, i%12, n); got != i%12 {
				t.Fatalf("as source: key %q from partition %d went to %d", key, i%12, got)
			}
		}
	}
	if got := PartitionByKey.Partition(nil, 11, 5); got != 1 {
		t.Errorf("a keyless record of source partition 11 over 5 live partitions went to %d, want 11 mod 5 = 1", got)
	}
}

// TestInvariantOneLiveCopyByKeyForwardsKeylessRecords: by key, a record
// without a key goes to its source partition mod the live count, unchanged
// otherwise, and is counted; a keyed one to murmur2 of its key.
func TestInvariantOneLiveCopyByKeyForwardsKeylessRecords(t *testing.T) {
	t.Parallel()
	r := newLiveRig(t).byKey(t, 5)
	now := time.Now().Add(-time.Minute).Truncate(time.Millisecond)
	keyless := rtcim("K0", "E1", now, "no key")
	keyless.Key = nil
	r.write(t, r.v1, keyless, rtcim("K1", "E1", now, "keyed"))
	stop := r.startSwitch(t, r.switchConfig())
	kafkatest.WaitFor(t, 30*time.Second, "two live records", func() bool { return len(r.liveIdentities(t)) == 2 })
	rep, err := stop()
	if err != nil {
		t.Fatal(err)
	}
	if rep.Totals.Forwarded[0] != 2 || rep.Totals.Keyless[0] != 1 {
		t.Errorf("report %+v: want 2 forwarded, 1 keyless", rep)
	}
	src := map[string]int{}
	for _, m := range r.env.ReadAll(r.v1) {
		src[string(m.Value)] = m.Partition
	}
	for _, m := range r.env.ReadAll(r.live) {
		want := oink.KeyPartition(m.Key, 5)
		if len(m.Key) == 0 {
			want = src[string(m.Value)] % 5
		}
		if m.Partition != want {
			t.Errorf("live record with key %q on partition %d, want %d", m.Key, m.Partition, want)
		}
	}
	r.check(t)
}

// TestSwitchRefusesALiveTopicWithoutState: records on the live topic that no
// switch state accounts for mean nothing says what was forwarded; starting
// anyway could forward them twice.
func TestSwitchRefusesALiveTopicWithoutState(t *testing.T) {
	t.Parallel()
	r := newLiveRig(t)
	r.write(t, r.live, rtcim("K1", "E1", time.Now(), "x"))
	_, err := RunSwitch(t.Context(), r.switchConfig())
	if !errors.Is(err, errNoState) {
		t.Fatalf("RunSwitch over a live topic with no state = %v, want errNoState", err)
	}
}
