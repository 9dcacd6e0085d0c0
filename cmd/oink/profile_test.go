package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestProfileFlags runs oink with the three profiling flags as its own
// process: the pprof endpoints answer while it runs, and once it stops on
// SIGINT both profile files are complete gzipped pprof protobufs.
func TestProfileFlags(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cpu, heap := filepath.Join(dir, "cpu.pprof"), filepath.Join(dir, "heap.pprof")
	cmd := oinkCmd(t, "--cpuprofile", cpu, "--memprofile", heap, "--pprof", "127.0.0.1:0", "--log-format", "json",
		"broker", "--listen", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

	addr := pprofAddr(t, stderr)
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	resp, err := http.Get("http://" + addr + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatalf("GET the heap profile from --pprof %s: %v", addr, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("heap profile")) {
		t.Fatalf("GET /debug/pprof/heap: %s %.200q", resp.Status, body)
	}

	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil && cmd.ProcessState.ExitCode() != exitInterrupted {
		t.Fatalf("oink broker after SIGINT: %v", err)
	}
	for _, f := range []string{cpu, heap} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) < 100 || b[0] != 0x1f || b[1] != 0x8b { // pprof files are gzipped protobufs
			t.Errorf("%s: %d bytes, not a gzipped profile", filepath.Base(f), len(b))
		}
	}
}

// pprofAddr reads oink's JSON log until the "serving pprof" line and
// returns its address.
func pprofAddr(t *testing.T, stderr io.Reader) string {
	t.Helper()
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if strings.Contains(sc.Text(), "serving pprof") {
				lines <- sc.Text()
				return
			}
		}
		close(lines)
	}()
	select {
	case line, ok := <-lines:
		if !ok {
			t.Fatal("oink exited without logging the pprof address")
		}
		var rec struct{ Addr string }
		if err := json.Unmarshal([]byte(line), &rec); err != nil || rec.Addr == "" {
			t.Fatalf("pprof log line %q: %v", line, err)
		}
		return rec.Addr
	case <-time.After(30 * time.Second):
		t.Fatal("no pprof address logged within 30s")
	}
	return ""
}
