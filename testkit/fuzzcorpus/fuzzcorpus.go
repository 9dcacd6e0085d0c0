// Package fuzzcorpus reads the seed corpora that `go test -fuzz` keeps under
// testdata/fuzz, so that the codec-agreement tests of producer/ and
// comparator/ check every committed fuzz input, not only their own tables.
package fuzzcorpus

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// Read returns the inputs of the fuzz corpus directory dir, whose entries
// each hold one []byte ("go test fuzz v1" files). A missing, empty or
// malformed corpus fails the test: an agreement test with no inputs proves
// nothing.
func Read(tb testing.TB, dir string) [][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no fuzz corpus in %s: %v", dir, err)
	}
	var out [][]byte
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "[]byte(") {
			tb.Fatalf("%s: not a fuzz corpus entry of one []byte", f)
		}
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		out = append(out, []byte(s))
	}
	return out
}

// Clip quotes b for a log line, cut to its first n bytes with its length
// when it is longer.
func Clip(b []byte, n int) string {
	if len(b) > n {
		return fmt.Sprintf("%q… (%d bytes)", b[:n], len(b))
	}
	return fmt.Sprintf("%q", b)
}
