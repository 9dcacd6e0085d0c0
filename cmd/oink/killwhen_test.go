//go:build chaos

package main

import (
	"io"
	"testing"
	"time"

	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/tools/childproc"
)

// killWhen runs `oink args…` as a process until reached reports true
// (polled for up to 2 minutes), then kills it with SIGKILL. A process that
// exited by itself before is a failure, reported with its stderr.
func killWhen(t *testing.T, what string, reached func() bool, args ...string) {
	t.Helper()
	p := childproc.New(childproc.Config{Name: "oink " + args[0], Exe: oinkBinary(t), Args: args})
	if err := p.Start(io.Discard); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = p.Kill() }() // when the wait fails; a no-op after the kill
	kafkatest.WaitFor(t, 2*time.Minute, what, reached)
	if err := p.Kill(); err != nil {
		t.Fatal(err)
	}
}
