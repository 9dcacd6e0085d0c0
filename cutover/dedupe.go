package cutover

import "hash/maphash"

// Dedupe remembers the last n identities added, with a hash of the value
// each first came with, to drop a version's own duplicates: a bounded set
// with first-in, first-out eviction.
//
// It keeps a 128-bit hash of each identity (two independent maphash values
// with seeds chosen per process), not the string, and a 64-bit hash of its
// first value, in a ring in arrival order, and finds them through an
// open-addressing table (linear probing, at most 3/4 full) of 32-bit ring
// indexes: 24 bytes in the ring and 5 to 11 in the table per identity, ~32
// on average, where a Go map of the hashes took 53. Nothing holds a pointer, so the garbage collector never scans
// it. The chance that two of the n identities collide (and a record is taken
// for a duplicate) is below n²/2¹²⁹, about 10⁻²⁹ for n = 50,000. The ring
// and the table grow as identities arrive instead of being allocated for n
// up front.
type Dedupe struct {
	seeds [3]maphash.Seed // identity (two) and value
	limit int
	ring  []entry // in arrival order once full, oldest at next
	next  int
	slots []uint32 // 0: empty; i+1: ring[i]; len is a power of two
}

// idHash is the 128-bit hash of an identity.
type idHash [2]uint64

// entry is a remembered identity and the hash of its first value.
type entry struct {
	id    idHash
	value uint64
}

// Seen is what Check found for a record.
type Seen int

const (
	// New: the identity is not in the window; forward the record.
	New Seen = iota
	// Duplicate: the identity came before with the same value bytes; a
	// copy, dropped.
	Duplicate
	// Collision: the identity came before with other value bytes. Two
	// different records share an identity (the rules' identity is not
	// unique, or a version changed its output on a retry): forwarded, so
	// nothing is lost, and counted so an operator can look.
	Collision
)

// minSlots is the table's size before any growth.
const minSlots = 64

// NewDedupe returns a Dedupe remembering the last n identities. It is not
// safe for concurrent use.
func NewDedupe(n int) *Dedupe {
	return &Dedupe{seeds: [3]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed(), maphash.MakeSeed()}, limit: max(n, 1),
		slots: make([]uint32, minSlots)}
}

func (d *Dedupe) hash(id string) idHash {
	return idHash{maphash.String(d.seeds[0], id), maphash.String(d.seeds[1], id)}
}

// Add records id and reports whether it was new, whatever its value.
func (d *Dedupe) Add(id string) bool { return d.add(d.hash(id), 0) == New }

// Check records id with value and says whether the record is new, a
// duplicate (same identity, same value bytes) or a collision (same
// identity, other value bytes). A collision leaves the first value
// remembered.
func (d *Dedupe) Check(id string, value []byte) Seen {
	return d.add(d.hash(id), maphash.Bytes(d.seeds[2], value))
}

func (d *Dedupe) add(h idHash, v uint64) Seen {
	if j := d.find(h); j >= 0 {
		if d.ring[d.slots[j]-1].value == v {
			return Duplicate
		}
		return Collision
	}
	e := entry{id: h, value: v}
	var i int
	if len(d.ring) < d.limit {
		i = d.appendRing(e)
		if 4*len(d.ring) > 3*len(d.slots) {
			d.rehash(2 * len(d.slots))
			return New // rehash placed ring[i]
		}
	} else {
		i = d.next
		d.remove(d.find(d.ring[i].id))
		d.ring[i] = e
		d.next = (d.next + 1) % len(d.ring)
	}
	d.place(i)
	return New
}

// appendRing adds h to the ring, growing it at most to the limit so a full
// ring holds no spare capacity, and returns its index.
func (d *Dedupe) appendRing(e entry) int {
	if len(d.ring) == cap(d.ring) {
		grown := make([]entry, len(d.ring), min(d.limit, max(2*cap(d.ring), minSlots)))
		copy(grown, d.ring)
		d.ring = grown
	}
	d.ring = append(d.ring, e)
	return len(d.ring) - 1
}

// home is the slot where the probe for h starts.
func (d *Dedupe) home(h idHash) int { return int(h[0] & uint64(len(d.slots)-1)) }

// find returns the slot holding h, or -1.
func (d *Dedupe) find(h idHash) int {
	mask := len(d.slots) - 1
	for j := d.home(h); ; j = (j + 1) & mask {
		s := d.slots[j]
		if s == 0 {
			return -1
		}
		if d.ring[s-1].id == h {
			return j
		}
	}
}

// place puts ring index i in the first free slot of its probe sequence.
func (d *Dedupe) place(i int) {
	mask := len(d.slots) - 1
	j := d.home(d.ring[i].id)
	for d.slots[j] != 0 {
		j = (j + 1) & mask
	}
	d.slots[j] = uint32(i + 1)
}

// remove empties slot j and shifts back the entries after it that the
// hole would cut off from their home slot (deletion without tombstones,
// so probes stay short however many identities pass through).
func (d *Dedupe) remove(j int) {
	mask := len(d.slots) - 1
	for k := (j + 1) & mask; d.slots[k] != 0; k = (k + 1) & mask {
		h := d.home(d.ring[d.slots[k]-1].id)
		// The entry at k may move to the hole at j unless its home lies
		// cyclically in (j, k].
		if (k > j && (h <= j || h > k)) || (k < j && h <= j && h > k) {
			d.slots[j] = d.slots[k]
			j = k
		}
	}
	d.slots[j] = 0
}

// rehash rebuilds the table with n slots.
func (d *Dedupe) rehash(n int) {
	d.slots = make([]uint32, n)
	for i := range d.ring {
		d.place(i)
	}
}

// Len is how many identities are remembered.
func (d *Dedupe) Len() int { return len(d.ring) }
