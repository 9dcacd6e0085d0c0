package copart

import (
	"errors"
	"maps"
	"testing"
)

// recorder is a Partition whose Commit records what it was sent and fails
// while fail is set.
type recorder struct {
	sent []map[string]int64
	fail bool
}

func (r *recorder) partition() Partition {
	return Partition{ID: 3, Commit: func(offsets map[string]int64) error {
		if r.fail {
			return errors.New("coordinator unavailable")
		}
		r.sent = append(r.sent, maps.Clone(offsets))
		return nil
	}}
}

func TestCommitterCoalescesUntilFlushed(t *testing.T) {
	t.Parallel()
	r := &recorder{}
	c := NewCommitter(r.partition())
	for off := int64(1); off <= 3; off++ { // within CommitEvery of its creation: held back
		if err := c.Commit(map[string]int64{"v1": off}, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Commit(map[string]int64{"v2": 7}, false); err != nil {
		t.Fatal(err)
	}
	if len(r.sent) != 0 {
		t.Fatalf("sent %v before CommitEvery passed or a flush", r.sent)
	}
	if err := c.Commit(nil, true); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"v1": 3, "v2": 7}
	if len(r.sent) != 1 || !maps.Equal(r.sent[0], want) {
		t.Fatalf("after flush sent %v, want one commit of %v (the latest offset per topic)", r.sent, want)
	}
	if err := c.Commit(nil, true); err != nil || len(r.sent) != 1 {
		t.Errorf("a flush with nothing new sent %v (err %v), want nothing", r.sent[1:], err)
	}
}

func TestCommitterSendsWhenDue(t *testing.T) {
	t.Parallel()
	r := &recorder{}
	c := NewCommitter(r.partition())
	c.last = c.last.Add(-CommitEvery) // a second has passed since the last send
	if err := c.Commit(map[string]int64{"v1": 10}, false); err != nil {
		t.Fatal(err)
	}
	if len(r.sent) != 1 || r.sent[0]["v1"] != 10 {
		t.Fatalf("sent %v, want {v1: 10} once CommitEvery passed", r.sent)
	}
	if err := c.Commit(map[string]int64{"v1": 11}, false); err != nil || len(r.sent) != 1 {
		t.Errorf("sent again right after a send: %v (err %v)", r.sent, err)
	}
}

func TestCommitterKeepsWhatFailed(t *testing.T) {
	t.Parallel()
	r := &recorder{fail: true}
	c := NewCommitter(r.partition())
	if err := c.Commit(map[string]int64{"v1": 5}, true); err == nil {
		t.Fatal("a failed send returned no error")
	}
	r.fail = false
	if err := c.Commit(map[string]int64{"v2": 9}, true); err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"v1": 5, "v2": 9}
	if len(r.sent) != 1 || !maps.Equal(r.sent[0], want) {
		t.Errorf("after a failed send, sent %v; want %v (the failed offsets kept)", r.sent, want)
	}
}
