package cutover

import (
	"math/rand/v2"
	"strconv"
	"testing"
)

func TestDedupeRemembersTheLastN(t *testing.T) {
	t.Parallel()
	d := NewDedupe(3)
	for _, id := range []string{"a", "b", "c"} {
		if !d.Add(id) {
			t.Fatalf("add(%q) the first time = false, want true", id)
		}
	}
	for _, id := range []string{"a", "b", "c"} {
		if d.Add(id) {
			t.Errorf("add(%q) again within the window = true, want false (a duplicate)", id)
		}
	}
	if !d.Add("d") { // evicts "a", the oldest
		t.Fatal(`add("d") = false, want true`)
	}
	if !d.Add("a") { // "a" was evicted: new again, and it evicts "b"
		t.Error(`add("a") after its eviction = false, want true`)
	}
	if d.Add("c") || d.Add("d") {
		t.Error(`"c" and "d" are still in the window: want false`)
	}
	if !d.Add("b") {
		t.Error(`add("b") after its eviction = false, want true`)
	}
	if d.Len() != 3 {
		t.Errorf("len = %d, want 3 (the window)", d.Len())
	}
}

func TestDedupeWindowOfManyIdentities(t *testing.T) {
	t.Parallel()
	const n = 5000
	d := NewDedupe(n)
	for i := range 3 * n {
		if !d.Add("RTCIM-" + strconv.Itoa(i)) {
			t.Fatalf("identity %d taken for a duplicate", i)
		}
	}
	for i := 2 * n; i < 3*n; i++ {
		if d.Add("RTCIM-" + strconv.Itoa(i)) {
			t.Fatalf("identity %d, in the last %d, not remembered", i, n)
		}
	}
	if !d.Add("RTCIM-" + strconv.Itoa(2*n-1)) {
		t.Error("identity just before the window still remembered")
	}
	if d.Len() != n {
		t.Errorf("len = %d, want %d", d.Len(), n)
	}
}

// TestDedupeMatchesAMapAndAQueue checks the hash table against the obvious
// implementation (a set and a FIFO of strings) over many adds from a small
// universe, so duplicates, evictions, probe chains that wrap around the
// table and backward shifts all happen, for several window sizes.
func TestDedupeMatchesAMapAndAQueue(t *testing.T) {
	t.Parallel()
	for _, n := range []int{1, 2, 7, 48, 49, 100, 1000} {
		rng := rand.New(rand.NewPCG(uint64(n), 7))
		d := NewDedupe(n)
		set := map[string]bool{}
		var fifo []string
		for step := range 40 * n {
			id := "RTCIM-" + strconv.Itoa(rng.IntN(3*n))
			want := !set[id]
			if want {
				if len(fifo) == n {
					delete(set, fifo[0])
					fifo = fifo[1:]
				}
				set[id] = true
				fifo = append(fifo, id)
			}
			if got := d.Add(id); got != want {
				t.Fatalf("n=%d step %d: add(%q) = %v, want %v", n, step, id, got, want)
			}
		}
		checkTable(t, d)
		if d.Len() != len(fifo) {
			t.Errorf("n=%d: len = %d, want %d", n, d.Len(), len(fifo))
		}
	}
}

// checkTable checks that every ring entry is found in its own slot and
// the table holds nothing else.
func checkTable(t *testing.T, d *Dedupe) {
	t.Helper()
	used := 0
	for _, s := range d.slots {
		if s != 0 {
			used++
		}
	}
	if used != len(d.ring) {
		t.Errorf("table holds %d entries, ring %d", used, len(d.ring))
	}
	for i, h := range d.ring {
		if j := d.find(h.id); j < 0 || d.slots[j] != uint32(i+1) {
			t.Fatalf("ring[%d] not found in the table (slot %d)", i, j)
		}
	}
	if 4*len(d.ring) > 3*len(d.slots) {
		t.Errorf("table %d/%d full: over 3/4", len(d.ring), len(d.slots))
	}
}

// TestDedupeFullWindowSize checks that a full window of n identities holds
// the ring at exactly n entries and a table of at most 4 slots per entry.
func TestDedupeFullWindowSize(t *testing.T) {
	t.Parallel()
	const n = 50000
	d := NewDedupe(n)
	for i := range 2 * n {
		d.Add("RTCIM-" + strconv.Itoa(i))
	}
	if cap(d.ring) != n {
		t.Errorf("ring capacity %d, want %d (no spare room once full)", cap(d.ring), n)
	}
	if len(d.slots) > 4*n {
		t.Errorf("table of %d slots for %d identities", len(d.slots), n)
	}
	checkTable(t, d)
}

func BenchmarkDedupeAdd(b *testing.B) {
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = "RTCIM-2026-06-01-" + strconv.Itoa(i*7919)
	}
	d := NewDedupe(20000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.Add(ids[i&(len(ids)-1)])
	}
}

// TestInvariantOneLiveCopyDropsOnlyByteEqualCopies: the switch drops a
// record only when its identity and its value bytes equal an earlier
// copy's (invariant 4's "no gap" side): an order's return shares its key
// with its sale, and a same-identity record with other bytes is a
// collision, forwarded and counted, never dropped.
func TestInvariantOneLiveCopyDropsOnlyByteEqualCopies(t *testing.T) {
	t.Parallel()
	d := NewDedupe(100)
	steps := []struct {
		id, value string
		want      Seen
	}{
		{"O1|E1", `{"a":1}`, New},
		{"O1|E2", `{"a":1}`, New}, // the order's second event: another identity
		{"O1|E1", `{"a":1}`, Duplicate},
		{"O1|E1", `{"a":2}`, Collision},
		{"O1|E1", `{"a":1}`, Duplicate}, // the first value stays remembered
	}
	for i, s := range steps {
		if got := d.Check(s.id, []byte(s.value)); got != s.want {
			t.Errorf("step %d: Check(%q, %s) = %v, want %v", i, s.id, s.value, got, s.want)
		}
	}
}
