package cutover

import (
	"context"
	"testing"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
)

// TestRealKafkaBrokerKillDuringCutover: on a real 3-broker Kafka (RF 3,
// min ISR 2), the leader of a live partition is SIGKILLed in the middle of
// a cutover 1 → 10 → 50% → 0 → 100% and restarted. Writes that the dead
// broker took but never acknowledged are retried by the switch's
// idempotent, transactional producer, which the broker recognises as
// retries; a transaction cut short is aborted and redone from the state
// topic. A read_committed consumer sees every identity exactly once, from
// its owner (invariant 4). kafka-go's writer, which the switch used before,
// put an identity on the live topic twice in 2 runs of 4 here.
//
// It needs the cluster and scripts/kafka (see kafkatest.RealCluster) and
// runs apart from the other tests, as scripts/test does.
func TestRealKafkaBrokerKillDuringCutover(t *testing.T) {
	env, script := kafkatest.RealCluster(t)
	r := newLiveRigOn(t, env)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Minute)
	defer cancel()
	cfg := r.switchConfig()
	cfg.StopWhenIdle = 0
	stop := r.startSwitch(t, cfg)
	steps := r.walkRoute(ctx, 3*time.Second, 1, 10, 50, 0, 100)
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		r.produce(ctx, t, 40000, 2500)
	}()
	liveEnd := func() int64 {
		ends, err := kafkaio.EndOffsets(ctx, env.Brokers, r.live)
		if err != nil {
			return -1
		}
		return kafkaio.Sum(ends)
	}
	kafkatest.WaitFor(t, 2*time.Minute, "the live topic to grow", func() bool { return liveEnd() > 8000 })
	leaders, err := kafkatest.Leaders(ctx, env.Brokers, r.live)
	if err != nil {
		t.Fatal(err)
	}
	node := leaders[0]
	if node <= 0 {
		t.Fatalf("live partition 0 has no leader: %v", leaders)
	}
	if err := script.Kill(ctx, node); err != nil {
		t.Fatal(err)
	}
	t.Logf("killed node %d, the leader of live partition 0", node)
	before := liveEnd()
	kafkatest.WaitFor(t, 5*time.Minute, "the live topic to grow without the node", func() bool { return liveEnd() > before+500 })
	if err := script.Start(ctx, t, env.Brokers, node); err != nil {
		t.Fatal(err)
	}
	<-produced
	if err := <-steps; err != nil {
		t.Fatal(err)
	}
	want := r.wantLive(ctx, t)
	kafkatest.WaitFor(t, 3*time.Minute, "the switch to forward everything", func() bool {
		return len(r.env.ReadAll(r.live)) >= want
	})
	if _, err := stop(); err != nil {
		t.Fatal(err)
	}
	rep := r.check(t)
	if rep.FromV1 == 0 || rep.FromV2 == 0 || rep.OwnerLack != 0 {
		t.Fatalf("live %+v: want records of both versions and none lacking", rep)
	}
	t.Logf("live after a broker kill: %+v", rep)
}
