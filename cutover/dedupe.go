package cutover

import (
	"hash/fnv"
	"hash/maphash"
)

// Dedupe remembers the last n identities added, to drop a version's own
// duplicates: a bounded set with first-in, first-out eviction.
//
// It keeps a 128-bit hash of each identity (two independent maphash values
// with seeds chosen per process), not the string: 53 bytes per identity
// instead of ~100, no pointers for the garbage collector to scan, and the
// chance that two of the n identities collide (and a record is taken for a
// duplicate) is below n²/2¹²⁹, about 10⁻²⁸ for n = 200,000. The set and the
// ring grow as identities arrive instead of being allocated for n up front:
// a switch owning 12 partitions with the default n held 114 MB before its
// first record.
type Dedupe struct {
	seeds [2]maphash.Seed
	limit int
	set   map[idHash]struct{}
	ring  []idHash // in arrival order once full, oldest at next
	next  int
}

// idHash is the 128-bit hash of an identity.
type idHash [2]uint64

// NewDedupe returns a Dedupe remembering the last n identities. It is not
// safe for concurrent use.
func NewDedupe(n int) *Dedupe {
	return &Dedupe{seeds: [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}, limit: max(n, 1),
		set: map[idHash]struct{}{}}
}

func (d *Dedupe) hash(id string) idHash {
	return idHash{maphash.String(d.seeds[0], id), maphash.String(d.seeds[1], id)}
}

// Add records id and reports whether it was new.
func (d *Dedupe) Add(id string) bool {
	h := d.hash(id)
	if _, ok := d.set[h]; ok {
		return false
	}
	if len(d.ring) < d.limit {
		d.ring = append(d.ring, h)
	} else {
		delete(d.set, d.ring[d.next])
		d.ring[d.next] = h
		d.next = (d.next + 1) % len(d.ring)
	}
	d.set[h] = struct{}{}
	return true
}

// Len is how many identities are remembered.
func (d *Dedupe) Len() int { return len(d.set) }

func hashBytes(b []byte) uint64 {
	h := fnv.New64a()
	h.Write(b)
	return h.Sum64()
}
