package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/oinkhq/oink/shipped"
)

// TestShippedFilesMatchTheRepository: the copies built into oink are the
// files in testdata, byte for byte.
func TestShippedFilesMatchTheRepository(t *testing.T) {
	t.Parallel()
	for path, data := range shipped.Files() {
		disk, err := os.ReadFile(filepath.Join("../..", path))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(disk, data) {
			t.Errorf("%s: the shipped copy differs from the file", path)
		}
	}
}

// TestShippedFileOutsideTheRepository: a default path that does not exist
// here resolves to the shipped copy; an existing path and an unknown
// missing path come back as given.
func TestShippedFileOutsideTheRepository(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := "shipped/rules/rtcim.yaml" // cmd/oink has no shipped/rules
	got, err := shippedFile(fileFlag{"--rules", &path}, dir)
	if err != nil {
		t.Fatal(err)
	}
	if data, err := os.ReadFile(got); err != nil || !bytes.Equal(data, shipped.RTCIMRules) || filepath.Dir(got) != dir {
		t.Errorf("shippedFile = %q (%v): want the shipped rules written under %s", got, err, dir)
	}
	existing := "../../shipped/rules/rtcim.yaml"
	if got, err := shippedFile(fileFlag{"--rules", &existing}, dir); err != nil || got != existing {
		t.Errorf("shippedFile(an existing file) = %q, %v; want it unchanged", got, err)
	}
	var ue usageError
	missing := "no-such-rules.yaml"
	if _, err := shippedFile(fileFlag{"--rules", &missing}, dir); !errors.As(err, &ue) ||
		!strings.Contains(err.Error(), "--rules no-such-rules.yaml") {
		t.Errorf("shippedFile(a missing file not built in) = %v; want a usage error naming the flag and the file", err)
	}
}

// TestUseShippedCleansUp: the copies useShipped writes for missing defaults
// are gone once its cleanup runs.
func TestUseShippedCleansUp(t *testing.T) {
	t.Parallel()
	rules, plan := "shipped/rules/rtcim.yaml", "shipped/plans/demo.yaml" // not under cmd/oink
	cleanup, err := useShipped(fileFlag{"--rules", &rules}, fileFlag{"--plan", &plan})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{rules, plan} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("shipped copy %s: %v", p, err)
		}
	}
	cleanup()
	if _, err := os.Stat(filepath.Dir(rules)); !os.IsNotExist(err) {
		t.Errorf("after cleanup, %s: %v; want it removed", filepath.Dir(rules), err)
	}
}
