package cutover

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/backoff"
	"github.com/oinkhq/oink/internal/copart"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kgo"
)

func bucketOf(key []byte) int { return oink.KeyBucket(key) }

// switchWorker forwards one partition.
type switchWorker struct {
	cfg    SwitchConfig
	p      copart.Partition
	idle   *idleTracker
	health *copart.Health // shared by the instance's workers
	shared *switchRun

	// A session's state, rebuilt from the state topic at each start.
	w      *liveWriter
	st     switchState // as of the last committed transaction, plus what decide did since
	route  diffstore.Route
	read   time.Time // when route was read
	seen   *Dedupe
	lanes  [2]lane
	replay [2]map[int64]bool // parked offsets of the state read, still to be read again
	prov   *provenance
	books  *books // provenance and group offsets, synced off the path
	// dirty: decisions that changed st without forwarding anything (skips,
	// duplicates) and are not committed yet.
	dirty     bool
	lastState time.Time
}

// run forwards the partition for as long as this instance owns it. A
// session that fails (the broker or the database unreachable, a
// transaction refused) is started again after a capped exponential
// backoff, from the partition's last committed state. A fenced session
// (ErrFenced: another instance owns the partition, or its transaction was
// aborted) ends the worker, which ends the member's generation: it rejoins
// and the group decides who writes the partition. A permanent error ends
// the run.
func (sw *switchWorker) run(ctx context.Context) error {
	defer sw.idle.drop(sw.p.ID)
	fatal := func(err error) bool {
		if errors.Is(err, ErrFenced) {
			sw.cfg.Log.Info("partition fenced: its transaction is no longer this instance's; it stops writing it and rejoins the group",
				"partition", sw.p.ID, "err", err)
			return true
		}
		if permanent(err) || errors.Is(err, errNoState) {
			sw.shared.fail(fmt.Errorf("switch partition %d: %w", sw.p.ID, err))
			return true
		}
		return false
	}
	return sw.health.Retry(ctx, sw.p.ID, sw.cfg.Log, "switch partition failed; resuming from its last committed state", fatal, sw.session)
}

// session takes over the partition (fencing any earlier producer of it),
// resumes from its last committed state and forwards until ctx ends or an
// error. It resets bo once it forwards again.
func (sw *switchWorker) session(ctx context.Context, bo *backoff.Backoff) error {
	w, err := openLiveWriter(ctx, sw.cfg, sw.p.ID)
	if err != nil {
		return err
	}
	defer w.close()
	sw.w = w
	start, err := sw.resume(ctx)
	if err != nil {
		return err
	}
	sides, err := copart.OpenSidesWith(sw.cfg.Brokers, []string{sw.cfg.Control, sw.cfg.Candidate}, sw.p.ID, start[:], sw.cfg.Buffers)
	if err != nil {
		return err
	}
	defer sides.Close()
	if sw.route, sw.read, err = sw.shared.routes.first(ctx); err != nil {
		return err
	}
	sw.books = newBooks(sw.cfg, sw.p, sw.prov)
	// The group's offsets only serve lag tooling; bring them to the
	// state's at once, so a partition taken over with nothing left to do
	// does not show the previous owner's lag for ever.
	sw.books.askFlush()
	booksCtx, stopBooks := context.WithCancel(ctx)
	booksDone := make(chan struct{})
	go func() {
		defer close(booksDone)
		sw.books.run(booksCtx)
	}()
	defer func() {
		stopBooks()
		<-booksDone
		sw.books.final(ctx)
	}()
	for ctx.Err() == nil {
		var batch []copart.Msg
		if sw.parked() < sw.cfg.MaxParked {
			// Records parked for want of a newer route are decided after
			// the next read: wait no longer than that for new records.
			wait := 250 * time.Millisecond
			if sw.parked() > 0 {
				wait = routeEvery
			}
			if batch, err = sides.Next(ctx, sw.cfg.BatchSize, 5*time.Millisecond, wait, nil); err != nil {
				return err
			}
		}
		routeErr := sw.takeRoute()
		if len(batch) == 0 && routeErr != nil && !sw.shared.routes.await(ctx, 250*time.Millisecond) {
			// Nothing new and no route to decide with: it waited for the
			// next read rather than spin, and ctx ended.
			return nil
		}
		fetched := len(batch)
		sw.take(batch)
		batch = nil // in the lanes now
		out, decided := sw.decide()
		if err := sw.commit(ctx, out, fetched == 0); err != nil {
			return err
		}
		if fetched == 0 && decided == 0 && sw.parked() > 0 {
			// Everything left is past the horizon (a future event time, a
			// clock ahead): wait for the horizon to move rather than spin
			// (each pass asks the route feed for a read).
			if !backoff.Sleep(ctx, holdWait) {
				return nil
			}
		}
		if routeErr == nil {
			bo.Reset()
			sw.health.OK(sw.p.ID)
		}
		sw.cfg.Metrics.holding(sw.p.ID, sw.parked())
		if sw.cfg.StopWhenIdle > 0 {
			quiet := fetched == 0 && decided == 0 && !sw.dirty && sw.books.caughtUp() &&
				sides.Idle(ctx, 0, sw.cfg.StopWhenIdle) && sides.Idle(ctx, 1, sw.cfg.StopWhenIdle)
			sw.idle.set(sw.p.ID, quiet)
		}
	}
	return nil
}

