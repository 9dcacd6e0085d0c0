package cutover

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/oinkhq/oink/testkit/oinkbin"
	"github.com/oinkhq/oink/tools/childproc"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kerr"
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
//
// Each thaw waits for evidence of the takeover, not for time or volume:
// the group has one member left, and every partition's transactional
// producer has a newer epoch than when the zombie froze (the survivor's
// producers were initialised, which fenced the zombie's). The deadlines
// only bound liveness: on a busy machine (load ~15 on 2 cores) a run takes
// about 1.5-3 minutes, a takeover 3-6 seconds.
func TestInvariantOneLiveCopyWithAZombieSwitch(t *testing.T) {
	t.Parallel()
	oneLiveCopyWithZombies(t, newLiveRig(t))
}

// TestInvariantOneLiveCopyWithAZombieSwitchByKey: the same with
// --live-partitioning key over a live topic of 6 partitions: a fenced
// switch's transactions span several live partitions, and the new owner
// resumes each source partition from its state all the same.
func TestInvariantOneLiveCopyWithAZombieSwitchByKey(t *testing.T) {
	t.Parallel()
	oneLiveCopyWithZombies(t, newLiveRig(t).byKey(t, 6))
}

// oneLiveCopyWithZombies runs TestInvariantOneLiveCopyWithAZombieSwitch on
// r's live topic, partitioned as r says.
func oneLiveCopyWithZombies(t *testing.T, r *liveRig) {
	dbURL := r.dbURL
	ctx, cancel := context.WithTimeout(t.Context(), 6*time.Minute)
	defer cancel()
	session := 2 * time.Second
	if r.env.Real() {
		session = 6 * time.Second // Kafka's group.min.session.timeout.ms
	}
	args := []string{"--brokers", strings.Join(r.env.Brokers, ","), "--run", r.run, "--control", r.v1,
		"--candidate", r.v2, "--live", r.live, "--group", r.env.Group("switch"),
		"--session-timeout", session.String(), "--log-level", "info"}
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
		kafkatest.WaitFor(t, 2*time.Minute, "the live topic to grow", func() bool { return liveEnd() > int64(3000*(round+1)) })
		if err := zombie.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
			t.Fatal(err)
		}
		frozen := time.Now()
		// Past the session timeout the group gives the frozen member's
		// partitions to the other, whose producers fence it.
		var before map[string]int16
		kafkatest.WaitFor(t, time.Minute, "the live producers' epochs", func() bool {
			before = liveEpochs(ctx, t, r)
			return before != nil
		})
		kafkatest.WaitFor(t, 2*time.Minute, "the other instance to take over and fence the frozen one", func() bool {
			n, err := kafkaio.GroupMembers(ctx, r.env.Brokers, r.env.Group("switch"))
			return err == nil && n == 1 && allNewer(liveEpochs(ctx, t, r), before)
		})
		took := time.Since(frozen)
		if err := zombie.cmd.Process.Signal(syscall.SIGCONT); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: froze one switch, the other took over and fenced it in %v, thawed it; %d live offsets",
			round+1, took.Round(time.Millisecond), liveEnd())
	}
	<-produced
	if err := <-steps; err != nil {
		t.Fatal(err)
	}
	if t.Failed() {
		return
	}
	// Both finish what is left; then everything must be on the live topic.
	want := r.wantLive(ctx, t)
	kafkatest.WaitForOr(t, 3*time.Minute, "the switches to forward everything", func() bool {
		return len(r.env.ReadAll(r.live)) >= want
	}, func() string { return explainLive(ctx, t, r, a, b) })
	a.stop(t)
	b.stop(t)
	rep := r.check(t)
	if rep.FromV1 == 0 || rep.FromV2 == 0 || rep.OwnerLack != 0 {
		t.Fatalf("live %+v: want records of both versions and none lacking", rep)
	}
	t.Logf("live after two zombies: %+v", rep)
}

