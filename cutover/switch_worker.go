package cutover

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/backoff"
	"github.com/oinkhq/oink/internal/copart"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

func bucketOf(key []byte) int { return oink.KeyBucket(key) }

// switchWorker forwards one partition.
type switchWorker struct {
	cfg   SwitchConfig
	p     copart.Partition
	w     *kafka.Writer
	idle  *idleTracker
	route diffstore.Route
	read  time.Time // when route was read
	seen  *Dedupe
	held  [2][]kafka.Message // records past the horizon, in offset order
	names sourceNames
	group *copart.Committer // source offsets, sent to the group at most once a second or when quiet
	// health is shared by the instance's workers.
	health *copart.Health
}

// run forwards the partition for as long as this instance owns it. A
// session that fails (the broker or the database unreachable) is started
// again after a capped exponential backoff, from the live topic's tail as
// after a crash: what was read but not forwarded is read again, and what
// was forwarded is not forwarded twice.
func (sw *switchWorker) run(ctx context.Context) error {
	defer sw.idle.drop(sw.p.ID)
	return sw.health.Retry(ctx, sw.p.ID, sw.cfg.Log, "switch partition failed; resuming from the live topic's tail", nil, sw.session)
}

// session resumes the partition and forwards until ctx ends or an error.
// It resets bo once it forwards again.
func (sw *switchWorker) session(ctx context.Context, bo *backoff.Backoff) error {
	sw.held = [2][]kafka.Message{}
	topics := []string{sw.cfg.Control, sw.cfg.Candidate}
	start, err := sw.resume(ctx)
	if err != nil {
		return err
	}
	sw.names = newSourceNames(topics)
	sides, err := copart.OpenSidesWith(sw.cfg.Brokers, topics, sw.p.ID, start[:], sw.cfg.Buffers)
	if err != nil {
		return err
	}
	defer sides.Close()
	if err := sw.refreshRoute(ctx); err != nil {
		return err
	}
	sw.group = copart.NewCommitter(sw.p)
	routeBackoff := backoff.New(100*time.Millisecond, 5*time.Second)
	var routeRetry time.Time // no route read before this, after a failure
	for ctx.Err() == nil {
		var batch []copart.Msg
		if len(sw.held[0])+len(sw.held[1]) < sw.cfg.BatchSize {
			if batch, err = sides.Next(ctx, sw.cfg.BatchSize, 5*time.Millisecond, 250*time.Millisecond, nil); err != nil {
				return err
			}
		}
		if (time.Since(sw.read) > 250*time.Millisecond || sw.holding()) && !time.Now().Before(routeRetry) {
			if err := sw.refreshRoute(ctx); err != nil {
				// Records before the last route's horizon still go
				// live; later ones wait for the database.
				sw.health.Fail(sw.p.ID)
				wait := routeBackoff.Next()
				routeRetry = time.Now().Add(wait)
				sw.cfg.Log.Warn("reading the route failed; holding records past its horizon until it answers", "backoff", wait, "err", err)
			} else {
				routeBackoff.Reset()
				routeRetry = time.Time{}
			}
		}
		if len(batch) == 0 && !routeRetry.IsZero() {
			// Nothing new and no route to decide with: wait for the next
			// attempt rather than spin (a full hold skips reading).
			if !backoff.Sleep(ctx, min(time.Until(routeRetry), 250*time.Millisecond)) {
				return nil
			}
		}
		fetched := len(batch)
		sw.hold(batch)
		batch = nil // held now; the batch's copies of the records are garbage
		out, next := sw.decide()
		if err := sw.commit(ctx, out, next, fetched == 0); err != nil {
			return err
		}
		if fetched == 0 && next == [2]int64{-1, -1} && sw.holding() {
			// A full hold, nothing past the horizon yet (a future event
			// time, a clock ahead): wait for the horizon to move rather
			// than re-read the route in a tight loop.
			if !backoff.Sleep(ctx, holdWait) {
				return nil
			}
		}
		if routeRetry.IsZero() {
			bo.Reset()
			sw.health.OK(sw.p.ID)
		}
		sw.cfg.Metrics.holding(sw.p.ID, len(sw.held[0])+len(sw.held[1]))
		if sw.cfg.StopWhenIdle > 0 {
			quiet := fetched == 0 && !sw.holding() && sides.Idle(ctx, 0, sw.cfg.StopWhenIdle) && sides.Idle(ctx, 1, sw.cfg.StopWhenIdle)
			sw.idle.set(sw.p.ID, quiet)
		}
	}
	return nil
}

