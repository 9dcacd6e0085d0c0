package cutover

import (
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
