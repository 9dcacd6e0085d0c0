package demo

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/oinkhq/oink/legacy"
	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/producer"
)

// The demo's topics and groups.
const (
	topicOrders = "orders"
	topicDLQ    = "orders.dlq"
	topicV1     = "rtcim.v1"
	topicV2     = "rtcim.v2"
	topicLive   = "rtcim"
	topicCmpDLQ = "rtcim.compare.dlq"
)

// knownFaults are v1's known bugs, which the shipped rules accept, and
// knownFaultsText says them in words.
var knownFaults = legacy.Faults{Rounding: 0.02, UTCDate: 0.01, Drop: 0.001, Dup: 0.001, Reorder: 0.05}

const knownFaultsText = "it rounds half up on 2% of orders, dates 1% in UTC, drops 0.1%, writes 0.1% twice " +
	"and reorders the lines of 5% (the shipped rules accept all of them)"

// The actors the demo's cutover changes are recorded as.
const (
	actorController = "oink-demo:controller"
	actorOperator   = "oink-demo:operator"
)

// faultCause is act 2's fault, which the story knows and the comparison
// cannot: which version was wrong.
const faultCause = "v1's fault: act 2 made v1 leave shipping out of its totals; v2 was right"

// stage holds a demo in progress.
type stage struct {
	cfg     Config
	brokers []string
	store   *diffstore.Store
	run     string
	rules   *comparator.Rules
	plan    cutover.Plan
	start   time.Time

	faults *legacy.LiveFaults
	gateOK time.Time // when the load's gate last passed (the loadgen goroutine's alone)
	ctl    *cutover.Controller
	sum    Summary
	last   cutover.Position
}

func (s *stage) say(format string, args ...any) {
	s.cfg.Events(Event{At: time.Now(), Message: fmt.Sprintf(format, args...)})
}

// play sets the pipeline up, tells the story, drains and checks.
func (s *stage) play(ctx context.Context) (Summary, error) {
	s.sum = Summary{Run: s.run}
	spec := kafkaio.TopicSpec{Partitions: 6, ReplicationFactor: 1}
	if err := kafkaio.EnsureTopics(ctx, s.brokers, spec, topicOrders, topicDLQ, topicV1, topicV2, topicLive, topicCmpDLQ); err != nil {
		return s.sum, err
	}
	if err := s.store.EnsureRun(ctx, diffstore.Run{Name: s.run, ControlTopic: topicV1, CandidateTopic: topicV2, RulesName: s.rules.Name}); err != nil {
		return s.sum, err
	}
	s.ctl = &cutover.Controller{Store: s.store, RunName: s.run, Actor: actorController, AutoStart: true,
		Tick: 250 * time.Millisecond, Log: s.cfg.Log.With("role", "controller")}
	if _, err := s.ctl.Apply(ctx, s.plan, cutover.Request{Actor: actorOperator, Reason: "the demo plan"}); err != nil {
		return s.sum, err
	}
	s.faults = legacy.NewLiveFaults(knownFaults)
	s.say("pipeline: embedded broker at %s, run %s; v1 has its known bugs: %s", strings.Join(s.brokers, ", "), s.run, knownFaultsText)

	loadCtx, stopLoad := context.WithCancel(ctx)
	defer stopLoad()
	compCtx, stopAll := context.WithCancel(ctx)
	defer stopAll()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	s.startAll(loadCtx, compCtx, &wg, errs)
	if s.cfg.Ready != nil {
		s.cfg.Ready(s.store, s.run, s.ctl)
	}
	storyErr := s.story(ctx, errs)
	if ctx.Err() != nil { // interrupted: nothing to check
		stopLoad()
		stopAll()
		wg.Wait()
		return s.sum, ctx.Err()
	}
	stopLoad()
	s.say("upstream stopped; draining every component")
	drainErr := s.drain(ctx, errs)
	stopAll()
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			storyErr = errors.Join(storyErr, err)
		}
	}
	if ctx.Err() != nil {
		return s.sum, ctx.Err()
	}
	s.sum.Seconds = time.Since(s.start).Seconds()
	s.check(ctx, errors.Join(storyErr, drainErr))
	if ctx.Err() != nil {
		return s.sum, ctx.Err()
	}
	if s.cfg.End != nil {
		s.cfg.End(s.sum)
	}
	return s.sum, nil
}

