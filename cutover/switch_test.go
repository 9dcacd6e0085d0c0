package cutover

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink/legacy"
	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// liveRig is a running v1 + v2 pipeline over a live (wall-clock) event
// stream, with a store holding a cutover route.
type liveRig struct {
	env                  *kafkatest.Env
	orders, v1, v2, live string
	store                *diffstore.Store
	dbURL                string // the store's database and schema, for child processes
	run                  string
	rules                *comparator.Rules
	log                  *slog.Logger
	// lp partitions the live topic, of liveParts partitions (see byKey);
	// the zero value keeps each record's source partition.
	lp        LivePartitioning
	liveParts int
}

func newLiveRig(t *testing.T) *liveRig { return newLiveRigOn(t, kafkatest.New(t)) }

// newLiveRigOn is newLiveRig on env.
func newLiveRigOn(t *testing.T, env *kafkatest.Env) *liveRig {
	url, pool := pgtest.SchemaURL(t)
	r := &liveRig{env: env, orders: env.Topic("orders"), v1: env.Topic("rtcim.v1"), v2: env.Topic("rtcim.v2"),
		live: env.Topic("rtcim"), store: diffstore.New(pool), dbURL: url, run: "cut", liveParts: kafkatest.Partitions,
		log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
	var err error
	if r.rules, err = comparator.LoadRules("../shipped/rules/rtcim.yaml"); err != nil {
		t.Fatal(err)
	}
	if err := r.store.EnsureRun(t.Context(), diffstore.Run{Name: r.run, ControlTopic: r.v1, CandidateTopic: r.v2}); err != nil {
		t.Fatal(err)
	}
	if _, err := r.store.ApplyPlan(t.Context(), diffstore.PlanApply{Run: r.run, Plan: json.RawMessage(`{}`),
		Margin: 300 * time.Millisecond, Actor: "test", Stage: -1, Phase: "running"}); err != nil {
		t.Fatal(err)
	}
	return r
}

// produce runs loadgen at rate for n events (live event times) and v1 and v2
// over them, returning when all three are done: loadgen has written n
// events, and v1's and v2's groups have committed every one of them (their
// lag on the orders topic is 0). That is evidence, not a pause: on a busy
// machine loadgen can stall for seconds, and v1 and v2 stopping after "no
// event for a while" left the rest of the events unconverted. Safe to call
// from any goroutine: it reports with t.Error.
func (r *liveRig) produce(ctx context.Context, t *testing.T, n int, rate float64) {
	convert, stop := context.WithCancel(ctx)
	defer stop()
	var wg sync.WaitGroup
	errs := make([]error, 3)
	base := producer.Config{Brokers: r.env.Brokers, From: r.orders, Topics: r.env.Spec, Log: r.log}
	wg.Go(func() {
		c := base
		c.To, c.Group = r.v1, r.env.Group("v1")
		_, errs[1] = legacy.Run(convert, legacy.Config{Config: c})
	})
	wg.Go(func() {
		c := base
		c.To, c.Group, c.DLQ = r.v2, r.env.Group("v2"), r.env.Topic("orders.dlq")
		_, errs[2] = producer.Run(convert, c)
	})
	_, errs[0] = loadgen.Load(ctx, loadgen.LoadConfig{Brokers: r.env.Brokers, Topic: r.orders, Count: n, Rate: rate,
		Gen: loadgen.Config{Seed: 33}, Topics: r.env.Spec})
	if errs[0] == nil {
		errs[0] = r.converted(ctx)
	}
	stop()
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}

// convertTimeout bounds how long v1 and v2 may take to convert what
// loadgen wrote once it is done: a liveness bound only.
const convertTimeout = 3 * time.Minute

// converted polls until v1's and v2's groups have committed the whole
// orders topic.
func (r *liveRig) converted(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, convertTimeout)
	defer cancel()
	done := func(group string) bool {
		lag, err := kafkaio.GroupLag(ctx, r.env.Brokers, group, r.orders)
		return err == nil && len(lag) > 0 && kafkaio.Sum(lag) == 0
	}
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !done(r.env.Group("v1")) || !done(r.env.Group("v2")) {
		select {
		case <-ctx.Done():
			return fmt.Errorf("v1 and v2 did not convert every upstream event within %v: %w", convertTimeout, ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}

func (r *liveRig) switchConfig() SwitchConfig {
	return SwitchConfig{Run: r.run, Brokers: r.env.Brokers, Control: r.v1, Candidate: r.v2, Live: r.live,
		Group: r.env.Group("switch"), Identity: r.rules.Identity(), Store: r.store, StopWhenIdle: 2 * time.Second,
		SessionTimeout: 6 * time.Second, Topics: r.env.Spec, Log: r.log, LivePartitioning: r.lp}
}

// byKey makes r's live topic one of n partitions that already exists, as
// a downstream topic the operator cannot change, and the switch partition
// it by key (--live-partitioning key).
func (r *liveRig) byKey(t *testing.T, n int) *liveRig {
	t.Helper()
	spec := r.env.Spec
	spec.Partitions = n
	live := fmt.Sprintf("%s-%d", r.live, n)
	if err := kafkaio.EnsureTopics(t.Context(), r.env.Brokers, spec, live); err != nil {
		t.Fatal(err)
	}
	r.live, r.lp, r.liveParts = live, PartitionByKey, n
	return r
}

// check reads the topics and the route and checks invariant 4.
func (r *liveRig) check(t *testing.T) LiveReport {
	t.Helper()
	route, err := r.store.Route(t.Context(), r.run)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := CheckLiveOn(r.env.ReadAll(r.live), r.env.ReadAll(r.v1), r.env.ReadAll(r.v2), route, r.rules.Identity(), r.lp, r.liveParts)
	if err != nil {
		t.Fatalf("invariant 4 violated: %v (report %+v)", err, rep)
	}
	return rep
}

// walkRoute moves the run's route through percents in the background, one
// transition every interval (a 0 is a rollback). The channel it returns
// gets nil once every transition is added, or the first error (ctx's
// included).
func (r *liveRig) walkRoute(ctx context.Context, every time.Duration, percents ...float64) <-chan error {
	done := make(chan error, 1)
	go func() {
		for _, pct := range percents {
			select {
			case <-ctx.Done():
				done <- ctx.Err()
				return
			case <-time.After(every):
			}
			reason := "advance"
			if pct == 0 {
				reason = "rollback"
			}
			if _, err := r.store.AddTransition(ctx, r.run, pct, 300*time.Millisecond, "test", reason); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	return done
}

// TestInvariantOneLiveCopyAcrossAdvances: a fault-free run moving 0 → 1 →
// 10 → 50 → 100% while events flow puts every identity on the live topic
// exactly once, each from the version that owned its bucket at its source
// time, and only v2's after the last transition.
func TestInvariantOneLiveCopyAcrossAdvances(t *testing.T) {
	t.Parallel()
	r := newLiveRig(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	swErr := make(chan error, 1)
	go func() { _, err := RunSwitch(ctx, r.switchConfig()); swErr <- err }()
	steps := r.walkRoute(ctx, time.Second, 1, 10, 50, 100)
	r.produce(ctx, t, 12000, 2000)
	if err := <-steps; err != nil {
		t.Fatal(err)
	}
	if err := <-swErr; err != nil {
		t.Fatal(err)
	}
	rep := r.check(t)
	if rep.FromV1 == 0 || rep.FromV2 == 0 || rep.OwnerLack != 0 {
		t.Fatalf("report %+v: want records from both versions and none lacking", rep)
	}
	t.Logf("live: %+v", rep)
}
