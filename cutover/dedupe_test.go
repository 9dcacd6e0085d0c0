package cutover

import (
	"strconv"
	"testing"
)

func TestDedupeRemembersTheLastN(t *testing.T) {
	t.Parallel()
	d := newDedupe(3)
	for _, id := range []string{"a", "b", "c"} {
		if !d.add(id) {
			t.Fatalf("add(%q) the first time = false, want true", id)
		}
	}
	for _, id := range []string{"a", "b", "c"} {
		if d.add(id) {
			t.Errorf("add(%q) again within the window = true, want false (a duplicate)", id)
		}
	}
	if !d.add("d") { // evicts "a", the oldest
		t.Fatal(`add("d") = false, want true`)
	}
	if !d.add("a") { // "a" was evicted: new again, and it evicts "b"
		t.Error(`add("a") after its eviction = false, want true`)
	}
	if d.add("c") || d.add("d") {
		t.Error(`"c" and "d" are still in the window: want false`)
	}
	if !d.add("b") {
		t.Error(`add("b") after its eviction = false, want true`)
	}
	if d.len() != 3 {
		t.Errorf("len = %d, want 3 (the window)", d.len())
	}
}

func TestDedupeWindowOfManyIdentities(t *testing.T) {
	t.Parallel()
	const n = 5000
	d := newDedupe(n)
	for i := range 3 * n {
		if !d.add("RTCIM-" + strconv.Itoa(i)) {
			t.Fatalf("identity %d taken for a duplicate", i)
		}
	}
	for i := 2 * n; i < 3*n; i++ {
		if d.add("RTCIM-" + strconv.Itoa(i)) {
			t.Fatalf("identity %d, in the last %d, not remembered", i, n)
		}
	}
	if !d.add("RTCIM-" + strconv.Itoa(2*n-1)) {
		t.Error("identity just before the window still remembered")
	}
	if d.len() != n {
		t.Errorf("len = %d, want %d", d.len(), n)
	}
}

func BenchmarkDedupeAdd(b *testing.B) {
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = "RTCIM-2026-06-01-" + strconv.Itoa(i*7919)
	}
	d := newDedupe(20000)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		d.add(ids[i&(len(ids)-1)])
	}
}
