package comparator

import (
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/diffstore"
)

// stream is a synthetic pair of topics: records per side in offset order.
type stream [2][]*rec

func mkrec(offset int64, id string, t time.Time, body string) *rec {
	v := []byte(fmt.Sprintf(`{"id":%q,"body":%q}`, id, body))
	return &rec{offset: offset, identity: id, eventTime: t, value: v, hash: hashOf(v)}
}

// randomStream builds n identities on both sides with drops, duplicates,
// differing bodies and skew between the sides.
func randomStream(rng *rand.Rand, n int) stream {
	var s stream
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	for i := range n {
		id := fmt.Sprintf("id-%05d", i)
		t := t0.Add(time.Duration(i) * 100 * time.Millisecond)
		for side := range 2 {
			if rng.IntN(50) == 0 {
				continue // dropped on this side
			}
			body := "same"
			if side == 1 && rng.IntN(20) == 0 {
				body = "changed"
			}
			copies := 1
			if rng.IntN(40) == 0 {
				copies = 2
			}
			for range copies {
				s[side] = append(s[side], mkrec(int64(len(s[side])), id, t, body))
			}
		}
	}
	return s
}

// feed runs records through j in a fixed interleaving, expiring and
// evicting every step records, and returns the accumulated counts and the
// divergence keys.
type outcome struct {
	counts diffstore.Counts
	divs   []string
}

func (o *outcome) absorb(j *joiner) {
	for _, mc := range j.delta.counts {
		o.counts = o.counts.Add(mc.Counts)
	}
	for _, d := range j.delta.divergences {
		o.divs = append(o.divs, string(d.Kind)+" "+d.Identity)
	}
	j.resetDelta()
}

func run(j *joiner, s stream, pos [2]int, stopAt int, step int, o *outcome) [2]int {
	for k := 0; ; k++ {
		if stopAt >= 0 && k == stopAt {
			return pos
		}
		moved := false
		for side := range 2 {
			for range 1 + k%3 { // uneven interleaving
				if pos[side] < len(s[side]) {
					j.add(side2(side), s[side][pos[side]])
					pos[side]++
					moved = true
				}
			}
		}
		if k%step == 0 || !moved {
			var ev [2][]passage
			if !moved { // the end: evidence that each side passed all of the other's records
				ev = [2][]passage{{{from: int64(len(s[candidate])), until: int64(len(s[control]))}},
					{{from: int64(len(s[control])), until: int64(len(s[candidate]))}}}
			}
			j.expire(j.passedBy(ev))
			j.evict()
			o.absorb(j)
		}
		if !moved {
			return pos
		}
	}
}

func side2(i int) side { return side(i) }

// TestInvariantJoinerRebuildIsExact: a joiner restored from a checkpoint and
// a replay of the records it names ends with the same counts and
// divergences as one never interrupted, wherever the interruption falls.
func TestInvariantJoinerRebuildIsExact(t *testing.T) {
	t.Parallel()
	rules := DefaultRules()
	for trial := range 20 {
		rng := rand.New(rand.NewPCG(uint64(trial), 7))
		s := randomStream(rng, 400)
		window := 2 * time.Second

		var whole outcome
		run(newJoiner(rules, window, 0), s, [2]int{}, -1, 4, &whole)
		stop := 1 + rng.IntN(150)
		cut := interruptedRun(rules, window, s, stop, 4)
		if !whole.equal(cut) {
			t.Fatalf("trial %d (cut at step %d): interrupted run differs\n got %+v\nwant %+v", trial, stop, cut.counts, whole.counts)
		}
		c := whole.counts
		if c.ReadControl != c.Pairs+c.MissingInCandidate+c.DuplicatesControl ||
			c.ReadCandidate != c.Pairs+c.MissingInControl+c.DuplicatesCandidate {
			t.Fatalf("trial %d: accounting identity broken: %+v", trial, c)
		}
	}
}

