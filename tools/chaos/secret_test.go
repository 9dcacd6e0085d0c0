package chaos

import (
	"bytes"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestChildCommandLinesCarryNoDatabaseURL: no child of a trial gets the
// database URL on its command line (every user of the machine can read
// /proc/PID/cmdline); each gets it as DATABASE_URL in its environment,
// as a running child's /proc entries show.
func TestChildCommandLinesCarryNoDatabaseURL(t *testing.T) {
	t.Parallel()
	const secret = "postgres://oink:s3cret@db.example:5432/oink?search_path=s"
	h := &harness{cfg: Config{Exe: "/bin/sh", RulesFile: "rules.yaml", Window: time.Second}, brokers: []string{"127.0.0.1:1"},
		dbURL: secret, env: []string{"DATABASE_URL=" + secret}}
	tr := &trial{h: h, role: RoleSwitch, n: namesFor("x", RoleSwitch, 1), dir: t.TempDir()}
	lines := map[string][]string{"v1": tr.argsV1(), "reference comparator": tr.argsCompare("r", "g", "d")}
	for _, r := range Roles {
		lines[string(r)] = tr.args(r)
	}
	for name, args := range lines {
		if cl := strings.Join(args, " "); strings.Contains(cl, "s3cret") || strings.Contains(cl, "--database-url") {
			t.Errorf("%s's command line carries the database URL: %s", name, cl)
		}
	}
	p := newProc("probe", "/bin/sh", h.env, append([]string{"-c", "sleep 60 >/dev/null 2>&1 </dev/null", "oink"}, tr.args(RoleController)...)...)
	if err := p.Start(io.Discard); err != nil {
		t.Fatal(err)
	}
	defer p.Kill()
	pid := strconv.Itoa(p.PID())
	var cmdline, environ []byte
	deadline := time.Now().Add(10 * time.Second)
	for !bytes.Contains(environ, []byte("DATABASE_URL=")) && time.Now().Before(deadline) {
		cmdline, _ = os.ReadFile("/proc/" + pid + "/cmdline") // read until the exec has happened
		environ, _ = os.ReadFile("/proc/" + pid + "/environ")
		time.Sleep(10 * time.Millisecond) // polling interval, not synchronisation
	}
	if !bytes.Contains(cmdline, []byte("controller")) || bytes.Contains(cmdline, []byte("s3cret")) {
		t.Errorf("child command line %q: want the controller's flags and no database URL", bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '}))
	}
	if !bytes.Contains(environ, []byte("DATABASE_URL="+secret)) {
		t.Error("the child's environment lacks DATABASE_URL")
	}
}
