package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/twmb/franz-go/pkg/kgo"
)

// refDedupe is how many recent identities per side and partition the
// reference comparator remembers to count duplicates.
const refDedupe = 100_000

// refCompare is the work of RefModeCompare: a join per partition, in
// memory, committed to Postgres after each batch.
type refCompare struct {
	cfg      RefConfig
	instance string
	parts    map[int32]*refJoin
}

// refJoin is one partition's join: the records waiting for a partner, the
// checkpoint it advances, and what the batch in hand found.
type refJoin struct {
	epoch     int64
	next      [2]int64
	watermark [2]time.Time
	waiting   [2]map[string]refRec
	seen      [2]*cutover.Dedupe
	counts    map[time.Time]*diffstore.MinuteCounts
	found     []diffstore.Divergence
	accepted  []diffstore.AcceptedPair
}

// refRec is a record waiting for its partner.
type refRec struct {
	offset int64
	t      time.Time
	value  []byte
}

func newRefCompare(ctx context.Context, cfg RefConfig) (*refCompare, error) {
	rules, err := cfg.Rules.JSON()
	if err != nil {
		return nil, err
	}
	if err := cfg.Store.EnsureRun(ctx, diffstore.Run{Name: cfg.Run, ControlTopic: cfg.From[0], CandidateTopic: cfg.From[1],
		RulesName: cfg.Rules.Name, Rules: rules}); err != nil {
		return nil, err
	}
	host, _ := os.Hostname() // only names the checkpoints' owner
	return &refCompare{cfg: cfg, instance: host + "-" + strconv.Itoa(os.Getpid()) + "-ref", parts: map[int32]*refJoin{}}, nil
}

func (c *refCompare) handle(ctx context.Context, in []*kgo.Record, out []kgo.Record, st *RefStats) ([]kgo.Record, error) {
	touched := map[int32]*refJoin{}
	for _, r := range in {
		j, err := c.join(ctx, r.Partition)
		if err != nil {
			return out, err
		}
		touched[r.Partition] = j
		s := 0
		if r.Topic == c.cfg.From[1] {
			s = 1
		}
		st.Pairs += j.add(c.cfg.Rules, int(r.Partition), s, r)
	}
	for p, j := range touched {
		if err := c.cfg.Store.CommitBatch(ctx, j.batch(c.cfg.Run, int(p))); err != nil {
			return out, fmt.Errorf("committing partition %d: %w", p, err)
		}
		j.reset()
	}
	return out, nil
}

// join returns partition p's join, claiming the partition's checkpoint the
// first time.
func (c *refCompare) join(ctx context.Context, p int32) (*refJoin, error) {
	if j, ok := c.parts[p]; ok {
		return j, nil
	}
	ck, err := c.cfg.Store.ClaimPartition(ctx, c.cfg.Run, int(p), c.instance)
	if err != nil {
		return nil, err
	}
	j := &refJoin{epoch: ck.Epoch, next: [2]int64{diffstore.NoOffset, diffstore.NoOffset}}
	for s := range 2 {
		j.waiting[s] = map[string]refRec{}
		j.seen[s] = cutover.NewDedupe(refDedupe)
	}
	j.reset()
	c.parts[p] = j
	return j, nil
}

func (j *refJoin) reset() {
	j.counts, j.found, j.accepted = map[time.Time]*diffstore.MinuteCounts{}, nil, nil
}

// minute returns the count row of t's bucket.
func (j *refJoin) minute(t time.Time) *diffstore.MinuteCounts {
	m := t.UTC().Truncate(diffstore.CountGrain)
	mc, ok := j.counts[m]
	if !ok {
		mc = &diffstore.MinuteCounts{Minute: m, AcceptedByRule: map[string]int64{}}
		j.counts[m] = mc
	}
	return mc
}