// holdWait is how long a partition whose records are all parked waits
// before its next pass.
const holdWait = 50 * time.Millisecond

// resume reads the partition's last committed state and the live topic's
// tail (to remember the identities forwarded last), and returns where each
// source is read from: its oldest parked record, or the state's next
// offset, or, before the first transaction, the group's committed offset.
func (sw *switchWorker) resume(ctx context.Context) ([2]int64, error) {
	cfg := sw.cfg
	st, found, err := readState(ctx, cfg.Brokers, cfg.StateTopic, sw.p.ID)
	if err != nil {
		return [2]int64{}, err
	}
	sw.st, sw.lanes, sw.dirty, sw.lastState = st, [2]lane{}, false, time.Now()
	sw.prov = newProvenance(st)
	sw.seen = NewDedupe(cfg.Dedupe)
	tail, err := sw.seedDedupe(ctx)
	if err != nil {
		return [2]int64{}, err
	}
	if !found && tail > 0 {
		// Aborted records and transaction markers of a fenced writer do
		// not count: only committed records must be accounted for.
		if err := sw.accountedFor(ctx); err != nil {
			return [2]int64{}, err
		}
	}
	var start [2]int64
	topics := [2]string{cfg.Control, cfg.Candidate}
	for s := range 2 {
		sw.replay[s] = map[int64]bool{}
		for _, o := range st.Parked[s] {
			sw.replay[s][o] = true
		}
		start[s] = st.Next[s]
		if start[s] < 0 {
			start[s] = kafka.FirstOffset
			if c, ok := sw.p.Committed[topics[s]]; ok && c >= 0 {
				start[s] = c
			}
		}
		if len(st.Parked[s]) > 0 {
			start[s] = min(start[s], slices.Min(st.Parked[s]))
		}
	}
	cfg.Log.Info("switch partition resumed", "partition", sw.p.ID, "epoch", sw.w.epoch, "seq", st.Seq,
		"control", start[0], "candidate", start[1], "parked", len(st.Parked[0])+len(st.Parked[1]), "liveTail", tail)
	return start, nil
}

