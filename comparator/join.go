package comparator

import (
	"cmp"
	"encoding/json"
	"hash/maphash"
	"math"
	"slices"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/segmentio/kafka-go"
)

// side indexes the two topics of a run.
type side int

const (
	control   side = 0
	candidate side = 1
)

func (s side) other() side { return 1 - s }

func (s side) store() diffstore.Side {
	if s == control {
		return diffstore.SideControl
	}
	return diffstore.SideCandidate
}

// rec is a decoded record waiting for its partner.
type rec struct {
	offset    int64
	identity  string
	eventTime time.Time
	value     []byte
	hash      uint64
	// key, headers and timestamp are the record's metadata, as read: pair
	// compares them too.
	key       []byte
	headers   []kafka.Header
	timestamp time.Time
}

// record returns what CompareRecords judges of r.
func (r *rec) record() Record {
	return Record{Key: r.key, Value: r.value, Headers: r.headers, Time: r.timestamp}
}

// seenEntry remembers the latest copy of an identity on a side, for
// duplicate detection: where it is, its bytes' hash and its event time (a
// copy is in the dedupe window while the side's watermark has not passed
// that time by the window).
type seenEntry struct {
	offset    int64
	hash      uint64
	eventTime int64 // Unix nanoseconds
}

// fifoEntry is a processed record in the dedupe window, in offset order.
type fifoEntry struct {
	identity  idKey
	offset    int64
	eventTime int64 // Unix nanoseconds
}

// idKey is the 128-bit hash of an identity that the dedupe window keys
// by, rather than the identity's string: ~80 bytes less per record held,
// which at the default 30s window is most of the comparator's heap. Two
// identities share a key with probability ~n²/2¹²⁹ for n records in a
// window, negligible; the seeds are per process, and a restarted joiner
// rebuilds its window by replay.
type idKey [2]uint64

var idSeeds = [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}

// nanos is t in Unix nanoseconds, clamped to 146 years either side of
// 1970 (a time beyond sorts as its bound, as it should for the window: far
// past, or far future), so that adding the window cannot overflow.
func nanos(t time.Time) int64 {
	lo, hi := time.Unix(0, math.MinInt64/2), time.Unix(0, math.MaxInt64/2)
	switch {
	case t.Before(lo):
		return math.MinInt64 / 2
	case t.After(hi):
		return math.MaxInt64 / 2
	}
	return t.UnixNano()
}

// keyOf is identity's key in the dedupe window.
func keyOf(identity string) idKey {
	return idKey{maphash.String(idSeeds[0], identity), maphash.String(idSeeds[1], identity)}
}

// joiner is the join of one partition of a run: pure state, no I/O. It is
// fed records in offset order per side and produces counts, divergences and
// the checkpoint that lets a restarted joiner rebuild exactly this state.
//
// Its state is: for each side, the next offset, the event-time watermark,
// the records waiting for a partner, and a FIFO of recently processed records
// (the dedupe window) with the first copy of each identity in it. The FIFO
// drops records from its front once the side's watermark has passed them by
// the window, so it is always a contiguous offset range [recentFrom, next)
// of that side's decodable records. A checkpoint therefore only needs the
// offsets, recentFrom, the waiting positions and the watermarks: replaying
// [min(recentFrom, waiting), next) rebuilds the identical state.
type joiner struct {
	rules     *Rules
	window    time.Duration
	partition int

	next       [2]int64
	recentFrom [2]int64
	watermark  [2]time.Time
	waiting    [2]map[string]*rec
	seen       [2]map[idKey]seenEntry
	fifo       [2][]fifoEntry
	// future are the offset ranges of records judged dated past the clock
	// plus the future skew, in offset order, while they lie in the range a
	// restart replays (see futureRanges).
	future [2][]diffstore.Range
	delta  delta
}

// delta is what a joiner found since its last checkpoint.
type delta struct {
	counts      map[time.Time]*diffstore.MinuteCounts
	divergences []diffstore.Divergence
	accepted    []diffstore.AcceptedPair
}

func newJoiner(rules *Rules, window time.Duration, partition int) *joiner {
	j := &joiner{rules: rules, window: window, partition: partition}
	for s := range 2 {
		j.waiting[s] = map[string]*rec{}
		j.seen[s] = map[idKey]seenEntry{}
	}
	j.resetDelta()
	return j
}

