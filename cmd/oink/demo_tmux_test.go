package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/testkit/pgtest"
)

// logLine matches a log line of either format oink writes.
var logLine = regexp.MustCompile(`(?m)(^|\s)time=\d{4}-|level=(DEBUG|INFO|WARN|ERROR)|"level":"|^\{"time"`)

// TestDemoInTmuxShowsNoLogLineAndTheWholeRollbackReason runs the built oink
// demo in tmux at 80×24, as a new user would, and reads the screen every
// 200ms: no frame holds a log line; while the rollback is on screen its
// reason (the controller's, as its log file records it) is there whole;
// the dashboard stays once the story ends until a key is pressed, then
// the summary ends with the downstream criterion, and oink exits 0.
// Issue 15's "Done when", measured. It takes the demo's minute or so.
func TestDemoInTmuxShowsNoLogLineAndTheWholeRollbackReason(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole demo (about a minute)")
	}
	t.Parallel()
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: apt-get install -y tmux (scripts/test installs it)")
	}
	bin := oinkBinary(t)
	url, _ := pgtest.SchemaURL(t)
	dir := t.TempDir()
	logFile, exitFile := filepath.Join(dir, "demo.log"), filepath.Join(dir, "exit")
	rules, _ := filepath.Abs("../../shipped/rules/rtcim.yaml")
	plan, _ := filepath.Abs("../../shipped/plans/demo.yaml")
	sock := fmt.Sprintf("oink-test-%d", os.Getpid())
	tmux := func(args ...string) (string, error) {
		out, err := exec.CommandContext(t.Context(), "tmux", append([]string{"-L", sock}, args...)...).CombinedOutput()
		return string(out), err
	}
	script := fmt.Sprintf("%q demo --database-url %q --rules %q --plan %q --log-file %q; echo $? > %q; sleep 600",
		bin, url, rules, plan, logFile, exitFile)
	if out, err := tmux("new-session", "-d", "-s", "demo", "-x", "80", "-y", "24", "sh", "-c", script); err != nil {
		t.Fatalf("tmux new-session: %v: %s", err, out)
	}
	t.Cleanup(func() { _, _ = tmux("kill-server") })

	var rollbackFrames, frames []string
	var endFrame string
	announced := false
	deadline := time.Now().Add(6 * time.Minute) // liveness only: the demo's story has its own deadline
	for {
		if time.Now().After(deadline) {
			t.Fatalf("the demo did not end in time; last screen:\n%s", last(frames))
		}
		frame, err := tmux("capture-pane", "-p", "-t", "demo")
		if err != nil {
			t.Fatalf("tmux capture-pane: %v: %s", err, frame)
		}
		frames = append(frames, frame)
		if strings.Contains(frame, "\nrollback   ") {
			rollbackFrames = append(rollbackFrames, frame)
		}
		announced = announced || strings.Contains(frame, "automatic rollback")
		if strings.Contains(frame, "the story has ended") {
			endFrame = frame
			break
		}
		if _, err := os.Stat(exitFile); err == nil {
			t.Fatalf("oink demo exited before its story ended; screen:\n%s", frame)
		}
		time.Sleep(200 * time.Millisecond) // the pace of a screen reader, not a wait for an outcome
	}
	if _, err := tmux("send-keys", "-t", "demo", "x"); err != nil {
		t.Fatal(err)
	}
	code := waitForFile(t, exitFile, 3*time.Minute)
	summary, err := tmux("capture-pane", "-p", "-S", "-200", "-t", "demo")
	if err != nil {
		t.Fatal(err)
	}

	for i, f := range append(frames, summary) {
		if l := logLine.FindString(f); l != "" {
			t.Fatalf("frame %d of %d holds a log line (%q):\n%s", i+1, len(frames)+1, l, f)
		}
	}
	reason := rollbackReason(t, logFile)
	if len(rollbackFrames) == 0 {
		t.Fatalf("no frame showed the rollback; the last before the end:\n%s", endFrame)
	}
	for _, f := range rollbackFrames {
		if got := squash(headerBlock(f, "rollback")); !strings.Contains(got, squash(reason)) {
			t.Errorf("the rollback on screen is not whole: want the reason %q in the block:\n%s", reason, f)
			break
		}
	}
	if !announced {
		t.Error("no frame's status line announced the automatic rollback")
	}
	if code != "0" {
		t.Errorf("oink demo exited %s, want 0:\n%s", code, summary)
	}
	for _, want := range []string{"oink demo, run demo-", "downstream can tell: 0 of ", "identical pairs"} {
		if !strings.Contains(summary, want) {
			t.Errorf("the summary lacks %q:\n%s", want, summary)
		}
	}
	if strings.Contains(summary, "map[") || strings.Contains(summary, "{Upstream:") {
		t.Errorf("the summary prints a Go value:\n%s", summary)
	}
}

// rollbackReason reads the controller's rollback decision from the demo's
// log file: the reason it recorded.
func rollbackReason(t *testing.T, logFile string) string {
	t.Helper()
	b, err := os.ReadFile(logFile)
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`msg=decided .*action=rollback .*reason="((?:[^"\\]|\\.)*)"`).FindSubmatch(b)
	if m == nil {
		t.Fatalf("the log file has no rollback decision:\n%s", b)
	}
	return strings.ReplaceAll(string(m[1]), `\"`, `"`)
}

// headerBlock returns a labelled block of the dashboard's header: the line
// starting with label and the lines under it indented past the labels.
func headerBlock(frame, label string) string {
	var out []string
	in := false
	for _, l := range strings.Split(frame, "\n") {
		switch {
		case strings.HasPrefix(l, label+" "):
			in = true
			out = append(out, strings.TrimPrefix(l, label))
		case in && strings.HasPrefix(l, strings.Repeat(" ", 11)):
			out = append(out, l)
		case in:
			return strings.Join(out, " ")
		}
	}
	return strings.Join(out, " ")
}

// squash removes every space: wrapping may break lines anywhere between
// words.
func squash(s string) string { return strings.Join(strings.Fields(s), "") }

func last(frames []string) string {
	if len(frames) == 0 {
		return ""
	}
	return frames[len(frames)-1]
}

// waitForFile polls until path exists and returns its trimmed content.
func waitForFile(t *testing.T, path string, within time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		if b, err := os.ReadFile(path); err == nil && len(b) > 0 {
			return strings.TrimSpace(string(b))
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not appear within %v", path, within)
		}
		time.Sleep(100 * time.Millisecond) // polling a file another process writes
	}
}
