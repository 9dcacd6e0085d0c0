package comparator

import (
	"time"

	"github.com/oinkhq/oink/diffstore"
)

// This file holds the joiner's evidence and future-time state: what lets it
// declare a record missing only on evidence (passedBy, feeding expire),
// report a side that is behind (lag), and replay exactly the records it
// judged dated in the future (futureRecord, futureRanges).

// passage is one round of evidence that side o has passed records of the
// other side on one partition: every record of the other side below from
// whose partner has not arrived once o's records below until have been
// read is missing on o.
type passage struct{ from, until int64 }

// passedBy returns, per side o, the bound expire takes: the from of the
// newest passage of ev[o] (oldest first) whose until this joiner has read
// up to on o, or 0 when none applies yet.
func (j *joiner) passedBy(ev [2][]passage) [2]int64 {
	var passed [2]int64
	for o := control; o <= candidate; o++ {
		read := max(j.next[o], 0) // -1: nothing read, as at offset 0
		for i := len(ev[o]) - 1; i >= 0; i-- {
			if ev[o][i].until <= read {
				passed[o] = ev[o][i].from
				break
			}
		}
	}
	return passed
}

// futureRecord counts a record of side s whose event time lies past the
// clock plus the future skew as undecodable (in the count bucket of at, the
// time it was read: its own time is not to be trusted), without moving the
// side's watermark, and remembers its offset: a restart's replay skips it
// whatever the clock says then.
func (j *joiner) futureRecord(s side, offset int64, at time.Time) {
	j.undecodable(s, offset, at)
	f := j.future[s]
	if n := len(f); n > 0 && f[n-1].To == offset {
		f[n-1].To = offset + 1
		return
	}
	j.future[s] = append(f, diffstore.Range{Side: s.store(), From: offset, To: offset + 1})
}

// futureRanges drops the future ranges that lie below where a restart
// would replay each side from (given the pending positions) and returns
// the rest, for the checkpoint.
func (j *joiner) futureRanges(pending []diffstore.Position) []diffstore.Range {
	var out []diffstore.Range
	for s := control; s <= candidate; s++ {
		from := replayFrom(j.recentFrom[s], pending, s)
		f := j.future[s]
		for len(f) > 0 && f[0].To <= from {
			f = f[1:]
		}
		j.future[s] = f
		out = append(out, f...)
	}
	return out
}

// restoreFuture takes a checkpoint's future ranges back.
func (j *joiner) restoreFuture(rs []diffstore.Range) {
	for _, r := range rs {
		s := control
		if r.Side == diffstore.SideCandidate {
			s = candidate
		}
		j.future[s] = append(j.future[s], r)
	}
}

// lag returns, per side o, how far it trails the other side s in event
// time where records of s wait for it: s's watermark minus the later of
// o's watermark and the oldest waiting record of s (0 when none waits);
// and whether o is behind: that lag reached the window, or s holds
// maxWaiting records and is no longer read (a lag measured on a paused
// side understates the real one), or a record of s waits below
// lagging[o], the prober's bound for records whose events o had not
// converted a whole evidence round after they were in the input (0: none).
func (j *joiner) lag(maxWaiting int, lagging [2]int64) (lag [2]time.Duration, behind [2]bool) {
	for o := control; o <= candidate; o++ {
		s := o.other()
		if len(j.waiting[s]) == 0 {
			continue
		}
		var oldest time.Time
		stale := false
		for _, w := range j.waiting[s] {
			if oldest.IsZero() || w.eventTime.Before(oldest) {
				oldest = w.eventTime
			}
			stale = stale || w.offset < lagging[o]
		}
		base := oldest
		if j.watermark[o].After(base) {
			base = j.watermark[o]
		}
		lag[o] = max(0, j.watermark[s].Sub(base))
		behind[o] = lag[o] >= j.window || len(j.waiting[s]) >= maxWaiting || stale
	}
	return lag, behind
}