// TestInvariantJoinerIgnoresBatchBoundaries is invariant 2 against timing:
// the comparator cuts its batches by what a fetch returned, so a joiner fed
// the same records must count the same whatever the batches were and
// wherever a restart fell. The stream redelivers copies late, up to six
// windows after the first (as a producer does that resumes from old
// offsets after a stall); before the dedupe window was judged by the
// watermark at each record, a copy was a duplicate when its first copy had
// not been evicted yet at the batch's end and missing its partner when it
// had (seen under load in TestChaosStallCandidate). Chains of copies, each
// dated later and within a window of the one before but spanning more than
// a window together, hold the window to the latest copy: judged against the
// first copy, they counted otherwise after a restart whose replay began
// past the first copy.
func TestInvariantJoinerIgnoresBatchBoundaries(t *testing.T) {
	t.Parallel()
	rules := DefaultRules()
	window := 2 * time.Second
	for trial := range 20 {
		rng := rand.New(rand.NewPCG(uint64(trial), 11))
		s := lateRedeliveryStream(rng, 600, window)
		var want outcome
		run(newJoiner(rules, window, 0), s, [2]int{}, -1, 1, &want)
		if want.counts.DuplicatesCandidate == 0 || want.counts.MissingInControl == 0 {
			t.Fatalf("trial %d: the stream has no in-window duplicate or no late copy: %+v", trial, want.counts)
		}
		for _, step := range []int{2, 3, 7, 25, 1000} {
			var got outcome
			run(newJoiner(rules, window, 0), s, [2]int{}, -1, step, &got)
			if !want.equal(got) {
				t.Fatalf("trial %d: batches of %d steps count otherwise than batches of 1\n got %+v\nwant %+v", trial, step, got.counts, want.counts)
			}
			stop := 1 + rng.IntN(200)
			if cut := interruptedRun(rules, window, s, stop, step); !want.equal(cut) {
				t.Fatalf("trial %d: batches of %d steps, restarted at step %d, count otherwise\n got %+v\nwant %+v", trial, step, stop, cut.counts, want.counts)
			}
		}
	}
}

// lateRedeliveryStream is n identities paired in step on both sides; the
// candidate side writes one in eight again, between a few records and six
// windows of event time later, sometimes with other bytes, and one in
// sixteen as a chain of 3 to 6 copies, each dated when written and less
// than half a window after the one before.
func lateRedeliveryStream(rng *rand.Rand, n int, window time.Duration) stream {
	const spacing = 100 * time.Millisecond
	type copyDue struct {
		at    int
		id    string
		t     time.Time
		body  string
		chain int // copies still to come after this one, each restamped
	}
	var s stream
	var due []copyDue
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	maxLate := int(6 * window / spacing)
	maxNear := int(window / spacing / 2)
	for i := range n {
		for k := 0; k < len(due); {
			if due[k].at > i {
				k++
				continue
			}
			d := due[k]
			s[candidate] = append(s[candidate], mkrec(int64(len(s[candidate])), d.id, d.t, d.body))
			due = slices.Delete(due, k, k+1)
			if d.chain > 0 { // the next copy of a chain: within a window of this one, dated when written
				due = append(due, copyDue{at: i + 1 + rng.IntN(maxNear), id: d.id, t: t0.Add(time.Duration(i+1) * spacing), body: d.body, chain: d.chain - 1})
			}
		}
		id := fmt.Sprintf("id-%05d", i)
		t := t0.Add(time.Duration(i) * spacing)
		s[control] = append(s[control], mkrec(int64(len(s[control])), id, t, "same"))
		s[candidate] = append(s[candidate], mkrec(int64(len(s[candidate])), id, t, "same"))
		switch rng.IntN(16) {
		case 0, 1: // a late copy
			body := "same"
			if rng.IntN(4) == 0 {
				body = "again"
			}
			due = append(due, copyDue{at: i + 1 + rng.IntN(maxLate), id: id, t: t, body: body})
		case 2: // a chain of copies, each dated later, spanning more than a window
			due = append(due, copyDue{at: i + 1 + rng.IntN(maxNear), id: id, t: t0.Add(time.Duration(i+1) * spacing), body: "same", chain: 2 + rng.IntN(4)})
		}
	}
	return s
}

