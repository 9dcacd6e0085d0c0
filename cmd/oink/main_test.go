package main

import (
	"bytes"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestMain lets a test run the oink binary it is compiled into: with
// OINK_TEST_RUN_MAIN=1 the test binary is oink (see oinkCmd).
func TestMain(m *testing.M) {
	if os.Getenv("OINK_TEST_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// oinkCmd returns a command that runs this test binary as oink with args.
func oinkCmd(tb testing.TB, args ...string) *exec.Cmd {
	tb.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "OINK_TEST_RUN_MAIN=1")
	return cmd
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
