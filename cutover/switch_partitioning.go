package cutover

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/twmb/franz-go/pkg/kgo"
)

// LivePartitioning says which partition of the live topic a forwarded
// record goes to (SwitchConfig.LivePartitioning, `oink switch
// --live-partitioning`).
type LivePartitioning string

const (
	// PartitionAsSource, the default, puts each record on the partition
	// its version's topic gave it: downstream cannot tell the versions
	// apart even by partition. The live topic needs the control topic's
	// partition count; a live topic with another count is refused.
	PartitionAsSource LivePartitioning = "source"
	// PartitionByKey puts each record on the partition Kafka's default
	// partitioner picks for its key over the live topic's own count
	// (murmur2(key) & 0x7fffffff mod n, as the Java client and franz-go's
	// StickyKeyPartitioner compute it): for a live topic that already
	// exists with another count. A key always lands on one live partition,
	// so per-key order holds; key, value, timestamp and headers are still
	// the owning version's. A record without a key (null or empty) goes
	// to its source partition mod the live count, which keeps its source
	// partition's order, and is counted (SwitchTotals.Keyless).
	PartitionByKey LivePartitioning = "key"
)

// ParseLivePartitioning returns the partitioning s names: "source" (or
// empty) or "key".
func ParseLivePartitioning(s string) (LivePartitioning, error) {
	switch LivePartitioning(s) {
	case "", PartitionAsSource:
		return PartitionAsSource, nil
	case PartitionByKey:
		return PartitionByKey, nil
	}
	return "", fmt.Errorf("live partitioning %q: want %q (each record on its version's partition) or %q (by murmur2 of its key over the live topic's count) (set --live-partitioning)",
		s, PartitionAsSource, PartitionByKey)
}

// Partition returns the live partition of a version's record with key that
// its version's topic put on partition source, among live partitions.
func (lp LivePartitioning) Partition(key []byte, source, live int) int {
	if lp != PartitionByKey {
		return source
	}
	if len(key) == 0 {
		return source % live
	}
	return oink.KeyPartition(key, live)
}

// keyless reports whether the switch forwards a record with key by its
// source partition although lp partitions by key.
func (lp LivePartitioning) keyless(key []byte) bool { return lp == PartitionByKey && len(key) == 0 }

// seedKeyed fills the dedupe window of a partition partitioned by key (see
// seedDedupe): this partition's last records are spread over every live
// partition, among the other partitions' records. It reads, per live
// partition, the committed tail that holds this partition's last Dedupe
// forwards when traffic is spread evenly (Dedupe × sources / live
// partitions records), keeps the records this partition could have
// forwarded (keys the default partitioner puts on it over the source
// count, as v1 and v2 write; keyless records on its own live partition),
// and remembers them in source-time order. It returns how many committed
// records it read in all: any at all on a live topic whose state topic is
// empty means nothing says what was forwarded.
func (sw *switchWorker) seedKeyed(ctx context.Context, bounds map[int]kafkaio.Bounds) (int, error) {
	cfg := sw.cfg
	per := (int64(cfg.Dedupe)*int64(cfg.sources) + int64(cfg.livePartitions) - 1) / int64(cfg.livePartitions)
	type seen struct {
		r *kgo.Record
		q int
	}
	var mine []seen
	read := 0
	for q, b := range bounds {
		err := kafkaio.ReadCommittedRange(ctx, cfg.Brokers, cfg.Live, q, max(b.Start, b.End-per), b.End, func(r *kgo.Record) error {
			read++
			if sw.mayHaveForwarded(r.Key, q) {
				mine = append(mine, seen{r, q})
			}
			return nil
		})
		if err != nil {
			return read, err
		}
	}
	slices.SortStableFunc(mine, func(a, b seen) int {
		return cmp.Or(a.r.Timestamp.Compare(b.r.Timestamp), cmp.Compare(a.q, b.q), cmp.Compare(a.r.Offset, b.r.Offset))
	})
	for _, s := range mine {
		id, _ := sw.identify(s.r.Key, s.r.Value, s.r.Timestamp)
		sw.seen.Check(id, s.r.Value)
	}
	return read, nil
}

// mayHaveForwarded reports whether a record with key on live partition q
// may be one this partition forwarded by key: its key is one the default
// partitioner puts on this partition over the sources' count, as v1 and v2
// write, or it has no key and q is this partition's keyless destination.
func (sw *switchWorker) mayHaveForwarded(key []byte, q int) bool {
	if len(key) == 0 {
		return sw.p.ID%sw.cfg.livePartitions == q
	}
	return oink.KeyPartition(key, sw.cfg.sources) == sw.p.ID
}

// anyState reports whether the state topic holds anything committed.
func anyState(ctx context.Context, cfg SwitchConfig) (bool, error) {
	bounds, err := kafkaio.CommittedBounds(ctx, cfg.Brokers, cfg.StateTopic)
	if err != nil {
		return false, err
	}
	for _, b := range bounds {
		if b.End > b.Start {
			return true, nil
		}
	}
	return false, nil
}
