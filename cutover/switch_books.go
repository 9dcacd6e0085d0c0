package cutover

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/oinkhq/oink/internal/copart"
)

// books is a partition's bookkeeping after its transactions, kept off the
// path that forwards records: the provenance synced to Postgres and the
// source offsets passed to the consumer group (for lag tooling only; the
// switch resumes from its state topic). Neither decides anything, and both
// are best effort and caught up by the next sync: before, the worker did
// them itself between one transaction and its next fetch, so every record
// of a partition waited for a Postgres write every 500 ms and a group
// commit every second, twelve partitions over.
//
// A goroutine (run) syncs every syncEvery, and at once when the worker
// asks for a flush (quiet, nothing left to forward); the session's end
// flushes once more after it stops, so an instance that stops leaves its
// provenance as complete as its last transaction.
type books struct {
	cfg   SwitchConfig
	p     copart.Partition
	group *copart.Committer
	flush chan struct{}

	mu   sync.Mutex
	prov *provenance
	// groupSent are the offsets the last flushed group commit sent; only
	// the goroutine that syncs touches it and group.
	groupSent [2]int64
	// upToDate: everything committed is synced and flushed to the group.
	upToDate bool
}

func newBooks(cfg SwitchConfig, p copart.Partition, prov *provenance) *books {
	return &books{cfg: cfg, p: p, group: copart.NewCommitter(p), flush: make(chan struct{}, 1), prov: prov,
		groupSent: [2]int64{-3, -3}}
}

// committed notes the state a transaction committed, with the forwards the
// worker made for it (provenance.forward), for the next sync.
func (b *books) committed(st switchState) {
	b.mu.Lock()
	b.prov.committed(st)
	b.upToDate = false
	b.mu.Unlock()
}

// askFlush asks for a sync and a group commit now, without waiting.
func (b *books) askFlush() {
	select {
	case b.flush <- struct{}{}:
	default:
	}
}

// caughtUp reports whether the last committed state is synced and in the
// group's offsets: an idle partition is quiet only then.
func (b *books) caughtUp() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.upToDate
}

// run syncs every syncEvery, or at once when asked, until ctx ends.
func (b *books) run(ctx context.Context) {
	tick := time.NewTicker(syncEvery)
	defer tick.Stop()
	for {
		flush := false
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-b.flush:
			flush = true
		}
		b.sync(ctx, flush)
	}
}

// sync stores the last committed state with its pending forwards (unless
// stored already), then passes its offsets to the group: at once when
// flush, else at most every copart.CommitEvery.
func (b *books) sync(ctx context.Context, flush bool) {
	b.mu.Lock()
	st, minutes, synced := b.prov.take()
	b.mu.Unlock()
	if !synced {
		err := b.prov.store(ctx, b.cfg, b.p.ID, st, minutes)
		b.mu.Lock()
		b.prov.stored(st, minutes, err)
		b.mu.Unlock()
		if err != nil {
			b.cfg.Log.Warn("storing the switch's provenance failed; retrying with the next sync", "partition", b.p.ID, "err", err)
			return
		}
	}
	sent := b.commitGroup(st, flush)
	b.mu.Lock()
	b.upToDate = sent && b.prov.last.Seq == st.Seq
	b.mu.Unlock()
}

// final flushes once more when the session ends: it runs after run has
// returned, with its own deadline, even when ctx is cancelled (a stop).
func (b *books) final(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	b.sync(ctx, true)
}

// commitGroup passes st's source offsets to the group, at once when
// flush, else at most every copart.CommitEvery; it reports whether the
// group has them now.
func (b *books) commitGroup(st switchState, flush bool) bool {
	offsets := map[string]int64{}
	var at [2]int64
	for s, t := range []string{b.cfg.Control, b.cfg.Candidate} {
		at[s] = st.Next[s]
		if ps := st.Parked[s]; len(ps) > 0 {
			at[s] = slices.Min(ps)
		}
		if at[s] >= 0 {
			offsets[t] = at[s]
		}
	}
	if at == b.groupSent {
		return true // nothing new since the last commit that went through
	}
	if err := b.group.Commit(offsets, flush); err != nil {
		b.cfg.Log.Debug("committing source offsets to the group (lag tooling only)", "partition", b.p.ID, "err", err)
		return false
	}
	if flush {
		b.groupSent = at
	}
	return flush
}