// explainLive says why the live topic may lack records: how many it holds
// against how many it should, each live and state partition's high
// watermark against its last stable offset (a gap is a transaction left
// open), each partition's transaction as its coordinator sees it, and
// whether each switch process still runs.
func explainLive(ctx context.Context, t *testing.T, r *liveRig, procs ...*switchProc) string {
	t.Helper()
	var b strings.Builder
	v1, v2 := r.env.ReadAll(r.v1), r.env.ReadAll(r.v2)
	route, err := r.store.Route(ctx, r.run)
	fmt.Fprintf(&b, "live %d records; v1 %d, v2 %d; route %+v (err %v)\n", len(r.env.ReadAll(r.live)), len(v1), len(v2), route, err)
	if err == nil {
		fmt.Fprintf(&b, "expected live %d\n", expectedLive(t, r, v1, v2, route))
	}
	for _, topic := range []string{r.live, r.live + ".oink-switch"} {
		ends, err1 := kafkaio.EndOffsets(ctx, r.env.Brokers, topic)
		stable, err2 := kafkaio.CommittedBounds(ctx, r.env.Brokers, topic)
		fmt.Fprintf(&b, "%s: high watermarks %v (%v), last stable %v (%v)\n", topic, ends, err1, stable, err2)
	}
	ends := [2]map[int]int64{}
	for s, topic := range []string{r.v1, r.v2} {
		ends[s], _ = kafkaio.EndOffsets(ctx, r.env.Brokers, topic)
	}
	for p := range kafkatest.Partitions {
		st, found, err := readState(ctx, r.env.Brokers, r.live+".oink-switch", p)
		fmt.Fprintf(&b, "partition %d: state found %v next %v of v1 %d v2 %d, parked %d+%d (err %v)\n",
			p, found, st.Next, ends[0][p], ends[1][p], len(st.Parked[0]), len(st.Parked[1]), err)
	}
	ids, txns, err := liveTxns(ctx, t, r)
	for _, id := range ids {
		if d, ok := txns[id]; ok {
			fmt.Fprintf(&b, "%s: state %s epoch %d err %v\n", id, d.State, d.ProducerEpoch, d.Err)
		}
	}
	if err != nil {
		fmt.Fprintf(&b, "describing the live partitions' transactions: %v\n", err)
	}
	for i, p := range procs {
		select {
		case err := <-p.done:
			p.done <- err
			fmt.Fprintf(&b, "switch %d exited: %v\n", i, err)
		default:
			fmt.Fprintf(&b, "switch %d runs\n", i)
		}
	}
	return b.String()
}

// liveEpochs returns the producer epoch of each live partition's
// transactional id, as its coordinator has it now (nil when it cannot be
// read: the caller polls again). A producer's initialisation bumps it, and
// so does each commit under KIP-890; a frozen switch does neither, so the
// epoch of a partition it wrote moves only once another instance's
// producer of that partition was initialised, fencing the frozen one.
func liveEpochs(ctx context.Context, t *testing.T, r *liveRig) map[string]int16 {
	t.Helper()
	ids, txns, err := liveTxns(ctx, t, r)
	if err != nil {
		return nil
	}
	out := map[string]int16{}
	for _, id := range ids {
		d, ok := txns[id]
		if !ok || d.Err != nil {
			return nil
		}
		out[id] = d.ProducerEpoch
	}
	return out
}

// liveTxns returns the transactional id of each live partition, in
// partition order, and their transactions as the coordinators have them
// now.
func liveTxns(ctx context.Context, t *testing.T, r *liveRig) ([]string, kadm.DescribedTransactions, error) {
	t.Helper()
	cl, err := kafkaio.NewKgo(r.env.Brokers)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	cfg := SwitchConfig{TransactionalIDPrefix: DefaultTransactionalIDPrefix, Live: r.live}
	ids := make([]string, kafkatest.Partitions)
	for p := range ids {
		ids[p] = transactionalID(cfg, p)
	}
	txns, err := kadm.NewClient(cl).DescribeTransactions(ctx, ids...)
	return ids, txns, err
}

