package comparator

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink/legacy"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
	"github.com/oinkhq/oink/testkit/shadowtest"
)

type shadow struct{ *shadowtest.Shadow }

func newShadow(t *testing.T, n int) *shadow { return &shadow{shadowtest.New(t, n)} }

// config is the run of a comparator on the shadow's topics, with the
// producers' groups, under the rules of rulesFile.
func (s *shadow) config(t *testing.T, store *diffstore.Store, run, rulesFile string) Config {
	t.Helper()
	return Config{Run: run, Brokers: s.Env.Brokers, Control: s.V1, Candidate: s.V2, Group: s.Env.Group(run),
		Input: s.Orders, ControlGroup: s.Env.Group("v1"), CandidateGroup: s.Env.Group("v2"),
		Rules: mustLoadRules(t, rulesFile), Window: 2 * time.Second, StopWhenIdle: 1500 * time.Millisecond, Store: store, Topics: s.Env.Spec,
		DLQ: s.Env.Topic("compare.dlq"), Log: warnLog(t)}
}

// compare runs the comparator to completion on the shadow's topics.
func (s *shadow) compare(t *testing.T, store *diffstore.Store, run, rulesFile string, instances int) diffstore.Summary {
	t.Helper()
	cfg := s.config(t, store, run, rulesFile)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, instances)
	for i := range instances {
		c := cfg
		c.Instance = run + "-" + string(rune('a'+i))
		wg.Go(func() { errs[i] = Run(ctx, c) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatalf("comparator: %v", err)
		}
	}
	sum, err := store.Summary(context.WithoutCancel(ctx), run)
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

func assertAccounting(t *testing.T, s diffstore.Summary) {
	t.Helper()
	c := s.Counts
	if c.ReadControl != c.Pairs+c.MissingInCandidate+s.PendingControl+c.DuplicatesControl+c.UndecodableControl ||
		c.ReadCandidate != c.Pairs+c.MissingInControl+s.PendingCandidate+c.DuplicatesCandidate+c.UndecodableCandidate ||
		c.Pairs != c.Equal+c.Accepted+c.Divergent || c.Equal != c.Identical+c.Equivalent {
		t.Fatalf("accounting identity broken: %+v", s)
	}
}

// TestInvariantExactAccountingAgainstFaultLog: under the strict rules the
// divergences are exactly the fault log's rounding and utc-date events, the
// missing-in-control records exactly its drops, the control duplicates
// exactly its dups, and reordered lines are no divergence; under the shipped
// rules the same differences are accepted by rule and nothing diverges.
// The sets are compared, not just their sizes (invariant 2). 12,000 events
// give every fault kind (about a dozen drops and dups at 0.1%) while keeping
// the race-enabled run within a few minutes on a busy 2-core machine.
func TestInvariantExactAccountingAgainstFaultLog(t *testing.T) {
	t.Parallel()
	s := newShadow(t, 12000)
	store := diffstore.New(pgtest.Schema(t))

	strict := s.compare(t, store, "strict", "../testdata/rules/rtcim-strict.yaml", 1)
	assertAccounting(t, strict)
	shadowtest.EqualSets(t, "divergent", shadowtest.DivergenceIdentities(t, store, "strict", diffstore.KindDivergent), s.Identities(legacy.FaultRounding, legacy.FaultUTCDate))
	shadowtest.EqualSets(t, "missing in control", shadowtest.DivergenceIdentities(t, store, "strict", diffstore.KindMissingInControl), s.Identities(legacy.FaultDrop))
	if strict.DuplicatesControl != s.Count(legacy.FaultDup) || strict.MissingInCandidate != 0 || strict.DuplicatesCandidate != 0 {
		t.Fatalf("strict summary %+v; want %d control duplicates and nothing missing in the candidate", strict, s.Count(legacy.FaultDup))
	}
	if s.Count(legacy.FaultReorder) == 0 || s.Count(legacy.FaultRounding) == 0 || s.Count(legacy.FaultUTCDate) == 0 ||
		s.Count(legacy.FaultDrop) == 0 || s.Count(legacy.FaultDup) == 0 {
		t.Fatalf("the fault log lacks a fault kind: %v", s.Faults[:min(len(s.Faults), 3)])
	}

	lenient := s.compare(t, store, "lenient", "../shipped/rules/rtcim.yaml", 1)
	assertAccounting(t, lenient)
	if lenient.Divergent != 0 || lenient.Accepted != int64(len(s.Identities(legacy.FaultRounding, legacy.FaultUTCDate))) {
		t.Fatalf("lenient summary: divergent %d, accepted %d; want 0 and %d", lenient.Divergent, lenient.Accepted,
			len(s.Identities(legacy.FaultRounding, legacy.FaultUTCDate)))
	}
	for rule, fault := range map[string]string{"v1-half-up-rounding": legacy.FaultRounding, "v1-utc-business-date": legacy.FaultUTCDate} {
		if lenient.AcceptedByRule[rule] != s.Count(fault) {
			t.Errorf("accepted by %s = %d, want %d (the %s entries of the fault log)", rule, lenient.AcceptedByRule[rule], s.Count(fault), fault)
		}
	}
}

// TestTwoComparatorsInOneGroupGiveTheSameResult: two instances sharing the
// partitions end with the totals and divergences of one.
func TestTwoComparatorsInOneGroupGiveTheSameResult(t *testing.T) {
	t.Parallel()
	s := newShadow(t, 15000)
	store := diffstore.New(pgtest.Schema(t))
	one := s.compare(t, store, "one", "../testdata/rules/rtcim-strict.yaml", 1)
	two := s.compare(t, store, "two", "../testdata/rules/rtcim-strict.yaml", 2)
	assertAccounting(t, two)
	if one.Counts != two.Counts {
		t.Fatalf("two instances: %+v\none instance: %+v", two.Counts, one.Counts)
	}
	shadowtest.EqualSets(t, "divergent", shadowtest.DivergenceIdentities(t, store, "two", diffstore.KindDivergent), shadowtest.DivergenceIdentities(t, store, "one", diffstore.KindDivergent))
}
