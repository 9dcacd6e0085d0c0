package copart

import (
	"maps"
	"time"
)

// CommitEvery is how often a Committer sends a busy partition's offsets to
// the group. Every commit is a synchronous round trip to the group
// coordinator, serialised per member: sent after every batch it took 38% of
// the switch's CPU and 12% of the comparator's (BENCHMARKS.md).
const CommitEvery = time.Second

// Committer coalesces a partition's group-offset commits: Commit remembers
// the latest offsets per topic and sends them at most once per CommitEvery,
// or at once when flushed. A commit sent later is still correct for both
// users: the comparator resumes from its Postgres checkpoint and the switch
// from the live topic's tail, and committed offsets only trail them.
// A Committer belongs to one partition worker; it is not safe for
// concurrent use.
type Committer struct {
	p       Partition
	pending map[string]int64
	last    time.Time
}

// NewCommitter returns a Committer for p.
func NewCommitter(p Partition) *Committer {
	return &Committer{p: p, pending: map[string]int64{}, last: time.Now()}
}

// Commit records offsets (the next offset to read per topic) and sends
// everything recorded when flush is true or CommitEvery has passed since the
// last send. It returns the send's error; what failed stays recorded and is
// sent again next time.
func (c *Committer) Commit(offsets map[string]int64, flush bool) error {
	maps.Copy(c.pending, offsets)
	if len(c.pending) == 0 || (!flush && time.Since(c.last) < CommitEvery) {
		return nil
	}
	c.last = time.Now()
	if err := c.p.Commit(c.pending); err != nil {
		return err
	}
	clear(c.pending)
	return nil
}