func (j *joiner) resetDelta() { j.delta = delta{counts: map[time.Time]*diffstore.MinuteCounts{}} }

// minute returns the count row of t's count bucket (diffstore.CountGrain)
// in the delta.
func (j *joiner) minute(t time.Time) *diffstore.MinuteCounts {
	m := t.UTC().Truncate(diffstore.CountGrain)
	mc, ok := j.delta.counts[m]
	if !ok {
		mc = &diffstore.MinuteCounts{Minute: m, AcceptedByRule: map[string]int64{}}
		j.delta.counts[m] = mc
	}
	return mc
}

// valueSeed seeds hashOf. The hashes are compared only within one process
// (a restarted joiner hashes the records it replays again), so a seed per
// process is enough and keeps the hash unpredictable.
var valueSeed = maphash.MakeSeed()

// hashOf identifies a record's bytes, to tell a byte-identical duplicate
// from one that differs. maphash runs at memory speed; FNV-1a, one multiply
// per byte, was 15% of the comparator's CPU.
func hashOf(b []byte) uint64 { return maphash.Bytes(valueSeed, b) }

// undecodable counts a record of side s whose identity could not be read.
func (j *joiner) undecodable(s side, offset int64, t time.Time) {
	j.next[s] = offset + 1
	mc := j.minute(t)
	if s == control {
		mc.ReadControl++
		mc.UndecodableControl++
	} else {
		mc.ReadCandidate++
		mc.UndecodableCandidate++
	}
}

// add processes one decodable record of side s.
func (j *joiner) add(s side, r *rec) {
	j.next[s] = r.offset + 1
	if r.eventTime.After(j.watermark[s]) {
		j.watermark[s] = r.eventTime
	}
	mc := j.minute(r.eventTime)
	if s == control {
		mc.ReadControl++
	} else {
		mc.ReadCandidate++
	}
	key := keyOf(r.identity)
	j.fifo[s] = append(j.fifo[s], fifoEntry{identity: key, offset: r.offset, eventTime: nanos(r.eventTime)})
	if prev, dup := j.previousCopy(s, r.identity, key); dup {
		j.duplicate(s, r, key, prev)
		return
	}
	j.seen[s][key] = seenOf(r)
	if w, ok := j.waiting[s.other()][r.identity]; ok {
		delete(j.waiting[s.other()], r.identity)
		if s == control {
			j.pair(r, w)
		} else {
			j.pair(w, r)
		}
		return
	}
	j.waiting[s][r.identity] = r
}

// inWindow reports whether a record of event time t is still in its side's
// dedupe window, that side's watermark being wm (both Unix nanoseconds):
// the one rule, which evict applies to the FIFO and previousCopy to each
// new copy.
func (j *joiner) inWindow(t, wm int64) bool { return t+int64(j.window) > wm }

// seenOf is r as the dedupe window remembers it.
func seenOf(r *rec) seenEntry {
	return seenEntry{offset: r.offset, hash: r.hash, eventTime: nanos(r.eventTime)}
}

// previousCopy finds an earlier record of identity on side s: the latest copy
// in the dedupe window, or one still waiting for its partner.
//
// Whether a copy is in the window is decided here, from the side's
// watermark as of this record, and not by whether evict has dropped it yet:
// evict runs once per batch, and batches are cut by timing (what a fetch
// returned, how busy the machine was). Deciding by evict's progress made a
// late redelivery a duplicate in one run and a record missing its partner
// in another run over the same topics. Keeping the latest copy (not the
// first) makes the answer the same after a restart, whose replay can only
// rebuild the copies from the window's start on.
func (j *joiner) previousCopy(s side, identity string, key idKey) (seenEntry, bool) {
	if e, ok := j.seen[s][key]; ok && j.inWindow(e.eventTime, nanos(j.watermark[s])) {
		return e, true
	}
	if w, ok := j.waiting[s][identity]; ok {
		return seenOf(w), true
	}
	return seenEntry{}, false
}

