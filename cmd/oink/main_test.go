package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// TestMain lets a test run the oink binary it is compiled into: with
// OINK_TEST_RUN_MAIN=1 the test binary is oink.
func TestMain(m *testing.M) {
	if os.Getenv("OINK_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
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
// the kill -9 tests run it as separate processes many times over hundreds
// of thousands of records, where race instrumentation would make them
// several times slower. The code they run is covered with -race by the
// in-process tests.
func oinkBinary(tb testing.TB) string {
	tb.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "oink-test-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "oink")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %w: %s", err, out)
		}
	})
	if buildErr != nil {
		tb.Fatalf("building oink for process tests: %v", buildErr)
	}
	return binPath
}

// oinkCmd returns a command that runs oink with args as its own process.
func oinkCmd(tb testing.TB, args ...string) *exec.Cmd {
	tb.Helper()
	return exec.Command(oinkBinary(tb), args...)
}

// testDeps returns deps writing to buffers, with no environment.
func testDeps(tty bool, env map[string]string) (deps, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return deps{
		stdout: &out, stderr: &errb,
		stderrIsTTY: func() bool { return tty },
		lookupEnv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		now: time.Now,
	}, &out, &errb
}
