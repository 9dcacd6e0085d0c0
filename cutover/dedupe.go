package cutover

import "hash/fnv"

// dedupe remembers the last n identities added, to drop a version's own
// duplicates: a bounded set with first-in, first-out eviction.
type dedupe struct {
	set  map[string]struct{}
	ring []string
	next int
}

func newDedupe(n int) *dedupe {
	return &dedupe{set: make(map[string]struct{}, n), ring: make([]string, 0, n)}
}

// add records id and reports whether it was new.
func (d *dedupe) add(id string) bool {
	if _, ok := d.set[id]; ok {
		return false
	}
	if len(d.ring) < cap(d.ring) {
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
