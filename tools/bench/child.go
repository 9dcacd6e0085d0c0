package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/oinkhq/oink/tools/childproc"
)

// Bounds on a child process's shutdown and on what is kept of its stderr.
const (
	// stopGrace is how long a child gets after SIGTERM before SIGKILL:
	// oink commands finish the batch in hand first.
	stopGrace = 10 * time.Second
	// stderrTail is how much of a child's stderr is kept, for the error
	// when it fails.
	stderrTail = 8 << 10
)

// child is a process of the run: the broker or a pipeline. Its stdout is
// readable once it has exited.
type child struct {
	name   string
	cmd    *exec.Cmd
	stdout bytes.Buffer
	stderr tail
	cancel context.CancelFunc
	done   chan struct{} // closed once the process has exited and been reaped
	err    error         // Wait's result, written before done closes
	peak   atomic.Int64  // largest VmHWM sampled, in bytes; 0 if none could be read
}

// rssEvery is how often a child's peak RSS is sampled while it runs.
const rssEvery = 10 * time.Millisecond

// startChild starts exe with args and the environment plus env. stdout, when
// not nil, replaces the captured stdout. When ctx ends, or on stop, the
// child gets SIGTERM, and SIGKILL stopGrace later.
func startChild(ctx context.Context, name, exe string, env []string, stdout io.Writer, args ...string) (*child, error) {
	cctx, cancel := context.WithCancel(ctx)
	c := &child{name: name, cancel: cancel, done: make(chan struct{})}
	c.cmd = exec.CommandContext(cctx, exe, args...)
	c.cmd.Cancel = func() error { return c.cmd.Process.Signal(syscall.SIGTERM) }
	c.cmd.WaitDelay = stopGrace
	c.cmd.Env = append(childproc.Env(), env...)
	c.cmd.Stdout = &c.stdout
	if stdout != nil {
		c.cmd.Stdout = stdout
	}
	c.cmd.Stderr = &c.stderr
	if err := c.cmd.Start(); err != nil {
		cancel()
		return nil, fmt.Errorf("starting %s (%s): %w", name, exe, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.done)
	}()
	go c.sampleRSS()
	return c, nil
}

// sampleRSS records the child's peak RSS (VmHWM) until it exits. The
// kernel's ru_maxrss cannot be used for it: at exec the child inherits as
// its maxrss the RSS of the benchmark process that forked it (Go forks with
// CLONE_VM, so the mm exec replaces is the parent's), which after a load or
// a check is larger than most children ever get.
func (c *child) sampleRSS() {
	tick := time.NewTicker(rssEvery)
	defer tick.Stop()
	for {
		if peak, err := procPeakRSS(c.pid()); err == nil && peak > c.peak.Load() {
			c.peak.Store(peak)
		}
		select {
		case <-c.done:
			return
		case <-tick.C:
		}
	}
}

// pid is the child's process id.
func (c *child) pid() int { return c.cmd.Process.Pid }

// wait waits for the child to exit by itself and returns how it ended
// (nil for exit status 0). When ctx ends first, it stops the child.
func (c *child) wait(ctx context.Context) error {
	select {
	case <-c.done:
		c.cancel()
		if c.err != nil {
			return c.failed(c.err)
		}
		return nil
	case <-ctx.Done():
		_ = c.stop() // the timeout is the error to report
		return c.failed(fmt.Errorf("still running: %w", ctx.Err()))
	}
}

// stop sends SIGTERM and waits until the child has exited.
func (c *child) stop() error {
	c.cancel()
	<-c.done
	return c.err
}

// failed wraps err with the child's name and the end of its stderr.
func (c *child) failed(err error) error {
	return fmt.Errorf("%s: %w; its stderr ends with:\n%s", c.name, err, c.stderr.String())
}

// usage returns the CPU time (user + system) and peak RSS in bytes of the
// child, once it has exited: the RSS sampled from /proc while it ran (to
// within rssEvery of its exit), or where /proc cannot be read, ru_maxrss
// (which may include the benchmark's own RSS: see sampleRSS).
func (c *child) usage() (time.Duration, int64) {
	st := c.cmd.ProcessState
	cpu := st.UserTime() + st.SystemTime()
	if peak := c.peak.Load(); peak > 0 {
		return cpu, peak
	}
	ru, ok := st.SysUsage().(*syscall.Rusage)
	if !ok {
		return cpu, 0
	}
	return cpu, ru.Maxrss << 10 // Linux reports KiB
}

// tail keeps the last stderrTail bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - stderrTail; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
