package childproc

import (
	"os"
	"runtime"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	t.Parallel()
	// A command name with spaces and a ')' must not shift the fields;
	// utime 250 and stime 50 ticks are 3s.
	stat := "4242 (oink (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 8 0 100 1000000 2000 18446744073709551615"
	got, err := parseStatCPU(stat)
	if err != nil || got != 3*time.Second {
		t.Errorf("parseStatCPU(%q) = %v, %v; want 3s", stat, got, err)
	}
	if _, err := parseStatCPU("4242 (oink) S 1 2"); err == nil {
		t.Error("parseStatCPU of a short line = nil error, want one")
	}
}

func TestParseKB(t *testing.T) {
	t.Parallel()
	if got, err := parseKB("\t  123456 kB"); err != nil || got != 123456<<10 {
		t.Errorf("parseKB = %d, %v; want %d", got, err, 123456<<10)
	}
	if _, err := parseKB("12 MB"); err == nil {
		t.Error("parseKB(12 MB) = nil error, want one")
	}
}

// TestProcReadsThisProcess reads this test process's own numbers.
func TestProcReadsThisProcess(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("/proc is Linux's") // the benchmark reports zero broker numbers elsewhere
	}
	t.Parallel()
	// Use CPU until the kernel has counted a tick of it: a fixed stretch of
	// wall time may get no CPU at all on a busy machine (it once read 0s).
	// The deadline is for liveness only.
	var cpu time.Duration
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); {
		for spin := time.Now().Add(5 * time.Millisecond); time.Now().Before(spin); {
		}
		if cpu, err = CPU(os.Getpid()); err != nil || cpu > 0 {
			break
		}
	}
	if err != nil || cpu <= 0 {
		t.Errorf("CPU(self) = %v, %v; want some CPU time", cpu, err)
	}
	peak, err := PeakRSS(os.Getpid())
	if err != nil || peak < 1<<20 {
		t.Errorf("PeakRSS(self) = %d, %v; want at least 1 MiB", peak, err)
	}
}
