package chaos

import (
	"context"
	"fmt"
	"io"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// Bounds on a child's shutdown and on what is kept of its stderr.
const (
	// stopGrace is how long a child gets after SIGTERM before SIGKILL:
	// oink commands finish the batch in hand first.
	stopGrace = 10 * time.Second
	// stderrTail is how much of a child's stderr is kept for the report.
	stderrTail = 4 << 10
)

// proc is one role of a trial running as an `oink` child process. kill
// SIGKILLs it and start runs it again with the same arguments; an exit the
// harness did not cause is a crash (exited reports it).
type proc struct {
	name string
	exe  string
	args []string
	env  []string

	mu       sync.Mutex
	cmd      *exec.Cmd
	done     chan struct{} // closed once the current process is reaped
	err      error         // its Wait result, set before done closes
	stopping bool          // the harness killed or stopped it
	starts   int
	stderr   tail
}

func newProc(name, exe string, env []string, args ...string) *proc {
	return &proc{name: name, exe: exe, env: env, args: args}
}

// start runs the child (again), its stdout discarded. It must not be
// running.
func (p *proc) start() error { return p.startWith(io.Discard) }

// startWith runs the child (again) with stdout.
func (p *proc) startWith(stdout io.Writer) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	cmd := exec.Command(p.exe, p.args...)
	cmd.Env = p.env
	cmd.Stdout = stdout
	cmd.Stderr = &p.stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s (%s): %w", p.name, p.exe, err)
	}
	done := make(chan struct{})
	p.cmd, p.done, p.err, p.stopping = cmd, done, nil, false
	p.starts++
	go func() {
		err := cmd.Wait()
		p.mu.Lock()
		p.err = err
		p.mu.Unlock()
		close(done)
	}()
	return nil
}

// kill sends SIGKILL and waits until the process is reaped. A process
// that had already exited by itself is reported, not hidden by the
// restart that follows.
func (p *proc) kill() error {
	if err := p.exited(); err != nil {
		return err
	}
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.stopping = true
	p.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		select {
		case <-done:
			return p.failed(fmt.Errorf("exited by itself just before its SIGKILL: %w", err))
		default:
			return fmt.Errorf("SIGKILL %s: %w", p.name, err)
		}
	}
	<-done
	return nil
}

// stall stops the process with SIGSTOP for d (or until ctx ends) and
// continues it with SIGCONT: a process paused by the kernel, a GC or a VM
// migration. A process that had exited by itself is reported.
func (p *proc) stall(ctx context.Context, d time.Duration) error {
	if err := p.exited(); err != nil {
		return err
	}
	p.mu.Lock()
	cmd := p.cmd
	p.mu.Unlock()
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		return fmt.Errorf("SIGSTOP %s: %w", p.name, err)
	}
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		return p.failed(fmt.Errorf("SIGCONT after %v stopped: %w", d, err))
	}
	return nil
}

// stop sends SIGTERM, and SIGKILL after stopGrace, and waits until the
// process is reaped. It reports an exit that was not clean.
func (p *proc) stop() error {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	if cmd == nil {
		p.mu.Unlock()
		return nil
	}
	p.stopping = true
	p.mu.Unlock()
	_ = cmd.Process.Signal(syscall.SIGTERM) // fails only if it has exited, which done tells
	select {
	case <-done:
	case <-time.After(stopGrace):
		_ = cmd.Process.Signal(syscall.SIGKILL) // it ignored SIGTERM; the error below says so
		<-done
		return p.failed(fmt.Errorf("did not stop within %v of SIGTERM", stopGrace))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err != nil {
		return p.failed(fmt.Errorf("exit after SIGTERM: %w", p.err))
	}
	return nil
}

// exited returns an error if the process has exited without the harness
// killing or stopping it: a role crashed or gave up.
func (p *proc) exited() error {
	p.mu.Lock()
	done, stopping, err := p.done, p.stopping, p.err
	p.mu.Unlock()
	if done == nil || stopping {
		return nil
	}
	select {
	case <-done:
		if err == nil {
			err = fmt.Errorf("exit status 0")
		}
		return p.failed(fmt.Errorf("exited by itself: %w", err))
	default:
		return nil
	}
}

// failed wraps err with the child's name and the end of its stderr.
func (p *proc) failed(err error) error {
	return fmt.Errorf("%s: %w; its stderr ends with:\n%s", p.name, err, p.stderr.String())
}

// tail keeps the last stderrTail bytes written to it.
type tail struct {
	mu  sync.Mutex
	buf []byte
}

func (t *tail) Write(b []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, b...)
	if over := len(t.buf) - stderrTail; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(b), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