// duplicate counts r as another copy on side s; a copy whose bytes differ
// from the copy before it is also a divergence. r becomes the copy the
// window remembers, as a rebuild's replay would have it.
func (j *joiner) duplicate(s side, r *rec, key idKey, prev seenEntry) {
	j.seen[s][key] = seenOf(r)
	mc := j.minute(r.eventTime)
	kind := diffstore.KindDuplicateControl
	if s == control {
		mc.DuplicatesControl++
	} else {
		mc.DuplicatesCandidate++
		kind = diffstore.KindDuplicateCandidate
	}
	if prev.hash == r.hash {
		return
	}
	d := diffstore.Divergence{Identity: r.identity, Kind: kind, Partition: j.partition, EventTime: r.eventTime,
		Diff: []diffstore.FieldDiff{{Path: "$", Control: json.RawMessage("null"), Candidate: json.RawMessage("null")}}}
	if s == control {
		d.Control, d.Diff[0].Control = r.value, r.value
	} else {
		d.Candidate, d.Diff[0].Candidate = r.value, r.value
	}
	j.delta.divergences = append(j.delta.divergences, d)
}

// pair compares a joined pair and counts the outcome.
func (j *joiner) pair(c, d *rec) {
	t := c.eventTime
	if d.eventTime.Before(t) {
		t = d.eventTime
	}
	mc := j.minute(t)
	mc.Pairs++
	x, y := c.record(), d.record()
	res, err := j.rules.CompareRecords(&x, &y)
	if err != nil {
		// go-cmp could not compare the pair: a divergence, never a silent pass.
		res = Result{Outcome: Divergent, Diffs: []FieldDiff{{Path: "$", Control: c.value, Candidate: d.value}}}
	}
	countEquivalent(mc, res.Equivalent)
	switch res.Outcome {
	case Identical:
		mc.Equal++
		mc.Identical++
	case Equivalent:
		mc.Equal++
		mc.Equivalent++
	case Accepted:
		mc.Accepted++
		for _, rule := range ruleNames(res.Diffs) {
			mc.AcceptedByRule[rule]++
		}
		j.delta.accepted = append(j.delta.accepted, diffstore.AcceptedPair{Identity: c.identity, Diff: storeDiffs(res.Diffs)})
	default:
		mc.Divergent++
		j.delta.divergences = append(j.delta.divergences, diffstore.Divergence{Identity: c.identity,
			Kind: diffstore.KindDivergent, Partition: j.partition, EventTime: t,
			Control: c.value, Candidate: d.value, Diff: storeDiffs(res.Diffs)})
	}
}

// countEquivalent counts, per path, the differences of a pair that do not
// count (whatever the pair's outcome).
func countEquivalent(mc *diffstore.MinuteCounts, paths []string) {
	if len(paths) == 0 {
		return
	}
	if mc.EquivalentByPath == nil {
		mc.EquivalentByPath = map[string]int64{}
	}
	for _, p := range paths {
		mc.EquivalentByPath[p]++
	}
}

func ruleNames(diffs []FieldDiff) []string {
	var names []string
	for _, d := range diffs {
		if d.Rule != "" && !slices.Contains(names, d.Rule) {
			names = append(names, d.Rule)
		}
	}
	return names
}

func storeDiffs(diffs []FieldDiff) []diffstore.FieldDiff {
	out := make([]diffstore.FieldDiff, len(diffs))
	for i, d := range diffs {
		out[i] = diffstore.FieldDiff{Path: d.Path, Control: d.Control, Candidate: d.Candidate, Rule: d.Rule}
	}
	return out
}

// expire declares missing the waiting records whose partner can no longer
// come, on evidence only, never because the other side was quiet: the
// other side's event-time watermark passed the record by the window, or
// the record's offset lies below passed[o], the bound the producers'
// committed input offsets gave for the other side o (see passedBy and
// docs/comparator-evidence.md). passed[o] = 0 says nothing.
func (j *joiner) expire(passed [2]int64) {
	for s := control; s <= candidate; s++ {
		o := s.other()
		for id, w := range j.waiting[s] {
			if w.offset >= passed[o] && j.watermark[o].Before(w.eventTime.Add(j.window)) {
				continue
			}
			delete(j.waiting[s], id)
			j.missing(s, w)
		}
	}
}

