package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	rpprof "runtime/pprof"
	"time"

	"github.com/spf13/pflag"
)

// profileOptions are the global profiling flags: a CPU profile of the whole
// command, a heap profile written when it ends, and live net/http/pprof
// endpoints for snapshots mid-run (e.g. the heap at its peak).
type profileOptions struct {
	cpuFile  string
	heapFile string
	addr     string

	cpu  *os.File
	stop context.CancelFunc // stops the pprof server
}

func (p *profileOptions) addFlags(pf *pflag.FlagSet) {
	pf.StringVar(&p.cpuFile, "cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof FILE)")
	pf.StringVar(&p.heapFile, "memprofile", "", "write a heap profile to this file when the command ends (allocations over the run and what is still in use)")
	pf.StringVar(&p.addr, "pprof", "", "serve net/http/pprof on this host:port, e.g. 127.0.0.1:6060 (go tool pprof http://ADDR/debug/pprof/heap)")
}

// start begins what the flags ask for. A file that cannot be created or an
// address that cannot be bound is a usage error naming the flag.
func (p *profileOptions) start(g *globalOptions) error {
	if p.addr != "" {
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return usageError{fmt.Errorf("--pprof %q: %w (give a free host:port)", p.addr, err)}
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
		srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }() // ends with Close in stopAll
		p.stop = func() { _ = srv.Close() }
		g.log.Info("serving pprof", "addr", ln.Addr().String())
	}
	if p.cpuFile != "" {
		f, err := os.Create(p.cpuFile)
		if err != nil {
			return usageError{fmt.Errorf("--cpuprofile %q: %w", p.cpuFile, err)}
		}
		if err := rpprof.StartCPUProfile(f); err != nil {
			f.Close()
			return fmt.Errorf("--cpuprofile %q: %w", p.cpuFile, err)
		}
		p.cpu = f
	}
	if p.heapFile != "" { // fail now, not after a long run
		f, err := os.Create(p.heapFile)
		if err != nil {
			return usageError{fmt.Errorf("--memprofile %q: %w", p.heapFile, err)}
		}
		f.Close()
	}
	return nil
}

// stopAll finishes the CPU profile, writes the heap profile and stops the
// pprof server. It runs once the command has returned, whatever its outcome.
func (p *profileOptions) stopAll() error {
	var errs []error
	if p.stop != nil {
		p.stop()
		p.stop = nil
	}
	if p.cpu != nil {
		rpprof.StopCPUProfile()
		if err := p.cpu.Close(); err != nil {
			errs = append(errs, fmt.Errorf("--cpuprofile %q: %w", p.cpuFile, err))
		}
		p.cpu = nil
	}
	if p.heapFile != "" {
		if err := writeHeapProfile(p.heapFile); err != nil {
			errs = append(errs, fmt.Errorf("--memprofile %q: %w", p.heapFile, err))
		}
	}
	return errors.Join(errs...)
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC() // in-use figures as of the end, not the last GC
	if err := rpprof.Lookup("heap").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// executeRoot runs the oink command line and then stops any profiling the
// global flags started, so the files are complete on every exit path. A
// Kafka cluster that cannot be reached is named once, with the fix.
func executeRoot(ctx context.Context, d deps) error {
	root, g := newRoot(d)
	err := root.ExecuteContext(ctx)
	if perr := g.profile.stopAll(); perr != nil {
		fmt.Fprintln(d.stderr, "oink:", perr)
	}
	return asBrokerError(err, g.brokers)
}
