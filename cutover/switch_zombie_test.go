package cutover

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/oinkbin"
	"github.com/oinkhq/oink/tools/childproc"
	"github.com/twmb/franz-go/pkg/kgo"
)

func TestMain(m *testing.M) {
	oinkbin.Main(m)
}

// switchProc is an `oink switch` child process.
type switchProc struct {
	cmd  *exec.Cmd
	done chan error
}

func startSwitchProc(t *testing.T, dbURL string, args ...string) *switchProc {
	t.Helper()
	cmd := exec.Command(oinkbin.Path(t), append([]string{"switch"}, args...)...)
	// The database URL goes through the environment, never the command
	// line (/proc/PID/cmdline is world-readable).
	cmd.Env = append(childproc.Env(), "DATABASE_URL="+dbURL)
	cmd.Stderr = t.Output()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &switchProc{cmd: cmd, done: make(chan error, 1)}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill() // best effort: it may have exited
		<-p.done
	})
	return p
}

// stop ends the process with SIGTERM (it finishes its transaction) and
// returns how it exited.
func (p *switchProc) stop(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGCONT)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-p.done:
		p.done <- err // for the cleanup
		if err != nil {
			t.Errorf("switch exited with %v after SIGTERM, want 0", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("switch did not stop within a minute of SIGTERM")
	}
}

// TestInvariantOneLiveCopyWithAZombieSwitch: two `oink switch` instances
// share the partitions while the route moves 1 → 10 → 50% → 0 → 100%; one
// is frozen with SIGSTOP past its session timeout (a GC pause, a stuck VM)
// while the other takes its partitions over, then thawed with SIGCONT, twice.
// The frozen one wakes up believing it still owns its partitions, in the
// middle of whatever it was writing, but the new owner's transactional
// producer fenced it: a downstream read_committed consumer sees every
// identity exactly once, from the version that owned it (invariant 4).
func TestInvariantOneLiveCopyWithAZombieSwitch(t *testing.T) {
	oneLiveCopyWithZombies(t, newLiveRig(t))
}

// TestInvariantOneLiveCopyWithAZombieSwitchByKey: the same with
// --live-partitioning key over a live topic of 6 partitions: a fenced
// switch's transactions span several live partitions, and the new owner
// resumes each source partition from its state all the same.
func TestInvariantOneLiveCopyWithAZombieSwitchByKey(t *testing.T) {
	oneLiveCopyWithZombies(t, newLiveRig(t).byKey(t, 6))
}

