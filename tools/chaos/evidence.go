package chaos

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/oinkhq/oink/legacy"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// collectTimeout bounds reading a trial's topics and rows.
const collectTimeout = 2 * time.Minute

// evidence is everything a trial's checks read, all of it from outside the
// components: the topics, the diffstore, and v1's fault log.
type evidence struct {
	Orders, OrdersDLQ, V1, V2, Live []kafka.Message

	Rules *comparator.Rules
	// Got is the trial's comparator run (the killed one, in a comparator
	// trial), Want the reference run over the same topics, never killed.
	Got, Want comparatorResult
	// Faults is v1's fault log, deduplicated.
	Faults []legacy.FaultEntry
	// Redelivered, in a RoleStall trial only, holds the identities v2
	// wrote more than once: resumed after its session expired, v2 goes on
	// converting with failing commits, then converts its backlog again,
	// and a copy that comes later than the match window past the first
	// can only be counted missing from v1 (the comparator keeps one window
	// of identities, not all of them).
	Redelivered map[string]bool

	// SwitchCommitted are the switch group's committed offsets on v1
	// (index 0) and v2, per partition, when the evidence was read: the
	// switch commits them after the transaction that decided every record
	// below them, so a record at or past one was not decided yet.
	SwitchCommitted [2]map[int]int64

	Plan  cutover.Plan
	State diffstore.CutoverState
	Route diffstore.Route
	Audit []diffstore.AuditEntry // oldest first
}

// comparatorResult is a comparator run's outcome as stored in Postgres.
type comparatorResult struct {
	Totals                           diffstore.Totals
	PendingControl, PendingCandidate int64
	// Divergences holds, per kind, "identity path,path…" of each stored
	// divergence, sorted.
	Divergences map[diffstore.Kind][]string
}

// collect reads the trial's evidence.
func (t *trial) collect(ctx context.Context) (*evidence, error) {
	ctx, cancel := context.WithTimeout(ctx, collectTimeout)
	defer cancel()
	ev := &evidence{Rules: t.h.rules, Plan: t.plan}
	var errs []error
	read := func(topic string) []kafka.Message {
		var out []kafka.Message
		err := kafkaio.ReadTopic(ctx, t.h.brokers, topic, func(m kafka.Message) error {
			out = append(out, m)
			return nil
		})
		if err != nil {
			errs = append(errs, fmt.Errorf("reading %s: %w", topic, err))
		}
		return out
	}
	ev.Orders, ev.OrdersDLQ = read(t.n.orders), read(t.n.ordersDLQ)
	ev.V1, ev.V2, ev.Live = read(t.n.v1), read(t.n.v2), read(t.n.live)
	if t.role == RoleStall {
		ev.Redelivered = repeated(ev.V2, ev.Rules)
	}
	var err error
	if ev.Got, err = readComparator(ctx, t.h.store, t.n.run); err != nil {
		errs = append(errs, err)
	}
	if ev.Want, err = readComparator(ctx, t.h.store, t.n.refRun); err != nil {
		errs = append(errs, err)
	}
	if t.dir != "" {
		if ev.Faults, err = readFaultLog(filepath.Join(t.dir, "faults.jsonl")); err != nil {
			errs = append(errs, err)
		}
	}
	for s, topic := range []string{t.n.v1, t.n.v2} {
		if ev.SwitchCommitted[s], err = kafkaio.CommittedOffsets(ctx, t.h.brokers, t.n.groupSwitch, topic); err != nil {
			errs = append(errs, fmt.Errorf("the switch group's offsets on %s: %w", topic, err))
		}
	}
	if ev.State, err = t.h.store.CutoverState(ctx, t.n.run); err != nil {
		errs = append(errs, err)
	}
	if ev.Route, err = t.h.store.Route(ctx, t.n.run); err != nil {
		errs = append(errs, err)
	}
	if ev.Audit, err = t.h.store.History(ctx, t.n.run, 100000); err != nil {
		errs = append(errs, err)
	}
	slices.Reverse(ev.Audit)
	return ev, errors.Join(errs...)
}

// readComparator reads a comparator run's totals and divergences.
func readComparator(ctx context.Context, store *diffstore.Store, run string) (comparatorResult, error) {
	res := comparatorResult{Divergences: map[diffstore.Kind][]string{}}
	sum, err := store.Summary(ctx, run)
	if err != nil {
		return res, err
	}
	res.Totals, res.PendingControl, res.PendingCandidate = sum.Totals, sum.PendingControl, sum.PendingCandidate
	divs, err := store.Divergences(ctx, diffstore.Filter{Run: run, Limit: 1 << 30})
	if err != nil {
		return res, err
	}
	for _, d := range divs {
		paths := make([]string, len(d.Diff))
		for i, f := range d.Diff {
			paths[i] = f.Path
		}
		slices.Sort(paths)
		res.Divergences[d.Kind] = append(res.Divergences[d.Kind], d.Identity+" "+strings.Join(paths, ","))
	}
	for _, v := range res.Divergences {
		slices.Sort(v)
	}
	return res, nil
}

// repeated returns the identities that occur more than once in msgs.
func repeated(msgs []kafka.Message, rules *comparator.Rules) map[string]bool {
	seen, out := map[string]bool{}, map[string]bool{}
	for _, m := range msgs {
		id, _, err := rules.Identify(m.Key, m.Value, m.Time)
		if err != nil {
			continue // not an RTCIM the comparator could pair either
		}
		if seen[id] {
			out[id] = true
		}
		seen[id] = true
	}
	return out
}

// readFaultLog reads v1's fault log (legacy.ReadFaultLog: each entry
// once, though a redelivered batch logs its faults again).
func readFaultLog(path string) ([]legacy.FaultEntry, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("v1's fault log: %w", err)
	}
	defer f.Close()
	out, err := legacy.ReadFaultLog(f)
	if err != nil {
		return nil, fmt.Errorf("v1's fault log %s: %w", path, err)
	}
	return out, nil
}
