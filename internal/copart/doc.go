// Package copart consumes two (or more) co-partitioned topics as one
// consumer group in which partition p of every topic belongs to the same
// member. The comparator and the switch use it: both need record p of v1 and
// record p of v2 in one place, which holds because both versions partition by
// the same key with the same murmur2 partitioner.
//
// Unlike a kafka-go Reader with GroupTopics, it hands each assigned partition
// to a worker that chooses its own start offsets (from a Postgres checkpoint
// or the live topic's tail), so no state depends on Kafka's committed offsets.
//
//	err := copart.Run(ctx, copart.Config{Brokers: b, Group: "oink-compare", Topics: []string{"rtcim.v1", "rtcim.v2"}},
//	    func(ctx context.Context, p copart.Partition) error { … })
package copart
