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
// after m.Run, or let Main do both.
func Cleanup() {
	if dir != "" {
		os.RemoveAll(dir)
	}
}

// Main runs the package's tests, removes the binary Path built and exits
// with the tests' code: the whole TestMain of a package whose tests run
// oink as a process.
func Main(m *testing.M) {
	code := m.Run()
	Cleanup()
	os.Exit(code)
}
