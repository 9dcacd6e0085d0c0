package childproc

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// Defaults of Config.
const (
	// DefaultGrace is how long a child gets after SIGTERM before SIGKILL:
	// oink commands finish the batch in hand first.
	DefaultGrace = 10 * time.Second
	// DefaultStderrTail is how much of a child's stderr is kept, for the
	// errors that name it.
	DefaultStderrTail = 8 << 10
)

// Config describes a child process.
type Config struct {
	// Name names the child in errors ("oink broker", "v2").
	Name string
	// Exe and Args are the program and its arguments.
	Exe  string
	Args []string
	// Env is added to Env(): the variables the child needs beyond the
	// parent's environment without OINK_*, such as DATABASE_URL.
	Env []string
	// Grace is how long Stop waits after SIGTERM before SIGKILL. Default:
	// DefaultGrace.
	Grace time.Duration
	// StderrTail is how many bytes of stderr are kept. Default:
	// DefaultStderrTail.
	StderrTail int
	// SampleRSS is how often the child's peak RSS is read from /proc while
	// it runs, for Usage. Default: 0, not sampled (Usage then falls back to
	// ru_maxrss).
	SampleRSS time.Duration
}

// Proc is one child process, started (and restarted) by Start. A Proc is
// safe for concurrent use.
type Proc struct {
	cfg    Config
	stdout buffer // this run's stdout when Start was given nil
	stderr tail
	peak   atomic.Int64 // largest VmHWM sampled in this run, in bytes

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{} // closed once the current process is reaped
	err      error         // its Wait result, set before done closes
	stopping bool          // the supervisor killed, stopped or terminated it
	starts   int
}

// New returns a Proc for cfg; nothing runs until Start.
func New(cfg Config) *Proc {
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.StderrTail <= 0 {
		cfg.StderrTail = DefaultStderrTail
	}
	return &Proc{cfg: cfg, stderr: tail{max: cfg.StderrTail}}
}

// Name is Config.Name.
func (p *Proc) Name() string { return p.cfg.Name }

// Start runs the child (again), its stdout written to stdout or, when
// stdout is nil, kept for Stdout. It fails if the child is running.
func (p *Proc) Start(stdout io.Writer) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done != nil {
		select {
		case <-p.done:
		default:
			return fmt.Errorf("starting %s: it is running", p.cfg.Name)
		}
	}
	cmd := exec.Command(p.cfg.Exe, p.cfg.Args...)
	cmd.Env = append(Env(), p.cfg.Env...)
	p.stdout.Reset()
	cmd.Stdout = stdout
	if stdout == nil {
		cmd.Stdout = &p.stdout
	}
	cmd.Stderr = &p.stderr
	// Bounds Wait when a grandchild keeps the output pipes open after the
	// child has exited.
	cmd.WaitDelay = p.cfg.Grace
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s (%s): %w", p.cfg.Name, p.cfg.Exe, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.err, p.stopping = cmd, done, nil, false
	p.starts++
	p.peak.Store(0)
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}()
	if p.cfg.SampleRSS > 0 {
		go p.sampleRSS(cmd.Process.Pid, done)
	}
	return nil
}

// current returns the running (or last) process and its done channel.
func (p *Proc) current() (*exec.Cmd, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.cmd, p.done
}

// PID is the process id of the current (or last) run; 0 before Start.
func (p *Proc) PID() int {
	cmd, _ := p.current()
	if cmd == nil {
		return 0
	}
	return cmd.Process.Pid
}

// Starts is how many times Start has run the child.
func (p *Proc) Starts() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.starts
}

// Done is closed once the current run has exited and been reaped; nil
// before Start.
func (p *Proc) Done() <-chan struct{} {
	_, done := p.current()
	return done
}

// Err is how the current run ended (nil for exit status 0), once Done is
// closed.
func (p *Proc) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// Stdout is what the current run wrote to its stdout, when Start was
// given nil.
func (p *Proc) Stdout() []byte { return p.stdout.Bytes() }

// Stderr is the end of what the child wrote to its stderr, over all its
// runs: the last Config.StderrTail bytes.
func (p *Proc) Stderr() string { return p.stderr.String() }

