package comparator

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink/legacy"
	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/pgtest"
	"github.com/oinkhq/oink/testkit/shadowtest"
)

// TestInvariantCandidateDropsAreExactlyMissing: a candidate that really
// loses events (the v1 simulator with drop faults, run as the candidate in
// its own group) yields exactly one missing_in_candidate per event its
// fault log says it dropped, nothing else missing, including the drops in
// the last window of the stream, which no later candidate record can
// settle by the watermark: only the groups' committed input offsets can
// (invariant 2).
func TestInvariantCandidateDropsAreExactlyMissing(t *testing.T) {
	t.Parallel()
	env := kafkatest.New(t)
	orders, v1, v2, dlq := env.Topic("orders"), env.Topic("rtcim.v1"), env.Topic("rtcim.v2"), env.Topic("orders.dlq")
	const events, step, window = 3000, 5 * time.Millisecond, 2 * time.Second
	first := time.Now().Add(-time.Minute).UTC().Truncate(time.Second)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if _, err := loadgen.Load(ctx, loadgen.LoadConfig{Brokers: env.Brokers, Topic: orders, Count: events, Topics: env.Spec,
		Gen: loadgen.Config{Seed: 9, Start: first, Step: step}}); err != nil {
		t.Fatal(err)
	}
	log := warnLog(t)
	base := producer.Config{Brokers: env.Brokers, From: orders, StopWhenIdle: time.Second, Topics: env.Spec, Log: log}
	var faultLog bytes.Buffer
	var wg sync.WaitGroup
	var errV1, errV2 error
	wg.Go(func() {
		cfg := base
		cfg.To, cfg.DLQ, cfg.Group = v1, dlq, env.Group("control")
		_, errV1 = producer.Run(ctx, cfg)
	})
	wg.Go(func() {
		cfg := base
		cfg.To, cfg.Group = v2, env.Group("candidate")
		_, errV2 = legacy.Run(ctx, legacy.Config{Config: cfg, Faults: legacy.Faults{Drop: 0.01}, Seed: 3, FaultLog: &faultLog})
	})
	wg.Wait()
	if errV1 != nil || errV2 != nil {
		t.Fatalf("control: %v, candidate: %v", errV1, errV2)
	}

	store := diffstore.New(pgtest.Schema(t))
	err := Run(ctx, Config{Run: "drops", Brokers: env.Brokers, Control: v1, Candidate: v2, Group: env.Group("compare"), Rules: mustLoadRules(t, rtcimStrictPath),
		Input: orders, ControlGroup: env.Group("control"), CandidateGroup: env.Group("candidate"),
		Window: window, StopWhenIdle: time.Second, Store: store, Topics: env.Spec, Log: log})
	if err != nil || ctx.Err() != nil {
		t.Fatalf("comparator: %v (%v: records left waiting?)", err, ctx.Err())
	}
	sum, err := store.Summary(ctx, "drops")
	if err != nil {
		t.Fatal(err)
	}
	assertAccounting(t, sum)
	entries, err := legacy.ReadFaultLog(&faultLog)
	if err != nil {
		t.Fatal(err)
	}
	drops := shadowtest.FaultIdentities(entries, legacy.FaultDrop)
	shadowtest.EqualSets(t, "missing in candidate", shadowtest.DivergenceIdentities(t, store, "drops", diffstore.KindMissingInCandidate), drops)
	if sum.MissingInControl != 0 || sum.PendingControl+sum.PendingCandidate != 0 || sum.Pairs != int64(events-len(drops)) {
		t.Fatalf("summary %+v; want %d pairs and only the %d drops missing", sum, events-len(drops), len(drops))
	}
	// The test means something only if some drop lies in the stream's last
	// window, where the watermark cannot decide it.
	divs, err := store.Divergences(ctx, diffstore.Filter{Run: "drops", Kind: diffstore.KindMissingInCandidate, Limit: 1 << 20})
	if err != nil {
		t.Fatal(err)
	}
	last := first.Add((events - 1) * step)
	tail := 0
	for _, d := range divs {
		if d.EventTime.Add(window).After(last) {
			tail++
		}
	}
	if len(drops) == 0 || tail == 0 {
		t.Fatalf("%d drops, %d in the last %v of the stream: pick a seed that drops events at its end", len(drops), tail, window)
	}
	t.Logf("%d events, %d dropped by the candidate (%d in the stream's last %v), all found missing", events, len(drops), tail, window)
}
