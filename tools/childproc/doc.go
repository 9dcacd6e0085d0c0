// Package childproc runs oink as child processes for the tools built on it
// (oink bench, oink chaos): one supervisor for every child either tool
// starts.
//
// A Proc is one child: Start runs it (again, after a Kill), Kill sends
// SIGKILL, Stall freezes it with SIGSTOP and continues it with SIGCONT,
// Terminate and Stop end it with SIGTERM and, a grace later, SIGKILL. A
// child that exits without being killed or stopped is a crash, which
// Exited reports; every error names the child and ends with the tail of
// its stderr. Stdout is captured (or sent where the caller says), and
// Usage gives the CPU time and peak RSS of an exited child, the RSS
// sampled from /proc/PID/status (VmHWM) while it ran.
//
//	p := childproc.New(childproc.Config{Name: "v2", Exe: exe, Args: []string{"produce", "--brokers", addr}})
//	if err := p.Start(io.Discard); err != nil { … }
//	defer p.Stop()
//	if err := p.Kill(); err != nil { … } // SIGKILL; an earlier crash is reported
//	if err := p.Start(io.Discard); err != nil { … }
//
// StartBroker runs `oink broker` on a free port and returns once it
// listens. The package imports no test package, so the oink binary that
// runs the tools never links Go's testing package.
package childproc