// seedDedupe fills the dedupe window with the identities this partition
// forwarded last, read back from the live topic's committed tail, and
// returns how many committed records it read. As its version's topic
// partitioned them, they are the last Dedupe records of the live
// partition of the same number, which only this partition writes; by key,
// see seedKeyed.
func (sw *switchWorker) seedDedupe(ctx context.Context) (int, error) {
	cfg := sw.cfg
	bounds, err := kafkaio.CommittedBounds(ctx, cfg.Brokers, cfg.Live)
	if err != nil {
		return 0, err
	}
	if cfg.LivePartitioning == PartitionByKey {
		return sw.seedKeyed(ctx, bounds)
	}
	live := bounds[sw.p.ID]
	tail := 0
	err = kafkaio.ReadCommittedRange(ctx, cfg.Brokers, cfg.Live, sw.p.ID, max(live.Start, live.End-int64(cfg.Dedupe)), live.End, func(r *kgo.Record) error {
		tail++
		id, _ := sw.identify(r.Key, r.Value, r.Timestamp)
		sw.seen.Check(id, r.Value)
		return nil
	})
	return tail, err
}

// accountedFor returns errNoState when the live topic's records that this
// partition read back may be its own though it has no state: always as
// its version's topic partitioned them; by key, only when the state topic
// holds nothing at all, since every partition's records share every live
// partition.
func (sw *switchWorker) accountedFor(ctx context.Context) error {
	cfg := sw.cfg
	if cfg.LivePartitioning == PartitionByKey {
		if some, err := anyState(ctx, cfg); err != nil || some {
			return err
		}
	}
	return fmt.Errorf("%w: live topic %s holds records but %s has no switch state for partition %d, so nothing says "+
		"what was forwarded: start with an empty live topic, or point --state-topic at the state this live topic was written with",
		errNoState, cfg.Live, cfg.StateTopic, sw.p.ID)
}

// errNoState is a permanent error: the live topic has records the state
// topic does not account for.
var errNoState = errors.New("no switch state")

// take puts a batch's records in their lanes, skipping what the state says
// was decided already: records below a source's next offset that are not
// parked (read again because reading resumed at the oldest parked one).
func (sw *switchWorker) take(batch []copart.Msg) {
	for _, m := range batch {
		s := m.Topic
		if m.Offset < sw.st.Next[s] {
			if !sw.replay[s][m.Offset] {
				continue
			}
			delete(sw.replay[s], m.Offset)
		} else {
			sw.st.Next[s] = m.Offset + 1
		}
		id, at := sw.identify(m.Key, m.Value, m.Time)
		sw.lanes[s].q = append(sw.lanes[s].q, held{m: m.Message, id: id, at: at})
	}
}

func (sw *switchWorker) parked() int { return len(sw.lanes[0].q) + len(sw.lanes[1].q) }

// takeRoute takes the instance's latest route read, and asks for a new
// read when records are parked (the latest does not cover them). It
// returns the last read's error, with the partition marked unhealthy:
// records before the last route's horizon still go live, later ones wait
// for the database.
func (sw *switchWorker) takeRoute() error {
	r, read, err := sw.shared.routes.latest()
	if read.After(sw.read) {
		sw.route, sw.read = r, read
	}
	if sw.parked() > 0 {
		sw.shared.routes.wanted()
	}
	if err != nil {
		sw.health.Fail(sw.p.ID)
	}
	return err
}

// decide goes through each lane in offset order and decides every record
// the route covers (source time before its horizon) whose key has no
// earlier record still parked in that lane: the owner's is forwarded
// (unless it is a byte-equal copy of one forwarded before), the other
// version's skipped. It returns the records to write and how many were
// decided, and updates the state's totals, parked offsets and provenance.
func (sw *switchWorker) decide() (out []*kgo.Record, decided int) {
	for s := range 2 {
		n := sw.lanes[s].decide(sw.route.Horizon, func(h held) {
			m := h.m
			decided++
			if Owner(sw.route, m.Key, h.at) != s {
				sw.st.Totals.NotOwned[s]++
				sw.dirty = true
				return
			}
			switch sw.seen.Check(h.id, m.Value) {
			case Duplicate:
				sw.st.Totals.Duplicates[s]++
				sw.dirty = true
				return
			case Collision:
				sw.st.Totals.Collisions[s]++
				sw.cfg.Log.Warn("identity collision: a record with an identity already forwarded but other value bytes; forwarded",
					"version", version(s), "partition", m.Partition, "offset", m.Offset, "key", string(m.Key))
			}
			sw.st.Totals.Forwarded[s]++
			if sw.cfg.LivePartitioning.keyless(m.Key) {
				sw.st.Totals.Keyless[s]++
			}
			sw.prov.forward(s, h.at)
			out = append(out, liveRecord(sw.cfg, s, m))
		})
		sw.st.Parked[s] = stillParked(n, sw.replay[s])
	}
	return out, decided
}

