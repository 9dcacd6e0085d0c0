package childproc

import (
	"context"
	"errors"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Shell scripts the tests run as children. Each prints "ready" once its
// trap is set. Grandchildren get no pipes and live a second at most, so that
// a child's exit ends its output.
const (
	// stopsOnTerm runs until SIGTERM, then exits 0.
	stopsOnTerm = `trap 'exit 0' TERM; echo ready; while :; do sleep 1 >/dev/null 2>&1 & wait $!; done`
	// ignoresTerm runs until SIGKILL.
	ignoresTerm = `trap '' TERM; echo ready; while :; do sleep 1 >/dev/null 2>&1; done`
)

// startReady starts p with its stdout captured and waits until it has
// printed "ready".
func startReady(tb testing.TB, p *Proc) {
	tb.Helper()
	if err := p.Start(nil); err != nil {
		tb.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(string(p.Stdout()), "ready") {
		if time.Now().After(deadline) {
			tb.Fatalf("%s printed no ready line in 10s (stderr %q)", p.Name(), p.Stderr())
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
}

func shell(tb testing.TB, name, script string) *Proc {
	tb.Helper()
	p := New(Config{Name: name, Exe: "/bin/sh", Args: []string{"-c", script}, Grace: 5 * time.Second})
	tb.Cleanup(func() { _ = p.Kill() })
	return p
}

// waitDone fails tb unless p's current run exits within d.
func waitDone(tb testing.TB, p *Proc, d time.Duration) {
	tb.Helper()
	select {
	case <-p.Done():
	case <-time.After(d):
		tb.Fatalf("%s still running after %v", p.Name(), d)
	}
}

func TestStdoutIsCapturedAndCleanExitIsNoError(t *testing.T) {
	t.Parallel()
	p := shell(t, "echo", "echo hello")
	if err := p.Start(nil); err != nil {
		t.Fatal(err)
	}
	if err := p.Wait(t.Context()); err != nil {
		t.Fatalf("Wait = %v, want nil for exit status 0", err)
	}
	if got := string(p.Stdout()); got != "hello\n" {
		t.Errorf("Stdout = %q, want %q", got, "hello\n")
	}
	if got := p.Usage(); got.CPU < 0 || got.MaxRSS <= 0 || got.PeakRSS != got.MaxRSS {
		t.Errorf("Usage of an unsampled child = %+v, want ru_maxrss as its peak", got)
	}
}

func TestAnExitNobodyCausedIsACrashWithItsStderr(t *testing.T) {
	t.Parallel()
	p := shell(t, "crasher", "echo 'panic: boom' >&2; exit 3")
	if err := p.Start(io.Discard); err != nil {
		t.Fatal(err)
	}
	waitDone(t, p, 10*time.Second)
	err := p.Exited()
	if err == nil || !strings.Contains(err.Error(), "crasher") || !strings.Contains(err.Error(), "panic: boom") {
		t.Fatalf("Exited = %v, want the name and the stderr tail", err)
	}
	if err := p.Kill(); err == nil {
		t.Error("Kill after a crash = nil, want the crash reported")
	}
}

func TestKillThenStartRunsItAgain(t *testing.T) {
	t.Parallel()
	p := shell(t, "victim", stopsOnTerm)
	startReady(t, p)
	if err := p.Start(io.Discard); err == nil {
		t.Error("Start of a running child = nil, want an error")
	}
	first := p.PID()
	if err := p.Kill(); err != nil {
		t.Fatalf("Kill = %v", err)
	}
	var ee interface{ ExitCode() int }
	if err := p.Err(); !errors.As(err, &ee) || ee.ExitCode() != -1 {
		t.Errorf("Err after SIGKILL = %v, want death by signal", err)
	}
	if err := p.Exited(); err != nil {
		t.Errorf("Exited after Kill = %v, want nil: the supervisor killed it", err)
	}
	startReady(t, p)
	if p.Starts() != 2 || p.PID() == first {
		t.Errorf("after a restart: %d starts, pid %d (was %d); want 2 and a new pid", p.Starts(), p.PID(), first)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop of a child that exits 0 on SIGTERM = %v", err)
	}
}

func TestStopSendsSIGKILLAfterTheGrace(t *testing.T) {
	t.Parallel()
	p := New(Config{Name: "stubborn", Exe: "/bin/sh", Args: []string{"-c", ignoresTerm}, Grace: 300 * time.Millisecond})
	t.Cleanup(func() { _ = p.Kill() })
	startReady(t, p)
	err := p.Stop()
	if err == nil || !strings.Contains(err.Error(), "did not stop within") {
		t.Fatalf("Stop = %v, want it to say SIGTERM was ignored", err)
	}
	waitDone(t, p, time.Second) // Stop returned: it has been reaped
}

func TestStallStopsAndContinues(t *testing.T) {
	t.Parallel()
	p := shell(t, "sleeper", stopsOnTerm)
	startReady(t, p)
	ctx, cancel := context.WithCancel(t.Context())
	stalled := make(chan error, 1)
	go func() { stalled <- p.Stall(ctx, time.Hour) }()
	waitState(t, p.PID(), "T")
	cancel() // ends the stall early
	select {
	case err := <-stalled:
		if err != nil {
			t.Fatalf("Stall = %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Stall did not return when its ctx ended")
	}
	waitState(t, p.PID(), "S")
	if err := p.Stop(); err != nil {
		t.Errorf("Stop after a stall = %v", err)
	}
}

func TestWaitStopsAChildStillRunningWhenCtxEnds(t *testing.T) {
	t.Parallel()
	p := shell(t, "slow", stopsOnTerm)
	startReady(t, p)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := p.Wait(ctx)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "still running") {
		t.Fatalf("Wait = %v, want still running and context.Canceled", err)
	}
	waitDone(t, p, time.Second)
}

func TestTerminateThenStopReportsACleanExit(t *testing.T) {
	t.Parallel()
	p := shell(t, "service", stopsOnTerm)
	startReady(t, p)
	p.Terminate()
	waitDone(t, p, 10*time.Second)
	if err := p.Exited(); err != nil {
		t.Errorf("Exited after Terminate = %v, want nil", err)
	}
	if err := p.Stop(); err != nil {
		t.Errorf("Stop after Terminate = %v, want nil for exit status 0", err)
	}
}

func TestSampledPeakRSS(t *testing.T) {
	t.Parallel()
	p := New(Config{Name: "sampled", Exe: "/bin/sh", Args: []string{"-c", stopsOnTerm}, SampleRSS: time.Millisecond})
	t.Cleanup(func() { _ = p.Kill() })
	startReady(t, p)
	if err := p.Stop(); err != nil {
		t.Fatal(err)
	}
	if u, sampled := p.Usage(), p.peak.Load(); sampled <= 0 || u.PeakRSS != sampled {
		t.Errorf("Usage = %+v with %d bytes sampled, want the sampled VmHWM as the peak", u, sampled)
	}
}

// waitState polls /proc/PID/stat until the process is in state ("S"
// sleeping, "T" stopped), for up to 10s.
func waitState(tb testing.TB, pid int, state string) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			tb.Fatalf("reading the state of process %d: %v", pid, err)
		}
		s := string(b)
		if f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:]); len(f) > 0 {
			if got = f[0]; got == state {
				return
			}
		}
		time.Sleep(5 * time.Millisecond) // polling interval, not synchronisation
	}
	tb.Fatalf("process %d is in state %q after 10s, want %q", pid, got, state)
}