// Failed wraps err with the child's name and the end of its stderr.
func (p *Proc) Failed(err error) error {
	return fmt.Errorf("%s: %w; its stderr ends with:\n%s", p.cfg.Name, err, p.stderr.String())
}

// Exited returns an error if the child has exited without being killed,
// stopped or terminated: a crash, or a role that gave up. It returns nil
// while the child runs, before Start, and after Kill, Stop or Terminate.
func (p *Proc) Exited() error {
	p.mu.Lock()
	done, stopping, err := p.done, p.stopping, p.err
	p.mu.Unlock()
	if done == nil || stopping {
		return nil
	}
	select {
	case <-done:
		if err == nil {
			err = errors.New("exit status 0")
		}
		return p.Failed(fmt.Errorf("exited by itself: %w", err))
	default:
		return nil
	}
}

// Wait waits for the child to exit by itself and returns how it ended (nil
// for exit status 0). When ctx ends first, it stops the child and reports
// that it was still running.
func (p *Proc) Wait(ctx context.Context) error {
	_, done := p.current()
	select {
	case <-done:
		if err := p.Err(); err != nil {
			return p.Failed(err)
		}
		return nil
	case <-ctx.Done():
		_ = p.Stop() // the timeout is the error to report
		return p.Failed(fmt.Errorf("still running: %w", ctx.Err()))
	}
}

// Kill sends SIGKILL and waits until the child is reaped. A child that had
// already exited by itself is reported, not hidden by the restart that
// follows.
func (p *Proc) Kill() error {
	if err := p.Exited(); err != nil {
		return err
	}
	cmd, done := p.markStopping()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		select {
		case <-done:
			return p.Failed(fmt.Errorf("exited by itself just before its SIGKILL: %w", err))
		default:
			return fmt.Errorf("SIGKILL %s: %w", p.cfg.Name, err)
		}
	}
	<-done
	return nil
}

// Stall stops the child with SIGSTOP for d (or until ctx ends) and
// continues it with SIGCONT: a process paused by the kernel, a GC or a VM
// migration. A child that had exited by itself is reported.
func (p *Proc) Stall(ctx context.Context, d time.Duration) error {
	if err := p.Exited(); err != nil {
		return err
	}
	cmd, _ := p.current()
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return fmt.Errorf("SIGSTOP %s: %w", p.cfg.Name, err)
	}
	t := time.NewTimer(d) // the fault's length, not a wait for an event
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		return p.Failed(fmt.Errorf("SIGCONT after %v stopped: %w", d, err))
	}
	return nil
}

// Terminate sends SIGTERM and returns at once; Stop then waits for the
// exit. Terminating several children before stopping each lets them shut
// down together.
func (p *Proc) Terminate() {
	cmd, _ := p.markStopping()
	if cmd != nil {
		_ = cmd.Process.Signal(syscall.SIGTERM) // fails only if it has exited, which Done tells
	}
}

// Stop sends SIGTERM (unless Terminate has), and SIGKILL Config.Grace
// later, and waits until the child is reaped. It reports an exit that was
// not clean: a non-zero status, or no exit within the grace. It returns
// nil before Start.
func (p *Proc) Stop() error {
	p.mu.Lock()
	cmd, done, terminated := p.cmd, p.done, p.stopping
	p.stopping = true
	p.mu.Unlock()
	if cmd == nil {
		return nil
	}
	if !terminated {
		_ = cmd.Process.Signal(syscall.SIGTERM) // fails only if it has exited, which done tells
	}
	t := time.NewTimer(p.cfg.Grace)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
		_ = cmd.Process.Signal(syscall.SIGKILL) // it ignored SIGTERM; the error below says so
		<-done
		return p.Failed(fmt.Errorf("did not stop within %v of SIGTERM", p.cfg.Grace))
	}
	if err := p.Err(); err != nil {
		return p.Failed(fmt.Errorf("exit after SIGTERM: %w", err))
	}
	return nil
}

// markStopping records that the supervisor ends the current run, so that
// its exit is not a crash, and returns it.
func (p *Proc) markStopping() (*exec.Cmd, chan struct{}) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stopping = true
	return p.cmd, p.done
}

// buffer is a bytes.Buffer that can be read while the child writes it.
type buffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}

func (b *buffer) Reset() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Reset()
}

// tail keeps the last max bytes written to it.
type tail struct {
	max int

	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
