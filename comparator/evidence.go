package comparator

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// evidenceKept is how many rounds of evidence the prober keeps per side,
// and how many snapshots of the input's ends. A worker behind the newest
// round uses an older one it has read up to; older rounds than these add
// nothing a newer one does not.
const evidenceKept = 8

// snapshot is the input's end offsets (E) read after the output topics'
// end offsets (below, per side): every record below below[s] was written
// before E was read, so its source event lies below E.
type snapshot struct {
	below [2]map[int]int64
	input map[int]int64
}

// prober gathers the evidence that lets a record be declared missing
// without waiting on the clock (docs/comparator-evidence.md). Each round it
// reads, in this order: the input's end offsets E; each side's producer
// group's committed offsets C on the input; each side's topic end offsets
// H. When C of side o covers E of an earlier round's snapshot (for every
// input partition), o has converted every event below that E, and since a
// producer commits only after its outputs are acknowledged, each of those
// outputs lies below H. The snapshot's below offsets are the previous
// round's H, read before its E. So a record of the other side below them
// whose partner has not arrived once o is read up to H is missing on o.
//
// One prober serves the instance's partition workers (passages) and its
// heartbeats (inputLag); it is safe for concurrent use.
type prober struct {
	brokers []string
	input   string
	groups  [2]string // "" = no evidence for that side
	topics  [2]string
	every   time.Duration
	log     *slog.Logger

	snaps []snapshot       // newest last; only the prober's goroutine uses it
	prev  [2]map[int]int64 // H of the last round

	mu       sync.Mutex
	passages [2][]passageRound // newest last
	// lagging[o], when set, is the previous round's below offsets of the
	// other side: o had not committed, by this round, the events that
	// existed in the input then, so records of the other side below these
	// offsets wait on a side that is behind.
	lagging  [2]map[int]int64
	inputLag [2]*int64
	problem  [2]string // why a side has no evidence, "" when it has
}

// passageRound is one round's evidence for one side, all partitions.
type passageRound struct{ from, until map[int]int64 }

// newProber returns the prober of cfg, or nil when cfg names no input or
// no group: then nothing is ever declared missing but by the watermark.
func newProber(cfg Config) *prober {
	if cfg.Input == "" || (cfg.ControlGroup == "" && cfg.CandidateGroup == "") {
		return nil
	}
	every := min(max(cfg.Window/4, 100*time.Millisecond), time.Second)
	return &prober{brokers: cfg.Brokers, input: cfg.Input, groups: [2]string{cfg.ControlGroup, cfg.CandidateGroup},
		topics: [2]string{cfg.Control, cfg.Candidate}, every: every, log: cfg.Log}
}

