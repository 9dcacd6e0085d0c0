package cutover

import "hash/fnv"

// Dedupe remembers the last n identities added, to drop a version's own
// duplicates: a bounded set with first-in, first-out eviction. It is not
// safe for concurrent use.
type Dedupe struct {
	set  map[string]struct{}
	ring []string
	max  int
	next int
}

// NewDedupe returns a Dedupe remembering the last n identities. Its memory
// grows with what it holds: a partition that sees few identities never
// pays for n (preallocating 200,000 per partition cost the switch ~250 MB
// of RSS over 12 partitions).
func NewDedupe(n int) *Dedupe {
	return &Dedupe{set: map[string]struct{}{}, max: max(n, 1)}
}

// Add records id and reports whether it was new.
func (d *Dedupe) Add(id string) bool {
	if _, ok := d.set[id]; ok {
		return false
	}
	if len(d.ring) < d.max {
		d.ring = append(d.ring, id)
	} else {
		delete(d.set, d.ring[d.next])
		d.ring[d.next] = id
		d.next = (d.next + 1) % len(d.ring)
	}
	d.set[id] = struct{}{}
	return true
}

func hashBytes(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}
