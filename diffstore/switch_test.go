package diffstore_test

import (
	"testing"
	"time"

	"github.com/oinkhq/oink/diffstore"
)

// TestSwitchSyncIsIdempotentAndExact: a state synced twice counts once, an
// older one is ignored, and forwards whose minute a crash lost are kept
// under the minute '-infinity' so the minutes always sum to the totals.
func TestSwitchSyncIsIdempotentAndExact(t *testing.T) {
	t.Parallel()
	s := txStore(t)
	ctx := t.Context()
	m := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	sync := diffstore.SwitchSync{Run: "r", Live: "rtcim", Partition: 2, Seq: 5, Epoch: 1, Instance: "a",
		Totals:  diffstore.SwitchCounts{Forwarded: [2]int64{3, 1}, Duplicates: [2]int64{1, 0}},
		Minutes: map[time.Time][2]int64{m: {3, 1}}}
	for range 2 {
		if err := s.SyncSwitch(ctx, sync); err != nil {
			t.Fatal(err)
		}
	}
	older := sync
	older.Seq, older.Totals.Forwarded = 4, [2]int64{1, 0}
	if err := s.SyncSwitch(ctx, older); err != nil {
		t.Fatal(err)
	}
	// A newer owner lost the minutes of 2 forwards (v2) before syncing.
	newer := sync
	newer.Seq, newer.Epoch, newer.Totals.Forwarded = 9, 2, [2]int64{4, 3}
	newer.Minutes = map[time.Time][2]int64{m.Add(time.Minute): {1, 0}}
	if err := s.SyncSwitch(ctx, newer); err != nil {
		t.Fatal(err)
	}
	sum, err := s.Switch(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	if sum.Totals.Forwarded != [2]int64{4, 3} || sum.Totals.Duplicates != [2]int64{1, 0} || len(sum.Partitions) != 1 || sum.Partitions[0].Epoch != 2 {
		t.Fatalf("switch summary %+v: want the newest state's totals", sum)
	}
	minutes, err := s.SwitchMinutes(ctx, "r")
	if err != nil {
		t.Fatal(err)
	}
	var total [2]int64
	lost := false
	for _, mm := range minutes {
		total[0] += mm.Forwarded[0]
		total[1] += mm.Forwarded[1]
		lost = lost || (mm.Minute.IsZero() && mm.Forwarded[1] == 2)
	}
	if total != sum.Totals.Forwarded || !lost {
		t.Fatalf("minutes %+v sum to %v, want %v with 2 v2 forwards under the lost minute", minutes, total, sum.Totals.Forwarded)
	}
}