// allNewer reports whether every epoch in now is past its value in
// before (and both were read).
func allNewer(now, before map[string]int16) bool {
	if now == nil || before == nil {
		return false
	}
	for id, e := range before {
		if now[id] <= e {
			return false
		}
	}
	return true
}

// TestInvariantOneLiveCopyFencesAZombieWriter: a switch that still believes
// it owns a partition — here a producer of partition 3 caught in the middle
// of a transaction — is fenced as soon as another switch takes the
// partition: its open transaction is aborted, its later writes and its
// commit are refused with ErrFenced, and a read_committed consumer never
// sees what it wrote (invariant 4).
func TestInvariantOneLiveCopyFencesAZombieWriter(t *testing.T) {
	t.Parallel()
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
	zombie, ghost := openZombieMidTransaction(t, r, cfg, p)
	// The real switch takes partition 3 over (its producer's init fences
	// the zombie's epoch and aborts the open transaction), and forwards.
	keys := keysOnPartition(p, 2, "L")
	r.write(t, r.v1, rtcim(keys[0], "E1", time.Now(), "a"))
	stop := r.startSwitch(t, cfg)
	kafkatest.WaitFor(t, 30*time.Second, "the switch to forward on partition 3", func() bool { return len(r.liveIdentities(t)) == 1 })
	err := zombie.cl.ProduceSync(t.Context(), kafkaio.Record(ghost, r.live, p)).FirstErr()
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

// TestInvariantOneLiveCopyFencesAZombieBeforeTheNewOwnerWrites: a zombie
// thawed after the new owner initialised its producer, but before that
// owner began a transaction of its own (it had nothing to forward yet),
// gets no ProducerFenced: the broker aborted the zombie's transaction and
// bumped the epoch by one, so its commit is refused with INVALID_TXN_STATE
// (and its produce, on kfake, with INVALID_TXN_STATE or
// INVALID_PRODUCER_EPOCH). That is a fence too: the zombie drops the
// partition and rejoins the group (ErrFenced), it does not end the process
// as a permanent error would, and nothing it wrote is visible to a
// read_committed consumer (invariant 4; seen in chaos seed
// 4083182964812215, where `oink switch` exited on it).
func TestInvariantOneLiveCopyFencesAZombieBeforeTheNewOwnerWrites(t *testing.T) {
	t.Parallel()
	r := newLiveRig(t)
	cfg := r.switchConfig()
	if err := cfg.validate(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ensureSwitchTopics(t.Context(), cfg); err != nil {
		t.Fatal(err)
	}
	for i, step := range []string{"commit", "produce"} {
		t.Run(step, func(t *testing.T) {
			p := i
			zombie, ghost := openZombieMidTransaction(t, r, cfg, p)
			// The new owner's init fences the zombie and aborts its
			// transaction; it begins none of its own.
			owner, err := openLiveWriter(t.Context(), cfg, p)
			if err != nil {
				t.Fatal(err)
			}
			defer owner.close()
			if step == "produce" {
				err = zombie.cl.ProduceSync(t.Context(), kafkaio.Record(ghost, r.live, int32(p))).FirstErr()
			} else {
				err = zombie.cl.EndTransaction(t.Context(), kgo.TryCommit)
			}
			if err == nil {
				t.Fatalf("the zombie's %s after the takeover succeeded, want it refused", step)
			}
			if got := classifyTxn(err); !errors.Is(got, ErrFenced) {
				t.Fatalf("the zombie's %s after the takeover = %v, classified %v: want ErrFenced (drop the partition, rejoin), "+
					"not an error that ends the switch", step, err, got)
			}
			t.Logf("the zombie's %s after the takeover: %v", step, err)
		})
	}
	// The new owners commit a record each, past the aborted ones: a
	// read_committed consumer sees those two and nothing of the zombies.
	for p := range 2 {
		w, err := openLiveWriter(t.Context(), cfg, p)
		if err != nil {
			t.Fatal(err)
		}
		st := switchState{Version: stateVersion, Seq: 1, Epoch: w.epoch, Next: [2]int64{-1, -1}}
		rec, err := st.record(cfg.StateTopic, p)
		if err != nil {
			t.Fatal(err)
		}
		real := rtcim(keysOnPartition(p, 1, "L")[0], "E1", time.Now(), "owner")
		err = w.commit(t.Context(), []*kgo.Record{kafkaio.Record(real, r.live, int32(p))}, rec)
		w.close()
		if err != nil {
			t.Fatal(err)
		}
	}
	// On Apache Kafka the commit markers reach the partitions after
	// EndTxn returns: poll until both commits are visible.
	var ids []string
	kafkatest.WaitFor(t, time.Minute, "both owners' commits to be visible", func() bool {
		ids = r.liveIdentities(t)
		return len(ids) >= 2
	})
	if len(ids) != 2 || !strings.HasPrefix(ids[0], "L-") || !strings.HasPrefix(ids[1], "L-") {
		t.Fatalf("a read_committed consumer sees %v, want the new owners' two records and none of the zombies'", ids)
	}
}

// TestClassifyTxnFencedIsNotPermanent: every answer that says a producer's
// transaction is no longer its own is ErrFenced (the worker drops the
// partition and the member rejoins), while what no new producer can fix —
// writes not authorised, the live topic deleted, a record too large — stays
// permanent and ends the switch (non-zero exit), and a passing fault stays
// temporary (the session is retried).
func TestClassifyTxnFencedIsNotPermanent(t *testing.T) {
	t.Parallel()
	wrap := func(err error) error { return fmt.Errorf("writing 3 records in a transaction: %w", err) }
	for _, err := range lostTxn {
		got := classifyTxn(wrap(err))
		if !errors.Is(got, ErrFenced) || !errors.Is(got, err) {
			t.Errorf("classifyTxn(%v) = %v, want ErrFenced wrapping it", err, got)
		}
	}
	for _, err := range []error{kerr.TopicAuthorizationFailed, kerr.TransactionalIDAuthorizationFailed,
		kerr.UnknownTopicOrPartition, kerr.MessageTooLarge,
		// franz-go's refusal to commit into a recreated topic names both.
		fmt.Errorf("recreated: %w, %w", kerr.TransactionAbortable, kerr.UnknownTopicID)} {
		got := classifyTxn(wrap(err))
		if errors.Is(got, ErrFenced) {
			t.Errorf("classifyTxn(%v) = %v: fenced, want it left to permanent", err, got)
		}
	}
	for _, err := range []error{kerr.TopicAuthorizationFailed, kerr.TransactionalIDAuthorizationFailed, kerr.MessageTooLarge} {
		if !permanent(classifyTxn(wrap(err))) {
			t.Errorf("%v is not permanent after classifyTxn, want the switch to end", err)
		}
	}
	for _, err := range []error{kerr.NotLeaderForPartition, kerr.RequestTimedOut, context.DeadlineExceeded} {
		got := classifyTxn(wrap(err))
		if errors.Is(got, ErrFenced) || permanent(got) {
			t.Errorf("classifyTxn(%v) = %v, want a temporary error", err, got)
		}
	}
}

// openZombieMidTransaction opens a transactional writer of live partition
// p, as a switch instance would, and leaves it in the middle of a
// transaction holding one record of a "Z-" identity (the ghost, returned):
// the zombie of the fencing tests. It is closed when the test ends.
func openZombieMidTransaction(t *testing.T, r *liveRig, cfg SwitchConfig, p int) (*liveWriter, kafka.Message) {
	t.Helper()
	zombie, err := openLiveWriter(t.Context(), cfg, p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(zombie.close)
	ghost := rtcim(keysOnPartition(p, 1, "Z")[0], "E1", time.Now(), "zombie")
	if err := zombie.cl.BeginTransaction(); err != nil {
		t.Fatal(err)
	}
	if err := zombie.cl.ProduceSync(t.Context(), kafkaio.Record(ghost, r.live, int32(p))).FirstErr(); err != nil {
		t.Fatal(err)
	}
	return zombie, ghost
}
