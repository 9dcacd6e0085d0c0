package cutover

import (
	"context"
	"time"

	"github.com/oinkhq/oink/diffstore"
)

// provenance keeps what a partition's switch forwarded per minute of source
// event time and version, and hands it to the store (SwitchStore.SyncSwitch)
// after the transactions that committed it: the partition's books sync it
// at most every syncEvery while busy, at once when quiet, off the path
// that forwards records. A sync that fails (Postgres unreachable) is
// retried with the next one and never holds back the live topic; the store
// ignores a state it already has, so nothing is counted twice. Its
// committed, take and stored run under the books' lock.
type provenance struct {
	last      switchState            // the last committed state
	tentative map[time.Time][2]int64 // forwards not committed yet
	pending   map[time.Time][2]int64 // committed, not synced yet
	synced    int64                  // seq of the last state synced
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
	addMinutes(p.pending, p.tentative)
	clear(p.tentative)
	p.last = st
}

// take returns the last committed state and the forwards pending since
// the last sync, which it hands over (stored gives them back if storing
// fails), and whether that state is synced already.
func (p *provenance) take() (st switchState, minutes map[time.Time][2]int64, synced bool) {
	if p.last.Seq == p.synced {
		return p.last, nil, true
	}
	minutes = p.pending
	p.pending = map[time.Time][2]int64{}
	return p.last, minutes, false
}

// store hands st and minutes to the store (SwitchStore.SyncSwitch). It
// touches nothing of p, so it runs without the books' lock.
func (p *provenance) store(ctx context.Context, cfg SwitchConfig, partition int, st switchState, minutes map[time.Time][2]int64) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	return cfg.Store.SyncSwitch(ctx, diffstore.SwitchSync{Run: cfg.Run, Live: cfg.Live, Partition: partition,
		Seq: st.Seq, Epoch: st.Epoch, Instance: cfg.Instance, Next: st.Next, Parked: len(st.Parked[0]) + len(st.Parked[1]),
		Totals: st.Totals.counts(), Minutes: minutes})
}

// stored records how storing st and minutes went: synced, or the minutes
// back in pending, for the next sync.
func (p *provenance) stored(st switchState, minutes map[time.Time][2]int64, err error) {
	if err == nil {
		p.synced = max(p.synced, st.Seq)
		return
	}
	addMinutes(p.pending, minutes)
}

// addMinutes adds src's forwards per minute and version into dst.
func addMinutes(dst, src map[time.Time][2]int64) {
	for m, n := range src {
		c := dst[m]
		c[0] += n[0]
		c[1] += n[1]
		dst[m] = c
	}
}

// counts are t as the store keeps them (Keyless stays in the state topic,
// the exit report and the metrics).
func (t SwitchTotals) counts() diffstore.SwitchCounts {
	return diffstore.SwitchCounts{Forwarded: t.Forwarded, NotOwned: t.NotOwned, Duplicates: t.Duplicates, Collisions: t.Collisions}
}