// loop runs a round every p.every until ctx ends. A failed round is
// logged and retried at the next tick: without evidence, records wait.
func (p *prober) loop(ctx context.Context) {
	t := time.NewTicker(p.every)
	defer t.Stop()
	for {
		if err := p.round(ctx); err != nil && ctx.Err() == nil {
			p.log.Debug("reading input progress failed; records wait for the next round", "input", p.input, "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// round reads E, then C of both sides, then H of both sides, and publishes
// what they prove.
func (p *prober) round(ctx context.Context) error {
	ends, err := kafkaio.EndOffsets(ctx, p.brokers, p.input)
	if err != nil {
		p.noEvidence(fmt.Sprintf("input topic %s cannot be read (set --input): %v", p.input, err))
		return err
	}
	var committed [2]map[int]int64
	for o := control; o <= candidate; o++ {
		if p.groups[o] == "" {
			continue
		}
		if committed[o], err = groupOffsets(ctx, p.brokers, p.groups[o], p.input, ends); err != nil {
			return err
		}
	}
	var heads [2]map[int]int64
	for o := control; o <= candidate; o++ {
		if heads[o], err = kafkaio.EndOffsets(ctx, p.brokers, p.topics[o]); err != nil {
			return err
		}
	}
	if p.prev[0] != nil {
		p.snaps = append(p.snaps, snapshot{below: p.prev, input: ends})
		if len(p.snaps) > evidenceKept {
			p.snaps = p.snaps[1:]
		}
	}
	p.prev = heads
	p.publish(ends, committed, heads)
	return nil
}

// publish records, per side with a group, its input lag and the newest
// snapshot its committed offsets cover.
func (p *prober) publish(ends map[int]int64, committed [2]map[int]int64, heads [2]map[int]int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for o := control; o <= candidate; o++ {
		if p.groups[o] == "" {
			p.problem[o] = "no producer group given"
			continue
		}
		c := committed[o]
		if !anyCommitted(c) {
			p.inputLag[o], p.lagging[o] = nil, nil
			p.problem[o] = fmt.Sprintf("group %s has no committed offsets on %s", p.groups[o], p.input)
			continue
		}
		lag := inputLag(ends, c)
		p.inputLag[o] = &lag
		p.problem[o] = ""
		p.lagging[o] = nil
		if n := len(p.snaps); n >= 2 && !covers(c, p.snaps[n-2].input) {
			p.lagging[o] = p.snaps[n-2].below[o.other()]
		}
		for i := len(p.snaps) - 1; i >= 0; i-- {
			if covers(c, p.snaps[i].input) {
				r := passageRound{from: p.snaps[i].below[o.other()], until: heads[o]}
				p.passages[o] = append(p.passages[o], r)
				if len(p.passages[o]) > evidenceKept {
					p.passages[o] = p.passages[o][1:]
				}
				break
			}
		}
	}
}

// noEvidence records why no side has evidence this round.
func (p *prober) noEvidence(why string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for o := range p.problem {
		p.problem[o] = why
		p.inputLag[o], p.lagging[o] = nil, nil
	}
}

// passagesFor returns partition part's evidence per side, oldest first,
// and per side o the offset below which records of the other side wait on
// o while it is behind its input (0: none; see lagging).
func (p *prober) passagesFor(part int) (out [2][]passage, lagging [2]int64) {
	if p == nil {
		return out, lagging
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for o := range p.lagging {
		lagging[o] = p.lagging[o][part]
	}
	for o := range p.passages {
		for _, r := range p.passages[o] {
			from, ok1 := r.from[part]
			until, ok2 := r.until[part]
			if ok1 && ok2 {
				out[o] = append(out[o], passage{from: from, until: until})
			}
		}
	}
	return out, lagging
}

// progress returns each side's input lag (nil: unknown) and why it has no
// evidence ("" when it has some).
func (p *prober) progress() (lag [2]*int64, problem [2]string) {
	if p == nil {
		return lag, [2]string{"no input topic or producer group given", "no input topic or producer group given"}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.inputLag, p.problem
}

// anyCommitted reports whether the group committed on any partition: a
// group that never did is unknown, never evidence (a mistyped group name
// must not declare anything missing).
func anyCommitted(c map[int]int64) bool {
	for _, off := range c {
		if off >= 0 {
			return true
		}
	}
	return false
}

// covers reports whether committed offsets c reach ends on every
// partition: a partition never written (end 0) needs no commit.
func covers(c, ends map[int]int64) bool {
	for q, end := range ends {
		if end > 0 && c[q] < end {
			return false
		}
	}
	return true
}

// inputLag sums, over the input's partitions, the events below the end
// that the group has not committed (a partition without a commit counts
// from 0).
func inputLag(ends, c map[int]int64) int64 {
	var n int64
	for q, end := range ends {
		n += max(0, end-max(c[q], 0))
	}
	return n
}

// groupOffsets returns group's committed offset on each partition of
// topic that ends lists (-1 where it has none).
func groupOffsets(ctx context.Context, brokers []string, group, topic string, ends map[int]int64) (map[int]int64, error) {
	req := &kafka.OffsetFetchRequest{GroupID: group, Topics: map[string][]int{}}
	for q := range ends {
		req.Topics[topic] = append(req.Topics[topic], q)
	}
	resp, err := kafkaio.Client(brokers).OffsetFetch(ctx, req)
	if err == nil && resp.Error != nil {
		err = resp.Error
	}
	if err != nil {
		return nil, fmt.Errorf("fetching the offsets of group %s on %s: %w", group, topic, err)
	}
	out := make(map[int]int64, len(ends))
	for q := range ends {
		out[q] = -1
	}
	for _, op := range resp.Topics[topic] {
		if op.Error != nil && !errors.Is(op.Error, kafka.UnknownTopicOrPartition) {
			return nil, fmt.Errorf("fetching the offsets of group %s on %s/%d: %w", group, topic, op.Partition, op.Error)
		}
		if op.CommittedOffset >= 0 {
			out[op.Partition] = op.CommittedOffset
		}
	}
	return out, nil
}
