//go:build chaos

// These single-role kill runs are part of the long fault-injection suite
// (go test -tags chaos ./...); CI runs the same invariants through
// tools/chaos's TestChaosKill* trials, which kill every role in the
// whole pipeline.

package main

import (
	"context"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
	"github.com/oinkhq/oink/testkit/shadowtest"
)

// TestInvariantComparatorKillRestartIsExact kills `oink compare` with
// SIGKILL at random moments (five times), restarting it each time, and
// checks that the final totals and divergence set equal those of a run
// never interrupted (invariant 2).
func TestInvariantComparatorKillRestartIsExact(t *testing.T) {
	if testing.Short() {
		t.Skip("kill -9 run skipped in -short mode")
	}
	s := shadowtest.New(t, 40000)
	dbURL, pool := pgtest.SchemaURL(t)
	store := diffstore.New(pool)
	args := func(run string, extra ...string) []string {
		return append([]string{"compare", "--brokers", strings.Join(s.Env.Brokers, ","), "--database-url", dbURL,
			"--run", run, "--group", s.Env.Group(run), "--control", s.V1, "--candidate", s.V2,
			"--input", s.Orders, "--control-group", s.Env.Group("v1"), "--candidate-group", s.Env.Group("v2"),
			"--rules", "../../testdata/rules/rtcim-strict.yaml", "--window", "2s", "--session-timeout", "2s",
			"--dlq", s.Env.Topic("compare.dlq"), "--log-level", "warn"}, extra...)
	}
	clean := oinkCmd(t, args("clean", "--stop-when-idle", "2s")...)
	clean.Stderr = os.Stderr
	if err := clean.Run(); err != nil {
		t.Fatalf("uninterrupted compare: %v", err)
	}
	want, err := store.Summary(t.Context(), "clean")
	if err != nil {
		t.Fatal(err)
	}

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 1))
	t.Logf("kill schedule seed %d", seed)
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	total := want.ReadControl + want.ReadCandidate
	for kill := 1; kill <= 5; kill++ {
		var before int64
		if sum, err := store.Summary(ctx, "killed"); err == nil {
			before = sum.ReadControl + sum.ReadCandidate
		}
		target := before + 1 + rng.Int64N(max(1, (total-before)/4))
		killWhen(t, "compare progress", func() bool {
			sum, err := store.Summary(ctx, "killed")
			return err == nil && sum.ReadControl+sum.ReadCandidate >= target
		}, args("killed")...)
		t.Logf("kill %d at %d of %d records read", kill, target, total)
	}
	final := oinkCmd(t, args("killed", "--stop-when-idle", "2s")...)
	final.Stderr = os.Stderr
	if err := final.Run(); err != nil {
		t.Fatalf("final compare: %v", err)
	}
	got, err := store.Summary(ctx, "killed")
	if err != nil {
		t.Fatal(err)
	}
	if got.Counts != want.Counts || got.PendingControl != 0 || got.PendingCandidate != 0 {
		t.Fatalf("after 5 kills:\n got %+v\nwant %+v", got.Counts, want.Counts)
	}
	for _, kind := range []diffstore.Kind{diffstore.KindDivergent, diffstore.KindMissingInControl, diffstore.KindMissingInCandidate} {
		shadowtest.EqualSets(t, string(kind), shadowtest.DivergenceIdentities(t, store, "killed", kind), shadowtest.DivergenceIdentities(t, store, "clean", kind))
	}
	shadowtest.EqualSets(t, "divergent vs fault log", shadowtest.DivergenceIdentities(t, store, "killed", diffstore.KindDivergent),
		s.Identities("rounding", "utc-date"))
}
