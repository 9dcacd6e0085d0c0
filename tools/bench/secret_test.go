package bench

import (
	"bytes"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestChildrenGetTheDatabaseURLInTheirEnvironment: a benchmark child's
// command line, which every user of the machine can read in
// /proc/PID/cmdline, holds no database URL; its environment does.
func TestChildrenGetTheDatabaseURLInTheirEnvironment(t *testing.T) {
	t.Parallel()
	const secret = "postgres://oink:s3cret@db.example:5432/oink"
	r := &runner{cfg: Config{Exe: "/bin/sh"}, brokers: []string{"127.0.0.1:1"}, db: &database{url: secret},
		shadow: shadow{v1: "v1", v2: "v2"}}
	args := append([]string{"-c", "sleep 60 >/dev/null 2>&1 </dev/null", "oink"}, r.refArgs(RefModeCompare, "g", "", 10)...)
	procs, err := r.start([]procSpec{{name: "probe", args: args}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer procs[0].Stop()
	pid := strconv.Itoa(procs[0].PID())
	var cmdline, environ []byte
	deadline := time.Now().Add(10 * time.Second)
	for !bytes.Contains(environ, []byte("DATABASE_URL=")) && time.Now().Before(deadline) {
		cmdline, _ = os.ReadFile("/proc/" + pid + "/cmdline") // read until the exec has happened
		environ, _ = os.ReadFile("/proc/" + pid + "/environ")
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	if !bytes.Contains(cmdline, []byte("compare")) || bytes.Contains(cmdline, []byte("s3cret")) || bytes.Contains(cmdline, []byte("--database-url")) {
		t.Errorf("child command line %q: want the role's flags and no database URL", bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
	}
	if !bytes.Contains(environ, []byte("DATABASE_URL="+secret)) {
		t.Error("the child's environment lacks DATABASE_URL")
	}
}
