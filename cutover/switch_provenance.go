package cutover

import (
	"context"
	"time"

	"github.com/oinkhq/oink/diffstore"
)

// provenance keeps what a partition's switch forwarded per minute of source
// event time and version, and hands it to the store (SwitchStore.SyncSwitch)
// after the transactions that committed it: at most every syncEvery while
// busy, at once when quiet. A sync that fails (Postgres unreachable) is
// retried with the next one and never holds back the live topic; the store
// ignores a state it already has, so nothing is counted twice.
type provenance struct {
	last      switchState            // the last committed state
	tentative map[time.Time][2]int64 // forwards not committed yet
	pending   map[time.Time][2]int64 // committed, not synced yet
	lastSync  time.Time
	synced    int64 // seq of the last state synced
}

// syncEvery is how often a busy partition syncs its provenance.
const syncEvery = 500 * time.Millisecond

func newProvenance(st switchState) *provenance {
	return &provenance{last: st, tentative: map[time.Time][2]int64{}, pending: map[time.Time][2]int64{}, synced: -1}
}

// forward notes a record of version s with source time t, not committed yet.
func (p *provenance) forward(s int, t time.Time) {
	m := t.UTC().Truncate(time.Minute)
	n := p.tentative[m]
	n[s]++
	p.tentative[m] = n
}

// committed moves the tentative forwards to the committed ones: st is the
// state their transaction committed.
func (p *provenance) committed(st switchState) {
	for m, n := range p.tentative {
		c := p.pending[m]
		c[0] += n[0]
		c[1] += n[1]
		p.pending[m] = c
	}
	clear(p.tentative)
	p.last = st
}

// sync stores the last committed state with the pending forwards, if it is
// time (or force), best effort: a failure is logged and retried next time.
func (p *provenance) sync(ctx context.Context, cfg SwitchConfig, partition int, force bool) {
	if p.last.Seq == p.synced || (!force && time.Since(p.lastSync) < syncEvery) {
		return
	}
	p.lastSync = time.Now()
	st := p.last
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	err := cfg.Store.SyncSwitch(ctx, diffstore.SwitchSync{Run: cfg.Run, Live: cfg.Live, Partition: partition,
		Seq: st.Seq, Epoch: st.Epoch, Instance: cfg.Instance, Next: st.Next, Parked: len(st.Parked[0]) + len(st.Parked[1]),
		Totals: st.Totals.counts(), Minutes: p.pending})
	if err != nil {
		cfg.Log.Warn("storing the switch's provenance failed; retrying with the next transaction", "partition", partition, "err", err)
		return
	}
	p.synced = st.Seq
	clear(p.pending)
}

// counts are t as the store keeps them (Keyless stays in the state topic,
// the exit report and the metrics).
func (t SwitchTotals) counts() diffstore.SwitchCounts {
	return diffstore.SwitchCounts{Forwarded: t.Forwarded, NotOwned: t.NotOwned, Duplicates: t.Duplicates, Collisions: t.Collisions}
}
