package cutover

import (
	"slices"
	"testing"
	"time"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/copart"
)

// TestInvariantOneLiveCopyKeepsParkedRecordsNotYetReadAgain: a session
// resumes from a state whose v1 records at offsets 3 and 7 are parked below
// Next, so it reads v1 again from 3. Its first batch brings only a v2
// record; it decides that and would commit. The state it commits must still
// list 3 and 7: were the session fenced then, the next owner resumes from
// that state, and without them it would start v1 at Next and never forward
// them (invariant 4; two zombie switches once lost 31 records this way).
// Each leaves the list once it is read again and decided.
func TestInvariantOneLiveCopyKeepsParkedRecordsNotYetReadAgain(t *testing.T) {
	t.Parallel()
	rules, err := comparator.LoadRules("../shipped/rules/rtcim.yaml")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	sw := &switchWorker{cfg: SwitchConfig{Identity: rules.Identity(), Live: "live", livePartitions: 12},
		route: diffstore.Route{Horizon: now.Add(time.Hour)}, seen: NewDedupe(100)}
	sw.st = freshState()
	sw.st.Next = [2]int64{10, 10}
	sw.st.Parked = [2][]int64{{3, 7}, nil}
	sw.prov = newProvenance(sw.st)
	sw.replay = [2]map[int64]bool{{3: true, 7: true}, {}}
	read := func(s int, offset int64, order string) {
		m := rtcim(order, "E1", now, "p")
		m.Offset = offset
		sw.take([]copart.Msg{{Topic: s, Message: m}})
	}
	steps := []struct {
		what       string
		read       func()
		wantParked []int64
		wantOut    int
	}{
		{"a v2 record first", func() { read(1, 10, "o-10") }, []int64{3, 7}, 0},
		{"v1's parked record 3 again", func() { read(0, 3, "o-3") }, []int64{7}, 1},
		{"v1's parked record 7 again", func() { read(0, 7, "o-7") }, nil, 1},
	}
	for _, step := range steps {
		step.read()
		out, _ := sw.decide()
		if !slices.Equal(sw.st.Parked[0], step.wantParked) || len(out) != step.wantOut {
			t.Fatalf("after %s: the state lists v1 parked %v and %d records go live; want %v and %d",
				step.what, sw.st.Parked[0], len(out), step.wantParked, step.wantOut)
		}
	}
}
