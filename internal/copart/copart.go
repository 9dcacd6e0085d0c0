package copart

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// Config configures Run.
type Config struct {
	Brokers []string
	Group   string
	Topics  []string // co-partitioned topics; all must have the same partition count
	// SessionTimeout, default 6s: how long a dead member keeps its partitions.
	SessionTimeout time.Duration
	Log            *slog.Logger
	// Health, when set, is failing while the member cannot join the group
	// (the broker is unreachable), besides what the workers report.
	Health *Health
}

// Partition is one partition id assigned to this member, for every topic.
type Partition struct {
	ID int
	// Committed is the group's committed offset per topic (or
	// kafka.FirstOffset when none).
	Committed map[string]int64
	// Commit commits offsets per topic for this partition to the group.
	Commit func(offsets map[string]int64) error
}

// Worker processes one partition until ctx ends (the generation ended by a
// rebalance, or Run's ctx ended). Its return ends the generation for every
// partition of this member, so it should return only on ctx's end or a
// fatal error.
type Worker func(ctx context.Context, p Partition) error

// Run joins the group and runs work for each assigned partition, generation
// after generation, until ctx ends. Worker errors are logged and end the
// generation; the member rejoins and the partitions are handed out again.
func Run(ctx context.Context, cfg Config, work Worker) error {
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 6 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID: cfg.Group, Brokers: cfg.Brokers, Topics: cfg.Topics,
		GroupBalancers:    []kafka.GroupBalancer{Balancer{}},
		HeartbeatInterval: 500 * time.Millisecond, SessionTimeout: cfg.SessionTimeout,
		RebalanceTimeout: 2 * cfg.SessionTimeout, JoinGroupBackoff: 300 * time.Millisecond,
		WatchPartitionChanges: true, PartitionWatchInterval: 5 * time.Second,
		StartOffset: kafka.FirstOffset, Timeout: 10 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("consumer group %s: %w", cfg.Group, err)
	}
	defer cg.Close()
	backoff := 300 * time.Millisecond
	for {
		gen, err := cg.Next(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			// A rebalance under load can end a join with [25] Unknown
			// Member ID or [27] Rebalance In Progress: rejoin, never give up
			// while ctx lives.
			cfg.Health.Fail(groupSlot)
			cfg.Log.Warn("joining the group failed; rejoining", "group", cfg.Group, "backoff", backoff, "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(2*backoff, 5*time.Second)
			continue
		}
		backoff = 300 * time.Millisecond
		cfg.Health.OK(groupSlot)
		ids := assigned(gen, cfg.Topics)
		cfg.Log.Info("partitions assigned", "group", cfg.Group, "generation", gen.ID, "partitions", ids)
		for _, id := range ids {
			p := partition(gen, cfg.Topics, id)
			gen.Start(func(gctx context.Context) {
				wctx, cancel := context.WithCancel(ctx)
				defer cancel()
				stop := context.AfterFunc(gctx, cancel)
				defer stop()
				if err := work(wctx, p); err != nil && wctx.Err() == nil {
					cfg.Log.Error("partition worker failed; rejoining", "partition", id, "err", err)
				}
			})
		}
		if len(ids) == 0 {
			// Nothing to do in this generation: wait for the next one.
			gen.Start(func(gctx context.Context) {
				select {
				case <-gctx.Done():
				case <-ctx.Done():
				}
			})
		}
	}
}

// assigned returns the partition ids this member holds in every topic.
func assigned(gen *kafka.Generation, topics []string) []int {
	var ids []int
	for i, t := range topics {
		var these []int
		for _, pa := range gen.Assignments[t] {
			these = append(these, pa.ID)
		}
		slices.Sort(these)
		if i == 0 {
			ids = these
			continue
		}
		ids = slices.DeleteFunc(ids, func(id int) bool { return !slices.Contains(these, id) })
	}
	return ids
}

func partition(gen *kafka.Generation, topics []string, id int) Partition {
	p := Partition{ID: id, Committed: map[string]int64{}}
	for _, t := range topics {
		for _, pa := range gen.Assignments[t] {
			if pa.ID == id {
				p.Committed[t] = pa.Offset
			}
		}
	}
	var mu sync.Mutex // kafka-go's Generation is safe, but keep one commit at a time per partition
	p.Commit = func(offsets map[string]int64) error {
		mu.Lock()
		defer mu.Unlock()
		req := map[string]map[int]int64{}
		for t, off := range offsets {
			req[t] = map[int]int64{id: off}
		}
		return gen.CommitOffsets(req)
	}
	return p
}

// Balancer is a kafka-go GroupBalancer that gives partition p of every topic
// to the same member: partition ids are split into contiguous ranges over
// the members sorted by id. All members of a group must use it (kafka
// rejects mixed protocols with [23] Inconsistent Group Protocol).
type Balancer struct{}

// ProtocolName is the group protocol name, "oink-copartition".
func (Balancer) ProtocolName() string { return "oink-copartition" }

// UserData is empty.
func (Balancer) UserData() ([]byte, error) { return nil, nil }

// AssignGroups assigns the partition ids present in every topic.
func (Balancer) AssignGroups(members []kafka.GroupMember, partitions []kafka.Partition) kafka.GroupMemberAssignments {
	out := kafka.GroupMemberAssignments{}
	if len(members) == 0 {
		return out
	}
	byTopic := map[string][]int{}
	for _, p := range partitions {
		byTopic[p.Topic] = append(byTopic[p.Topic], p.ID)
	}
	var common []int
	first := true
	for _, ids := range byTopic {
		slices.Sort(ids)
		if first {
			common, first = slices.Clone(ids), false
			continue
		}
		common = slices.DeleteFunc(common, func(id int) bool { return !slices.Contains(ids, id) })
	}
	ms := slices.Clone(members)
	slices.SortFunc(ms, func(a, b kafka.GroupMember) int { return strings.Compare(a.ID, b.ID) })
	for i, m := range ms {
		lo, hi := i*len(common)/len(ms), (i+1)*len(common)/len(ms)
		out[m.ID] = map[string][]int{}
		for _, t := range m.Topics {
			if _, ok := byTopic[t]; ok {
				out[m.ID][t] = slices.Clone(common[lo:hi])
			}
		}
	}
	return out
}