// stillParked is what the state must list as parked for a source: the
// offsets its lane holds undecided, and those of the last state's parked
// records that have not been read again yet (reading resumes below Next
// for them). Without the latter, a session that committed before its
// source reader reached them — a batch of the other source first, then a
// fence — wrote a state that forgot them: Next was past them, so no later
// session read them again, and they never went live (seen with zombie
// switches; TestInvariantOneLiveCopyKeepsParkedRecordsNotYetReadAgain).
func stillParked(lane []int64, replay map[int64]bool) []int64 {
	if len(replay) == 0 {
		return lane
	}
	out := slices.AppendSeq(slices.Clone(lane), maps.Keys(replay))
	slices.Sort(out)
	return out
}

// identify returns the record's identity and event time under the rules
// (t, its Kafka timestamp, when the rules name no event-time field); a
// record whose identity cannot be read is identified by its key and bytes
// and timed by t.
func (sw *switchWorker) identify(key, value []byte, t time.Time) (string, time.Time) {
	id, at, err := sw.cfg.Identity.Identify(key, value, t)
	if err != nil {
		h := fnv.New64a()
		h.Write(value)
		return fmt.Sprintf("%s\x00%x", key, h.Sum64()), t
	}
	return id, at
}

// stateEvery is how often a partition that decided records without
// forwarding any (skips, duplicates) commits its state alone. Not
// committing them sooner costs nothing but re-deciding them after a
// restart, with the same outcome.
const stateEvery = time.Second

// commit writes the forwarded records with the partition's state in one
// transaction, or the state alone once a second (or when quiet) if only
// skips moved it. Only then do the books pass the provenance to Postgres
// and the source offsets to the group, for lag tooling (the switch itself
// resumes from the state topic): at once when quiet, else in their time.
func (sw *switchWorker) commit(ctx context.Context, out []*kgo.Record, quiet bool) error {
	if len(out) == 0 && (!sw.dirty || (!quiet && time.Since(sw.lastState) < stateEvery)) {
		if quiet && !sw.books.caughtUp() {
			sw.books.askFlush()
		}
		return nil
	}
	next := sw.st
	next.Seq++
	next.Epoch = sw.w.epoch
	rec, err := next.record(sw.cfg.StateTopic, sw.p.ID)
	if err != nil {
		return err
	}
	if err := sw.w.commit(ctx, out, rec); err != nil {
		err = classifyTxn(err)
		if !errors.Is(err, ErrFenced) {
			sw.health.Fail(sw.p.ID)
		}
		return fmt.Errorf("writing %d records of partition %d to %s in a transaction: %w", len(out), sw.p.ID, sw.cfg.Live, err)
	}
	delta := next.Totals.Sub(sw.committedTotals())
	sw.st, sw.dirty, sw.lastState = next, false, time.Now()
	sw.shared.add(sw.p.ID, delta, sw.parked())
	sw.cfg.Metrics.add(delta)
	sw.books.committed(next)
	if quiet {
		sw.books.askFlush()
	}
	return nil
}

// committedTotals are the totals of the last committed state.
func (sw *switchWorker) committedTotals() SwitchTotals { return sw.prov.last.Totals }
