package cutover

import (
	"strconv"
	"testing"
)

// TestDedupeRemembersTheLastN: an identity is a duplicate while it is among
// the last n added, and new again once n others have pushed it out.
func TestDedupeRemembersTheLastN(t *testing.T) {
	t.Parallel()
	d := NewDedupe(3)
	for i := range 3 {
		if !d.Add(strconv.Itoa(i)) {
			t.Fatalf("Add(%d) = false on first sight, want true", i)
		}
	}
	if d.Add("0") || d.Add("2") {
		t.Error("an identity among the last 3 was not a duplicate")
	}
	if !d.Add("3") { // evicts "0"
		t.Error("Add(3) = false on first sight, want true")
	}
	if !d.Add("0") || d.Add("3") {
		t.Error("after eviction: want 0 new again and 3 still a duplicate")
	}
	if len(d.ring) != 3 || len(d.set) != 3 {
		t.Errorf("holds %d ring entries and %d set entries, want 3 each", len(d.ring), len(d.set))
	}
}
