package chaos

import (
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/oinkhq/oink/internal/pgtest"
)

// TestMain removes the oink binary the tests built.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// oinkBinary builds oink once per test binary, without the race detector:
// the trials run it as child processes over thousands of records, dozens
// of times, where race instrumentation would make them several times
// slower. The code they run is covered with -race by its own packages'
// in-process tests.
func oinkBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "oink-chaos-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "oink")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/oinkhq/oink/cmd/oink").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w: %s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatalf("building oink for the trials: %v", buildErr)
	}
	return binPath
}

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
	return Config{Exe: oinkBinary(t), DatabaseURL: pgtest.URL(t), RulesFile: "../../testdata/rules/rtcim.yaml",
		Roles: roles, Seed: seed, Trials: suiteTrials, Events: suiteEvents, Rate: suiteRate, Kills: suiteKills,
		Parallel: suiteParallel, Steps: suiteSteps,
		Log: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))}
}