// startAll starts loadgen (on loadCtx), and v1, v2, the comparator, the
// switch and the controller (on ctx).
func (s *stage) startAll(loadCtx, ctx context.Context, wg *sync.WaitGroup, errs chan<- error) {
	spec := kafkaio.TopicSpec{Partitions: 6, ReplicationFactor: 1}
	log := s.cfg.Log
	goRun := func(name string, f func() error) {
		wg.Go(func() {
			if err := f(); err != nil && ctx.Err() == nil && loadCtx.Err() == nil {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		})
	}
	goRun("loadgen", func() error {
		sum, err := loadgen.Load(loadCtx, loadgen.LoadConfig{Brokers: s.brokers, Topic: topicOrders, Count: int(s.cfg.Rate * 600),
			Rate: s.cfg.Rate, Gen: loadgen.Config{Seed: 1, InvalidRatio: 0.005}, Topics: spec, Gate: s.gate})
		s.sum.Events = sum.Events
		if loadCtx.Err() != nil {
			return nil
		}
		return err
	})
	base := producer.Config{Brokers: s.brokers, From: topicOrders, Topics: spec, SessionTimeout: 2 * time.Second, BatchSize: 1000}
	goRun("v1", func() error {
		c := base
		c.To, c.Group, c.Log = topicV1, "demo-v1", log.With("role", "v1")
		_, err := legacy.Run(ctx, legacy.Config{Config: c, Live: s.faults, Seed: 7})
		return err
	})
	goRun("v2", func() error {
		c := base
		c.To, c.DLQ, c.Group, c.Log = topicV2, topicDLQ, "demo-v2", log.With("role", "v2")
		_, err := producer.Run(ctx, c)
		return err
	})
	goRun("compare", func() error {
		return comparator.Run(ctx, comparator.Config{Run: s.run, Brokers: s.brokers, Control: topicV1, Candidate: topicV2,
			Group: "demo-compare", Rules: s.rules, Window: 3 * time.Second, DLQ: topicCmpDLQ, Store: s.store,
			Input: topicOrders, ControlGroup: "demo-v1", CandidateGroup: "demo-v2",
			SessionTimeout: 2 * time.Second, Topics: spec, Log: log.With("role", "compare")})
	})
	goRun("switch", func() error {
		_, err := cutover.RunSwitch(ctx, cutover.SwitchConfig{Run: s.run, Brokers: s.brokers, Control: topicV1, Candidate: topicV2,
			Live: topicLive, Group: "demo-switch", Identity: s.rules.Identity(), Store: s.store, SessionTimeout: 2 * time.Second,
			Topics: spec, Log: log.With("role", "switch")})
		return err
	})
	goRun("controller", func() error { return s.ctl.Run(ctx) })
}

// storyTimeout bounds the story: a liveness bound only. Each act waits for
// an event (a stage reached, a rollback, the comparator past the faulty
// records), and the load is paced by the pipeline (gate), so a busy
// machine makes the story slower, never different; a minute or two on an
// idle machine.
const storyTimeout = 8 * time.Minute

// story drives the cutover through its acts, with a deadline.
func (s *stage) story(ctx context.Context, errs <-chan error) error {
	ctx, cancel := context.WithTimeout(ctx, storyTimeout)
	defer cancel()
	s.say("act 1: shadow run; the controller advances while v1 and v2 agree (known v1 bugs are accepted by rules)")
	if err := s.until(ctx, errs, "the cutover reaches 50%", func(p cutover.Position) bool {
		return p.Phase == cutover.Running && p.Percent >= 50
	}); err != nil {
		return err
	}
	s.say("act 2: v1 starts a fault no rule accepts (it leaves shipping out of its totals)")
	bad := knownFaults
	bad.Shipping = 0.5
	s.faults.Set(bad)
	if err := s.until(ctx, errs, "the controller rolls back", func(p cutover.Position) bool {
		return p.Phase == cutover.RolledBack
	}); err != nil {
		return err
	}
	s.faults.Set(knownFaults)
	s.say("the controller rolled back by itself; the fault was v1's (v2 was right): the comparison alone cannot tell which side is wrong, the story can")
	s.say("act 3: v1's fault stops; once the comparator has seen it gone, an operator resumes from the first step")
	if err := s.faultGone(ctx, errs); err != nil {
		return err
	}
	if _, err := s.ctl.Resume(ctx, cutover.Request{Actor: actorOperator, Reason: "v1's shipping fault fixed"}); err != nil {
		return fmt.Errorf("resume: %w", err)
	}
	return s.until(ctx, errs, "the cutover is promoted to 100%", func(p cutover.Position) bool {
		return p.Phase == cutover.Promoted
	})
}

// until polls the controller's status every 250ms, reporting each change,
// until done holds.
func (s *stage) until(ctx context.Context, errs <-chan error, what string, done func(cutover.Position) bool) error {
	return s.poll(ctx, errs, 250*time.Millisecond, what, func() bool {
		st, err := s.ctl.Status(ctx)
		if err != nil {
			return false
		}
		s.observe(st)
		return done(st.Position)
	})
}

// observe reports a change of position.
func (s *stage) observe(st cutover.Status) {
	p := st.Position
	if p == s.last {
		return
	}
	if p.Phase == cutover.RolledBack && s.last.Phase != cutover.RolledBack {
		s.sum.Rollbacks++
		s.sum.RollbackEvents = append(s.sum.RollbackEvents, Rollback{At: st.UpdatedAt, FromStage: s.last.Stage + 1,
			FromPercent: s.last.Percent, By: st.UpdatedBy, Reason: st.Reason, Cause: faultCause})
	}
	s.last = p
	s.sum.Final = Final{Stage: p.Stage + 1, Stages: st.Stages, Phase: p.Phase, Percent: p.Percent}
	label := phaseLabel(p)
	s.sum.Stages = append(s.sum.Stages, label)
	where := fmt.Sprintf("stage %d/%d", p.Stage+1, st.Stages)
	if p.Stage < 0 {
		where = "before the first step"
	}
	s.say("cutover: %s (%s), by %s: %s", label, where, st.UpdatedBy, st.Reason)
}

// phaseLabel names a position in the cutover's path: "pending", "10%",
// "rolled back to 0%", "promoted at 100%".
func phaseLabel(p cutover.Position) string {
	switch p.Phase {
	case cutover.Pending:
		return "pending"
	case cutover.Running:
		return fmt.Sprintf("%g%%", p.Percent)
	case cutover.RolledBack:
		return fmt.Sprintf("rolled back to %g%%", p.Percent)
	}
	return fmt.Sprintf("%s at %g%%", p.Phase, p.Percent)
}