// missing counts w, a record of side s, as missing on the other side.
func (j *joiner) missing(s side, w *rec) {
	mc := j.minute(w.eventTime)
	d := diffstore.Divergence{Identity: w.identity, Partition: j.partition, EventTime: w.eventTime}
	if s == control {
		mc.MissingInCandidate++
		d.Kind, d.Control = diffstore.KindMissingInCandidate, w.value
	} else {
		mc.MissingInControl++
		d.Kind, d.Candidate = diffstore.KindMissingInControl, w.value
	}
	j.delta.divergences = append(j.delta.divergences, d)
}

// evict drops from each side's dedupe window the records its watermark has
// passed by the window, and records where the window now starts.
func (j *joiner) evict() {
	for s := range 2 {
		f := j.fifo[s]
		i := 0
		wm := nanos(j.watermark[s])
		for i < len(f) && !j.inWindow(f[i].eventTime, wm) {
			if e, ok := j.seen[s][f[i].identity]; ok && e.offset == f[i].offset {
				delete(j.seen[s], f[i].identity)
			}
			i++
		}
		j.fifo[s] = f[i:]
		if len(j.fifo[s]) > 0 {
			j.recentFrom[s] = j.fifo[s][0].offset
		} else {
			j.recentFrom[s] = j.next[s]
		}
		if cap(j.fifo[s]) > 4096 && len(j.fifo[s]) < cap(j.fifo[s])/4 {
			j.fifo[s] = slices.Clone(j.fifo[s]) // let the dropped prefix be collected
		}
	}
}

// pending returns the positions of the waiting records, sorted by side
// name ("candidate" before "control"), then offset. It runs at every
// commit over up to 2×maxWaiting records: one slice of the right size,
// each side sorted by offset alone.
func (j *joiner) pending() []diffstore.Position {
	n := j.waitingCount()
	if n == 0 {
		return nil
	}
	out := make([]diffstore.Position, 0, n)
	for _, s := range [2]side{candidate, control} {
		start := len(out)
		for _, w := range j.waiting[s] {
			out = append(out, diffstore.Position{Side: s.store(), Offset: w.offset})
		}
		slices.SortFunc(out[start:], func(a, b diffstore.Position) int { return cmp.Compare(a.Offset, b.Offset) })
	}
	return out
}

// waitingCount is the number of records waiting on both sides.
func (j *joiner) waitingCount() int { return len(j.waiting[0]) + len(j.waiting[1]) }

// restore resets the joiner to a checkpoint before a replay: next offsets,
// where each dedupe window starts, and the watermarks. Offsets below 0 mean
// the side was never read.
func (j *joiner) restore(next, recentFrom [2]int64, watermark [2]time.Time) {
	j.next, j.recentFrom, j.watermark = next, recentFrom, watermark
}

// replay rebuilds state from one record of side s below the checkpoint's
// next offset: a waiting record waits again, and a record inside the dedupe
// window re-enters it. Nothing is counted: its counts were committed.
func (j *joiner) replay(s side, r *rec, waiting bool) {
	if r.offset >= j.recentFrom[s] {
		key := keyOf(r.identity)
		j.fifo[s] = append(j.fifo[s], fifoEntry{identity: key, offset: r.offset, eventTime: nanos(r.eventTime)})
		j.seen[s][key] = seenOf(r) // the latest copy, as add keeps it
	}
	if waiting {
		j.waiting[s][r.identity] = r
	}
}

// replayFrom is the first offset of side s a restarted joiner must read
// again: the start of the dedupe window or the oldest waiting record.
func replayFrom(recentFrom int64, pending []diffstore.Position, s side) int64 {
	from := recentFrom
	for _, p := range pending {
		if p.Side == s.store() && p.Offset < from {
			from = p.Offset
		}
	}
	return from
}

// allowed says which sides may be read: a side holding max waiting records
// is paused while the other side is not, so one topic far ahead of the other
// cannot fill memory.
func (j *joiner) allowed(max int) []bool {
	a := []bool{true, true}
	if len(j.waiting[control]) >= max && len(j.waiting[candidate]) < max {
		a[control] = false
	}
	if len(j.waiting[candidate]) >= max && len(j.waiting[control]) < max {
		a[candidate] = false
	}
	return a
}
