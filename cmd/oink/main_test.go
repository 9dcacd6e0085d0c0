package main

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/oinkhq/oink/testkit/oinkbin"
)

// TestMain lets a test run the oink binary it is compiled into: with
// OINK_TEST_RUN_MAIN=1 the test binary is oink.
func TestMain(m *testing.M) {
	if os.Getenv("OINK_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	oinkbin.Main(m)
}

// oinkBinary is the oink binary the process tests run (testkit/oinkbin).
func oinkBinary(tb testing.TB) string { return oinkbin.Path(tb) }

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
		stdoutIsTTY: func() bool { return tty },
		stderrIsTTY: func() bool { return tty },
		stdinIsTTY:  func() bool { return tty },
		lookupEnv: func(k string) (string, bool) {
			v, ok := env[k]
			return v, ok
		},
		now: time.Now,
	}, &out, &errb
}