// interruptedRun feeds s to a joiner in batches of step steps, checkpoints
// it after stop steps as the worker would (expire, evict, persist), rebuilds
// a fresh joiner from that checkpoint and a replay, and feeds it the rest.
func interruptedRun(rules *Rules, window time.Duration, s stream, stop, step int) outcome {
	var cut outcome
	j := newJoiner(rules, window, 0)
	j.restore([2]int64{-1, -1}, [2]int64{-1, -1}, [2]time.Time{})
	pos := run(j, s, [2]int{}, stop, step, &cut)
	j.expire([2]int64{})
	j.evict()
	cut.absorb(j)
	next, recent, wm, pending := j.next, j.recentFrom, j.watermark, j.pending()

	r := newJoiner(rules, window, 0)
	r.restore(next, recent, wm)
	for sd := control; sd <= candidate; sd++ {
		waiting := map[int64]bool{}
		for _, p := range pending {
			if p.Side == sd.store() {
				waiting[p.Offset] = true
			}
		}
		from := replayFrom(recent[sd], pending, sd)
		for _, rc := range s[sd] {
			if rc.offset >= from && rc.offset < next[sd] {
				r.replay(sd, rc, waiting[rc.offset])
			}
		}
	}
	run(r, s, pos, -1, step, &cut)
	return cut
}

// equal reports whether o and p counted the same and found the same
// divergences (in any order).
func (o outcome) equal(p outcome) bool {
	a, b := slices.Clone(o.divs), slices.Clone(p.divs)
	sort.Strings(a)
	sort.Strings(b)
	return o.counts == p.counts && slices.Equal(a, b)
}

func TestJoinerCases(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		feed  func(j *joiner)
		check func(c diffstore.Counts) bool
	}{
		{"a pair of equal records is one equal pair", func(j *joiner) {
			j.add(control, mkrec(0, "a", t0, "x"))
			j.add(candidate, mkrec(0, "a", t0, "x"))
		}, func(c diffstore.Counts) bool { return c.Pairs == 1 && c.Equal == 1 }},
		{"a second copy on one side is a duplicate, not a pair", func(j *joiner) {
			j.add(control, mkrec(0, "a", t0, "x"))
			j.add(control, mkrec(1, "a", t0, "x"))
			j.add(candidate, mkrec(0, "a", t0, "x"))
		}, func(c diffstore.Counts) bool { return c.Pairs == 1 && c.DuplicatesControl == 1 }},
		{"a record is missing once the other watermark passes it by the window", func(j *joiner) {
			j.add(control, mkrec(0, "a", t0, "x"))
			j.add(candidate, mkrec(0, "b", t0.Add(2*time.Second), "x"))
			j.expire([2]int64{})
		}, func(c diffstore.Counts) bool { return c.MissingInCandidate == 1 && c.MissingInControl == 0 }},
		{"a record within the window still waits", func(j *joiner) {
			j.add(control, mkrec(0, "a", t0, "x"))
			j.add(candidate, mkrec(0, "b", t0.Add(500*time.Millisecond), "x"))
			j.expire([2]int64{})
		}, func(c diffstore.Counts) bool { return c.MissingInCandidate == 0 }},
		{"a quiet other side without evidence never makes a waiting record missing", func(j *joiner) {
			j.add(candidate, mkrec(0, "a", t0, "x"))
			for range 100 {
				j.expire(j.passedBy([2][]passage{}))
			}
		}, func(c diffstore.Counts) bool { return c.MissingInControl == 0 && c.MissingInCandidate == 0 }},
		{"evidence that the other side passed a record makes it missing there", func(j *joiner) {
			j.add(candidate, mkrec(0, "a", t0, "x"))
			j.add(candidate, mkrec(1, "late", t0, "x")) // written after the evidence's snapshot
			for i, id := range []string{"b", "c", "d"} {
				j.add(control, mkrec(int64(i), id, t0, "x"))
			}
			j.expire(j.passedBy([2][]passage{{{from: 1, until: 3}}}))
		}, func(c diffstore.Counts) bool { return c.MissingInControl == 1 && c.MissingInCandidate == 0 }},
		{"evidence the joiner has not read up to on the other side decides nothing", func(j *joiner) {
			j.add(candidate, mkrec(0, "a", t0, "x"))
			j.add(control, mkrec(0, "b", t0, "x"))
			j.expire(j.passedBy([2][]passage{{{from: 1, until: 2}}}))
		}, func(c diffstore.Counts) bool { return c.MissingInControl == 0 }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := newJoiner(DefaultRules(), time.Second, 0)
			j.restore([2]int64{-1, -1}, [2]int64{-1, -1}, [2]time.Time{})
			tc.feed(j)
			var o outcome
			o.absorb(j)
			if !tc.check(o.counts) {
				t.Errorf("counts = %+v", o.counts)
			}
		})
	}
}

