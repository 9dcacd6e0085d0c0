package childproc

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Usage is what an exited child used.
type Usage struct {
	// CPU is its user + system CPU time.
	CPU time.Duration
	// PeakRSS is its peak resident set in bytes: the VmHWM sampled from
	// /proc while it ran (to within Config.SampleRSS of its exit), or,
	// where it was not sampled, MaxRSS.
	PeakRSS int64
	// MaxRSS is the kernel's ru_maxrss in bytes. It cannot stand for the
	// peak: at exec the child inherits as its maxrss the RSS of the
	// process that forked it (Go forks with CLONE_VM, so the mm exec
	// replaces is the parent's), which for a benchmark after a load or a
	// check is larger than most children ever get.
	MaxRSS int64
}

// Usage returns what the last run used, once Done is closed; the zero
// Usage before.
func (p *Proc) Usage() Usage {
	cmd, done := p.current()
	if done == nil {
		return Usage{}
	}
	select {
	case <-done: // ProcessState is written before done closes
	default:
		return Usage{}
	}
	st := cmd.ProcessState
	u := Usage{CPU: st.UserTime() + st.SystemTime()}
	if ru, ok := st.SysUsage().(*syscall.Rusage); ok {
		u.MaxRSS = ru.Maxrss << 10 // Linux reports KiB
	}
	u.PeakRSS = p.peak.Load()
	if u.PeakRSS == 0 {
		u.PeakRSS = u.MaxRSS
	}
	return u
}

// sampleRSS records the peak RSS (VmHWM) of process pid every
// Config.SampleRSS until done closes.
func (p *Proc) sampleRSS(pid int, done <-chan struct{}) {
	tick := time.NewTicker(p.cfg.SampleRSS)
	defer tick.Stop()
	for {
		if peak, err := PeakRSS(pid); err == nil && peak > p.peak.Load() {
			p.peak.Store(peak)
		}
		select {
		case <-done:
			return
		case <-tick.C:
		}
	}
}

// clockTicks is USER_HZ, the unit of the times in /proc/PID/stat: 100 on
// every architecture Linux and Go share.
const clockTicks = 100

// CPU returns the user + system CPU time a running process has used so far
// (Linux only).
func CPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, fmt.Errorf("reading CPU time of process %d: %w", pid, err)
	}
	return parseStatCPU(string(b))
}

// parseStatCPU reads utime + stime (fields 14 and 15) of a /proc/PID/stat
// line. The command name (field 2) may hold spaces and parentheses, so the
// fields are counted from its last ')'.
func parseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc stat %q: no command name", stat)
	}
	f := strings.Fields(stat[i+1:]) // f[0] is field 3 (state)
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: %d fields after the command name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("/proc stat: CPU time %q: %w", s, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// PeakRSS returns the peak resident set (VmHWM) of a running process in
// bytes (Linux only).
func PeakRSS(pid int) (int64, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, fmt.Errorf("reading peak RSS of process %d: %w", pid, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			return parseKB(v)
		}
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("reading peak RSS of process %d: %w", pid, err)
	}
	return 0, fmt.Errorf("process %d: no VmHWM in /proc/%d/status", pid, pid)
}

// parseKB parses a /proc/PID/status size such as "  123456 kB" into bytes.
func parseKB(v string) (int64, error) {
	num, unit, _ := strings.Cut(strings.TrimSpace(v), " ")
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || unit != "kB" {
		return 0, fmt.Errorf("/proc status size %q: want a number of kB", v)
	}
	return n << 10, nil
}
