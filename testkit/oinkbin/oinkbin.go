// Package oinkbin builds the oink binary for tests that run it as separate
// processes (SIGKILL runs, chaos trials, benchmarks): once per test binary,
// without the race detector, since those tests push hundreds of thousands
// of records through it many times, where race instrumentation would make
// them several times slower. The code it runs is covered with -race by the
// in-process tests of its packages.
//
//	func TestMain(m *testing.M) { code := m.Run(); oinkbin.Cleanup(); os.Exit(code) }
//	cmd := exec.Command(oinkbin.Path(t), "produce", …)
package oinkbin

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

var (
	once sync.Once
	dir  string
	path string
	err  error
)

// Path returns the path of an oink binary built from this module's
// cmd/oink, building it on the first call. It fails tb if the build fails.
func Path(tb testing.TB) string {
	tb.Helper()
	once.Do(func() {
		if dir, err = os.MkdirTemp("", "oink-test-bin-"); err != nil {
			return
		}
		path = filepath.Join(dir, "oink")
		out, buildErr := exec.Command("go", "build", "-o", path, "github.com/oinkhq/oink/cmd/oink").CombinedOutput()
		if buildErr != nil {
			err = fmt.Errorf("go build: %w: %s", buildErr, out)
		}
	})
	if err != nil {
		tb.Fatalf("building oink for process tests: %v", err)
	}
	return path
}

// Cleanup removes the binary Path built, if any. Call it from TestMain
// after m.Run.
func Cleanup() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}