// oneLiveCopyWithZombies runs TestInvariantOneLiveCopyWithAZombieSwitch on
// r's live topic, partitioned as r says.
func oneLiveCopyWithZombies(t *testing.T, r *liveRig) {
	dbURL := r.dbURL
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	session := 2 * time.Second
	if r.env.Real() {
		session = 6 * time.Second // Kafka's group.min.session.timeout.ms
	}
	args := []string{"--brokers", strings.Join(r.env.Brokers, ","), "--run", r.run, "--control", r.v1,
		"--candidate", r.v2, "--live", r.live, "--group", r.env.Group("switch"),
		"--session-timeout", session.String(), "--log-level", "warn"}
	if r.lp != "" {
		args = append(args, "--live-partitioning", string(r.lp))
	}
	a := startSwitchProc(t, dbURL, args...)
	b := startSwitchProc(t, dbURL, args...)
	produced := make(chan struct{})
	go func() {
		defer close(produced)
		r.produce(ctx, t, 30000, 2500)
	}()
	steps := r.walkRoute(ctx, 2*time.Second, 1, 10, 50, 0, 100)
	liveEnd := func() int64 {
		ends, err := kafkaio.EndOffsets(ctx, r.env.Brokers, r.live)
		if err != nil {
			return -1
		}
		return kafkaio.Sum(ends)
	}
	for round, zombie := range []*switchProc{a, b} {
		kafkatest.WaitFor(t, time.Minute, "the live topic to grow", func() bool { return liveEnd() > int64(3000*(round+1)) })
		if err := zombie.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		// Past the session timeout the group gives the frozen member's
		// partitions to the other, which fences it and goes on.
		before := liveEnd()
		kafkatest.WaitFor(t, time.Minute, "the other instance to take over", func() bool {
			n, err := kafkaio.GroupMembers(ctx, r.env.Brokers, r.env.Group("switch"))
			return err == nil && n == 1 && liveEnd() > before+1000
		})
		if err := zombie.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: froze and thawed one switch; %d live offsets", round+1, liveEnd())
	}
	<-produced
	if err := <-steps; err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		return
	}
	// Both finish what is left; then everything must be on the live topic.
	kafkatest.WaitFor(t, 2*time.Minute, "the switches to forward everything", func() bool {
		v1, v2 := r.env.ReadAll(r.v1), r.env.ReadAll(r.v2)
		route, err := r.store.Route(ctx, r.run)
		return err == nil && len(r.env.ReadAll(r.live)) >= expectedLive(t, r, v1, v2, route)
	})
	a.stop(t)
	b.stop(t)
	rep := r.check(t)
	if rep.FromV1 == 0 || rep.FromV2 == 0 || rep.OwnerLack != 0 {
		t.Fatalf("live %+v: want records of both versions and none lacking", rep)
	}
	t.Logf("live after two zombies: %+v", rep)
}

// TestInvariantOneLiveCopyFencesAZombieWriter: a switch that still believes
// it owns a partition — here a producer of partition 3 caught in the middle
// of a transaction — is fenced as soon as another switch takes the
// partition: its open transaction is aborted, its later writes and its
// commit are refused with ErrFenced, and a read_committed consumer never
// sees what it wrote (invariant 4).
func TestInvariantOneLiveCopyFencesAZombieWriter(t *testing.T) {
	r := newLiveRig(t)
	cfg := r.switchConfig()
	cfg.StopWhenIdle = 0
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ensureSwitchTopics(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	const p = 3
	zombie, err := openLiveWriter(t.Context(), cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	defer zombie.close()
	ghost := rtcim(keysOnPartition(p, 1, "Z")[0], "E1", time.Now(), "zombie")
	if err := zombie.cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := zombie.cl.ProduceSync(t.Context(), kafkaio.Record(ghost, r.live, p)).FirstErr(); err != nil {
		t.Fatal(err)
	}
	// The real switch takes partition 3 over (its producer's init fences
	// the zombie's epoch and aborts the open transaction), and forwards.
	keys := keysOnPartition(p, 2, "L")
	r.write(t, r.v1, rtcim(keys[0], "E1", time.Now(), "a"))
	stop := r.startSwitch(t, cfg)
	kafkatest.WaitFor(t, 30*time.Second, "the switch to forward on partition 3", func() bool { return len(r.liveIdentities(t)) == 1 })
	err = zombie.cl.ProduceSync(t.Context(), kafkaio.Record(ghost, r.live, p)).FirstErr()
	if err == nil {
		err = zombie.cl.EndTransaction(t.Context(), kgo.TryCommit)
	}
	if !errors.Is(classifyTxn(err), ErrFenced) {
		t.Fatalf("the zombie's write or commit after the takeover = %v, want it fenced", err)
	}
	r.write(t, r.v1, rtcim(keys[1], "E1", time.Now(), "b"))
	kafkatest.WaitFor(t, 30*time.Second, "the switch to go on", func() bool { return len(r.liveIdentities(t)) == 2 })
	if _, err := stop(); err != nil {
		t.Fatal(err)
	}
	for _, id := range r.liveIdentities(t) {
		if strings.HasPrefix(id, "Z-") {
			t.Fatalf("the zombie's record %s is visible to a read_committed consumer", id)
		}
	}
}
