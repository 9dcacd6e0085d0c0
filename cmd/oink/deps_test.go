package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestBinaryLinksNoTestPackage: the product binary links no test kit and
// not Go's testing package: the tools it runs (bench, chaos) build on the
// product, and the test kit (testkit/) stays with the tests.
func TestBinaryLinksNoTestPackage(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if slices.Contains(deps, "testing") {
		t.Error("oink links Go's testing package")
	}
	for _, d := range deps {
		if strings.Contains(d, "github.com/oinkhq/oink/testkit/") {
			t.Errorf("oink links the test kit package %s", d)
		}
	}
}
