package shadowtest

import (
	"bytes"
	"context"
	"log/slog"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink/legacy"
	"github.com/oinkhq/oink/loadgen"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/kafkatest"
)

// Faults are the v1 faults of every shadow: the ones the acceptance
// names.
var Faults = legacy.Faults{Rounding: 0.02, UTCDate: 0.01, Drop: 0.001, Dup: 0.001, Reorder: 0.05}

// Shadow is a finished shadow pipeline.
type Shadow struct {
	Env                       *kafkatest.Env
	Orders, V1, V2, OrdersDLQ string
	// Faults is the deduplicated fault log of v1.
	Faults []legacy.FaultEntry
}

// New loads n events (0.5% invalid) and runs v1 (with Faults) and v2 over
// them to completion.
func New(t testing.TB, n int) *Shadow {
	t.Helper()
	return NewWithFaults(t, n, Faults)
}

// NewWithFaults is New with v1 running the given faults.
func NewWithFaults(t testing.TB, n int, faults legacy.Faults) *Shadow {
	t.Helper()
	env := kafkatest.New(t)
	s := &Shadow{Env: env, Orders: env.Topic("orders"), V1: env.Topic("rtcim.v1"), V2: env.Topic("rtcim.v2"), OrdersDLQ: env.Topic("orders.dlq")}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if _, err := loadgen.Load(ctx, loadgen.LoadConfig{Brokers: env.Brokers, Topic: s.Orders, Count: n, Topics: env.Spec,
		Gen: loadgen.Config{Seed: 21, InvalidRatio: 0.005, Start: time.Date(2026, 3, 8, 4, 0, 0, 0, time.UTC), Step: 20 * time.Millisecond}}); err != nil {
		t.Fatal(err)
	}
	base := producer.Config{Brokers: env.Brokers, From: s.Orders, StopWhenIdle: time.Second, Topics: env.Spec,
		Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
	var faultLog bytes.Buffer
	var wg sync.WaitGroup
	var errV1, errV2 error
	wg.Go(func() {
		cfg := base
		cfg.To, cfg.Group = s.V1, env.Group("v1")
		_, errV1 = legacy.Run(ctx, legacy.Config{Config: cfg, Faults: faults, Seed: 4, FaultLog: &faultLog})
	})
	wg.Go(func() {
		cfg := base
		cfg.To, cfg.DLQ, cfg.Group = s.V2, s.OrdersDLQ, env.Group("v2")
		_, errV2 = producer.Run(ctx, cfg)
	})
	wg.Wait()
	if errV1 != nil || errV2 != nil {
		t.Fatalf("v1: %v, v2: %v", errV1, errV2)
	}
	entries, err := legacy.ReadFaultLog(&faultLog)
	if err != nil {
		t.Fatal(err)
	}
	s.Faults = entries
	return s
}

// Identities returns the sorted comparator identities ("order_id|event_id")
// of the fault log entries of the given faults.
func (s *Shadow) Identities(faults ...string) []string { return FaultIdentities(s.Faults, faults...) }

// FaultIdentities returns the sorted comparator identities
// ("order_id|event_id") of the entries of the given faults.
func FaultIdentities(entries []legacy.FaultEntry, faults ...string) []string {
	set := map[string]bool{}
	for _, fe := range entries {
		for _, f := range faults {
			if fe.Fault == f {
				set[fe.OrderID+"|"+fe.SourceEventID] = true
			}
		}
	}
	return SortedKeys(set)
}

// Count returns how many distinct events the fault hit.
func (s *Shadow) Count(fault string) int64 { return int64(len(s.Identities(fault))) }

// SortedKeys returns the keys of set, sorted.
func SortedKeys(set map[string]bool) []string {
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// EqualSets fails t unless got and want (both sorted) are equal.
func EqualSets(t testing.TB, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d identities, want %d (got %v…, want %v…)", what, len(got), len(want), got[:min(len(got), 5)], want[:min(len(want), 5)])
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: identity %d is %s, want %s", what, i, got[i], want[i])
		}
	}
}

// DivergenceIdentities returns the sorted identities of the run's
// divergences of kind.
func DivergenceIdentities(t testing.TB, store *diffstore.Store, run string, kind diffstore.Kind) []string {
	t.Helper()
	divs, err := store.Divergences(t.Context(), diffstore.Filter{Run: run, Kind: kind, Limit: 1 << 30})
	if err != nil {
		t.Fatal(err)
	}
	set := map[string]bool{}
	for _, d := range divs {
		set[d.Identity] = true
	}
	return SortedKeys(set)
}