// TestJoinerLag: a side whose partners the other side's records wait for
// trails by the other's watermark minus the later of its own and the oldest
// waiting record (so one record in flight on a quiet partition is no lag),
// and is behind once that reaches the window or the other
// side holds maxWaiting records.
func TestJoinerLag(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	j := newJoiner(DefaultRules(), time.Second, 0)
	j.restore([2]int64{-1, -1}, [2]int64{-1, -1}, [2]time.Time{})
	j.add(candidate, mkrec(0, "a", t0, "x"))
	j.add(control, mkrec(0, "a", t0, "x"))
	if lag, behind := j.lag(maxWaiting, [2]int64{}); lag != [2]time.Duration{} || behind != [2]bool{} {
		t.Fatalf("everything paired: lag %v, behind %v; want none", lag, behind)
	}
	for i := 1; i <= 3; i++ {
		j.add(control, mkrec(int64(i), fmt.Sprint("c", i), t0.Add(time.Duration(i)*700*time.Millisecond), "x"))
	}
	lag, behind := j.lag(maxWaiting, [2]int64{})
	if want := 1400 * time.Millisecond; lag[candidate] != want || !behind[candidate] || lag[control] != 0 || behind[control] {
		t.Errorf("v1 0.7s..2.1s waiting, v2 at 0s: lag %v, behind %v; want v2 %v behind, v1 not", lag, behind, want)
	}
	if _, behind := j.lag(3, [2]int64{}); !behind[candidate] {
		t.Errorf("v1 holding maxWaiting records: v2 not behind")
	}
	j.add(candidate, mkrec(1, "c1", t0.Add(700*time.Millisecond), "x"))
	if lag, behind := j.lag(maxWaiting, [2]int64{}); lag[candidate] != 700*time.Millisecond || behind[candidate] {
		t.Errorf("v2 caught up to 0.7s, v1 waiting 1.4s..2.1s: lag %v, behind %v; want 0.7s, not behind", lag, behind)
	}
	if _, behind := j.lag(maxWaiting, [2]int64{candidate: 3}); !behind[candidate] || behind[control] {
		t.Errorf("a v1 record (offset 2) waiting below v2's lagging bound 3: behind %v, want v2 behind", behind)
	}
	if _, behind := j.lag(maxWaiting, [2]int64{candidate: 2}); behind[candidate] {
		t.Errorf("no v1 record waiting below v2's lagging bound 2: v2 behind")
	}
}

// TestPendingOrder: the checkpoint's waiting positions come sorted by side
// name, then offset, whatever order the waiting maps iterate in.
func TestPendingOrder(t *testing.T) {
	t.Parallel()
	j := newJoiner(DefaultRules(), time.Second, 0)
	if got := j.pending(); got != nil {
		t.Fatalf("pending() with nothing waiting = %v, want nil", got)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	var want []diffstore.Position
	for i, off := range rng.Perm(200) {
		s := side(i % 2)
		j.waiting[s][fmt.Sprintf("id-%d", i)] = &rec{offset: int64(off)}
		want = append(want, diffstore.Position{Side: s.store(), Offset: int64(off)})
	}
	slices.SortFunc(want, func(a, b diffstore.Position) int {
		if c := strings.Compare(string(a.Side), string(b.Side)); c != 0 {
			return c
		}
		return cmp.Compare(a.Offset, b.Offset)
	})
	if got := j.pending(); !slices.Equal(got, want) {
		t.Fatalf("pending() = %v\nwant %v", got, want)
	}
}
