package chaos

import (
	"log/slog"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/oinkhq/oink/testkit/oinkbin"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// TestMain removes the oink binary the tests built.
func TestMain(m *testing.M) {
	oinkbin.Main(m)
}

// oinkBinary is the oink binary the trials run (testkit/oinkbin).
func oinkBinary(tb testing.TB) string { return oinkbin.Path(tb) }

// testConfig is the suite's configuration for roles: the sizes of this
// build (suite_short_test.go or, with -tags chaos, suite_long_test.go),
// the seed from OINK_CHAOS_SEED or the clock.
func testConfig(t *testing.T, roles ...Role) Config {
	t.Helper()
	seed := uint64(time.Now().UnixNano()) & (1<<53 - 1)
	if s := os.Getenv("OINK_CHAOS_SEED"); s != "" {
		var err error
		if seed, err = strconv.ParseUint(s, 10, 64); err != nil {
			t.Fatalf("OINK_CHAOS_SEED=%q: want an unsigned integer: %v", s, err)
		}
	}
	t.Logf("chaos seed %d (rerun with OINK_CHAOS_SEED=%d)", seed, seed)
	return Config{Exe: oinkBinary(t), DatabaseURL: pgtest.URL(t), RulesFile: "../../shipped/rules/rtcim.yaml",
		Roles: roles, Seed: seed, Trials: suiteTrials, Events: suiteEvents, Rate: suiteRate, Kills: suiteKills,
		Parallel: suiteParallel, Steps: suiteSteps,
		Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
}