// holdWait is how long a partition whose hold is full and undecidable
// waits before it reads the route again.
const holdWait = 50 * time.Millisecond

// hold queues a batch's records by side, growing each queue once.
func (sw *switchWorker) hold(batch []copart.Msg) {
	var n [2]int
	for _, m := range batch {
		n[m.Topic]++
	}
	for s := range 2 {
		sw.held[s] = slices.Grow(sw.held[s], n[s])
	}
	for _, m := range batch {
		sw.held[m.Topic] = append(sw.held[m.Topic], m.Message)
	}
}

func (sw *switchWorker) holding() bool { return len(sw.held[0])+len(sw.held[1]) > 0 }

func (sw *switchWorker) refreshRoute(ctx context.Context) error {
	r, err := sw.cfg.Store.Route(ctx, sw.cfg.Run)
	if err != nil {
		return err
	}
	sw.route, sw.read = r, time.Now()
	return nil
}

// decide takes, from each side's queue, the records before the route's
// horizon, in offset order: the owner's are forwarded (its own duplicates
// dropped), the others skipped. It returns the records to write and, per
// side, the next offset once they are written (-1: nothing decided).
func (sw *switchWorker) decide() ([]kafka.Message, [2]int64) {
	var out []kafka.Message
	next := [2]int64{-1, -1}
	for s := range 2 {
		q := sw.held[s]
		i := 0
		for ; i < len(q); i++ {
			m := q[i]
			if !m.Time.Before(sw.route.Horizon) {
				break // never decide past what the route read covers
			}
			next[s] = m.Offset + 1
			if Owner(sw.route, m.Key, m.Time) != s {
				sw.cfg.Metrics.skip(s)
				continue
			}
			id := sw.identity(m)
			if !sw.seen.Add(id) {
				sw.cfg.Metrics.duplicate(s)
				continue
			}
			out = append(out, forwarded(sw.cfg, &sw.names, s, m))
			sw.cfg.Metrics.forward(s)
		}
		sw.held[s] = dropFront(q, i)
	}
	return out, next
}

// dropFront removes the first i records of q in place. Reslicing (q[i:])
// would keep the decided records' bytes reachable through the backing
// array until an append outgrew it: ~20 MB of records long forwarded. An
// emptied queue lets its array go: kept, every partition's queue would hold
// the capacity of its largest batch for the whole run (~8 MB at 1M events).
func dropFront(q []kafka.Message, i int) []kafka.Message {
	if i == 0 {
		return q
	}
	if i == len(q) {
		return nil
	}
	n := copy(q, q[i:])
	clear(q[n:])
	return q[:n]
}

// identity is the record's identity under the rules; a record whose
// identity cannot be read is identified by its key and bytes.
func (sw *switchWorker) identity(m kafka.Message) string {
	id, _, err := sw.cfg.Rules.Identify(m.Key, m.Value, m.Time)
	if err != nil {
		return string(m.Key) + "\x00" + strconv.FormatUint(hashBytes(m.Value), 16)
	}
	return id
}