// add joins record r of side s (0 v1, 1 v2) and returns the pairs it made.
func (j *refJoin) add(rules *comparator.Rules, partition, s int, r *kgo.Record) int64 {
	j.next[s] = r.Offset + 1
	id, t, err := rules.Identify(r.Key, r.Value, r.Timestamp)
	if err != nil {
		mc := j.minute(r.Timestamp)
		if s == 0 {
			mc.ReadControl, mc.UndecodableControl = mc.ReadControl+1, mc.UndecodableControl+1
		} else {
			mc.ReadCandidate, mc.UndecodableCandidate = mc.ReadCandidate+1, mc.UndecodableCandidate+1
		}
		return 0
	}
	j.watermark[s] = maxTime(j.watermark[s], t)
	mc := j.minute(t)
	if s == 0 {
		mc.ReadControl++
	} else {
		mc.ReadCandidate++
	}
	if !j.seen[s].Add(id) {
		if s == 0 {
			mc.DuplicatesControl++
		} else {
			mc.DuplicatesCandidate++
		}
		return 0
	}
	w, ok := j.waiting[1-s][id]
	if !ok {
		j.waiting[s][id] = refRec{offset: r.Offset, t: t, value: r.Value}
		return 0
	}
	delete(j.waiting[1-s], id)
	control, candidate := w.value, r.Value
	if s == 0 {
		control, candidate = r.Value, w.value
	}
	j.pair(rules, partition, id, minTime(t, w.t), control, candidate)
	return 1
}

// pair compares a pair and records its outcome, as the comparator does.
func (j *refJoin) pair(rules *comparator.Rules, partition int, id string, t time.Time, control, candidate []byte) {
	mc := j.minute(t)
	mc.Pairs++
	res, err := rules.Compare(control, candidate)
	if err != nil {
		res = comparator.Result{Outcome: comparator.Divergent, Diffs: []comparator.FieldDiff{{Path: "$", Control: control, Candidate: candidate}}}
	}
	diffs := make([]diffstore.FieldDiff, len(res.Diffs))
	for i, d := range res.Diffs {
		diffs[i] = diffstore.FieldDiff{Path: d.Path, Control: d.Control, Candidate: d.Candidate, Rule: d.Rule}
	}
	switch res.Outcome {
	case comparator.Identical:
		mc.Equal++
		mc.Identical++
	case comparator.Equivalent:
		mc.Equal++
		mc.Equivalent++
	case comparator.Accepted:
		mc.Accepted++
		seen := map[string]bool{}
		for _, d := range res.Diffs {
			if !seen[d.Rule] {
				seen[d.Rule] = true
				mc.AcceptedByRule[d.Rule]++
			}
		}
		j.accepted = append(j.accepted, diffstore.AcceptedPair{Identity: id, Diff: diffs})
	default:
		mc.Divergent++
		j.found = append(j.found, diffstore.Divergence{Identity: id, Kind: diffstore.KindDivergent, Partition: partition,
			EventTime: t, Control: control, Candidate: candidate, Diff: diffs})
	}
}

// batch is the partition's checkpoint and the results found since the last.
func (j *refJoin) batch(run string, partition int) diffstore.CommitBatch {
	b := diffstore.CommitBatch{Run: run, Partition: partition, Epoch: j.epoch,
		ControlOffset: j.next[0], CandidateOffset: j.next[1], ControlRecentFrom: j.next[0], CandidateRecentFrom: j.next[1],
		WatermarkControl: j.watermark[0], WatermarkCandidate: j.watermark[1], Divergences: j.found, Accepted: j.accepted,
		Pending: []diffstore.Position{}}
	for s, side := range []diffstore.Side{diffstore.SideControl, diffstore.SideCandidate} {
		for _, w := range j.waiting[s] {
			b.Pending = append(b.Pending, diffstore.Position{Side: side, Offset: w.offset})
		}
	}
	for _, mc := range j.counts {
		b.Counts = append(b.Counts, *mc)
	}
	return b
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