// commit writes the forwarded records, acknowledged by all in-sync
// replicas, and only then commits the source offsets they cover: to the
// group once a second while busy, and at once when quiet (nothing fetched),
// so a caught-up switch shows no lag.
func (sw *switchWorker) commit(ctx context.Context, out []kafka.Message, next [2]int64, quiet bool) error {
	bo := backoff.New(100*time.Millisecond, 5*time.Second)
	for len(out) > 0 {
		err := sw.w.WriteMessages(ctx, out...)
		if err == nil {
			break
		}
		var werrs kafka.WriteErrors
		if errors.As(err, &werrs) {
			// Keep only the failed ones; the rest are on the live topic.
			var failed []kafka.Message
			for i, e := range werrs {
				if e != nil {
					failed = append(failed, out[i])
				}
			}
			out = failed
		}
		if ctx.Err() != nil {
			return fmt.Errorf("writing %d records to %s: %w", len(out), sw.cfg.Live, ctx.Err())
		}
		sw.health.Fail(sw.p.ID)
		wait := bo.Next()
		sw.cfg.Log.Warn("writing the live topic failed, retrying", "records", len(out), "backoff", wait, "err", err)
		if !backoff.Sleep(ctx, wait) {
			return fmt.Errorf("writing %d records to %s: %w", len(out), sw.cfg.Live, ctx.Err())
		}
	}
	offsets := map[string]int64{}
	if next[0] >= 0 {
		offsets[sw.cfg.Control] = next[0]
	}
	if next[1] >= 0 {
		offsets[sw.cfg.Candidate] = next[1]
	}
	if err := sw.group.Commit(offsets, quiet); err != nil {
		sw.cfg.Log.Debug("committing source offsets", "partition", sw.p.ID, "err", err)
	}
	return nil
}

// resume reads the tail of the live topic's partition: every forwarded
// record names its source topic and offset, so each source resumes after
// the last record forwarded from it (or at the group's committed offset if
// that is later), and the identities forwarded recently seed the dedupe.
func (sw *switchWorker) resume(ctx context.Context) ([2]int64, error) {
	sw.seen = NewDedupe(sw.cfg.Dedupe)
	topics := [2]string{sw.cfg.Control, sw.cfg.Candidate}
	start := [2]int64{kafka.FirstOffset, kafka.FirstOffset}
	for s, t := range topics {
		if c, ok := sw.p.Committed[t]; ok && c >= 0 {
			start[s] = c
		}
	}
	first, end, err := kafkaio.PartitionBounds(ctx, sw.cfg.Brokers, sw.cfg.Live, sw.p.ID)
	if err != nil {
		return start, err
	}
	from := max(first, end-int64(sw.cfg.Dedupe))
	err = kafkaio.ReadRange(ctx, sw.cfg.Brokers, sw.cfg.Live, sw.p.ID, from, end, func(m kafka.Message) error {
		sw.seen.Add(sw.identity(m))
		src, off := kafkaio.Header(m, HeaderSourceTopic), kafkaio.Header(m, HeaderSourceOffset)
		o, err := strconv.ParseInt(off, 10, 64)
		if err != nil {
			return nil // not ours: nothing to resume from
		}
		for s, t := range topics {
			if src == t && o+1 > start[s] {
				start[s] = o + 1
			}
		}
		return nil
	})
	sw.cfg.Log.Info("switch partition resumed", "partition", sw.p.ID, "liveTail", end-from, "control", start[0], "candidate", start[1])
	return start, err
}

// idleTracker ends a switch run once every partition has been quiet for
// the configured time.
type idleTracker struct {
	after time.Duration
	stop  context.CancelFunc
	log   *slog.Logger

	mu       sync.Mutex
	quiet    map[int]bool
	assigned bool
}

func newIdleTracker(after time.Duration, stop context.CancelFunc, log *slog.Logger) *idleTracker {
	return &idleTracker{after: after, stop: stop, log: log, quiet: map[int]bool{}}
}

func (t *idleTracker) set(p int, quiet bool) {
	t.mu.Lock()
	t.quiet[p], t.assigned = quiet, true
	t.mu.Unlock()
}

func (t *idleTracker) drop(p int) {
	t.mu.Lock()
	delete(t.quiet, p)
	t.mu.Unlock()
}

// loop checks every 250ms; partitions report quiet only after StopWhenIdle
// of silence (Sides.Idle), so the first all-quiet check ends the run.
func (t *idleTracker) loop(ctx context.Context) {
	if t.after <= 0 {
		return
	}
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		t.mu.Lock()
		// No partition is not "all forwarded": between two generations
		// (a rebalance, the broker unreachable) a member holds none.
		all := t.assigned && len(t.quiet) > 0
		for _, q := range t.quiet {
			all = all && q
		}
		t.mu.Unlock()
		if all {
			t.log.Info("every partition forwarded and idle, stopping")
			t.stop()
			return
		}
	}
}
