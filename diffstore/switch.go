package diffstore

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// SwitchCounts are a switch's counts per source version (index 0: v1, the
// control; 1: v2, the candidate).
type SwitchCounts struct {
	Forwarded  [2]int64 `json:"forwarded"`  // went to the live topic
	NotOwned   [2]int64 `json:"notOwned"`   // skipped: the other version owned their bucket
	Duplicates [2]int64 `json:"duplicates"` // dropped: same identity and bytes as one forwarded
	Collisions [2]int64 `json:"collisions"` // forwarded though their identity was, with other bytes
}

// Add adds o to c.
func (c *SwitchCounts) Add(o SwitchCounts) {
	for s := range 2 {
		c.Forwarded[s] += o.Forwarded[s]
		c.NotOwned[s] += o.NotOwned[s]
		c.Duplicates[s] += o.Duplicates[s]
		c.Collisions[s] += o.Collisions[s]
	}
}

// SwitchSync is one partition's switch state as of a committed
// transaction, with what it forwarded per minute since the last sync.
type SwitchSync struct {
	Run, Live string
	Partition int
	Seq       int64 // the transaction's number; a sync not newer than the stored one is ignored
	Epoch     int16
	Instance  string
	Next      [2]int64
	Parked    int
	Totals    SwitchCounts // since the partition's first transaction
	// Minutes are the records forwarded per minute of source event time
	// (UTC, truncated) and version since the last sync that was stored.
	Minutes map[time.Time][2]int64
}

var versionNames = [2]string{"v1", "v2"}

const (
	switchPartitionForUpdateSQL = `
SELECT seq, forwarded_control, forwarded_candidate FROM switch_partitions
WHERE run = $1 AND live_topic = $2 AND partition = $3 FOR UPDATE`
	switchForwardSQL = `
INSERT INTO switch_forwards AS f (run, live_topic, partition, minute, version, records)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (run, live_topic, partition, minute, version) DO UPDATE SET records = f.records + excluded.records`
	switchForwardUnknownSQL = `
INSERT INTO switch_forwards AS f (run, live_topic, partition, minute, version, records)
VALUES ($1, $2, $3, '-infinity', $4, $5)
ON CONFLICT (run, live_topic, partition, minute, version) DO UPDATE SET records = f.records + excluded.records`
	switchPartitionUpsertSQL = `
INSERT INTO switch_partitions AS p (run, live_topic, partition, seq, epoch, instance, next_control, next_candidate, parked,
    forwarded_control, forwarded_candidate, not_owned_control, not_owned_candidate,
    duplicates_control, duplicates_candidate, collisions_control, collisions_candidate, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, now())
ON CONFLICT (run, live_topic, partition) DO UPDATE SET
    seq = excluded.seq, epoch = excluded.epoch, instance = excluded.instance,
    next_control = excluded.next_control, next_candidate = excluded.next_candidate, parked = excluded.parked,
    forwarded_control = excluded.forwarded_control, forwarded_candidate = excluded.forwarded_candidate,
    not_owned_control = excluded.not_owned_control, not_owned_candidate = excluded.not_owned_candidate,
    duplicates_control = excluded.duplicates_control, duplicates_candidate = excluded.duplicates_candidate,
    collisions_control = excluded.collisions_control, collisions_candidate = excluded.collisions_candidate,
    updated_at = now()`
)

// SyncSwitch stores a partition's switch state, in one transaction: the
// minutes' forwards are added and the partition's row replaced, unless the
// row already holds this seq or a newer one (a sync replayed after a
// restart, or one overtaken by a newer owner's). Forwards the minutes do
// not account for (a crash lost them before they were synced) are added
// under the minute '-infinity', so the minutes always sum to the totals.
func (s *Store) SyncSwitch(ctx context.Context, in SwitchSync) error {
	err := s.inTx(ctx, func(tx pgx.Tx) error {
		var (
			seq  int64
			prev [2]int64
		)
		err := tx.QueryRow(ctx, switchPartitionForUpdateSQL, in.Run, in.Live, in.Partition).Scan(&seq, &prev[0], &prev[1])
		switch {
		case err == pgx.ErrNoRows:
			seq = 0
		case err != nil:
			return err
		case seq >= in.Seq:
			return nil
		}
		var b pgx.Batch
		var minuted [2]int64
		for m, n := range in.Minutes {
			for v := range 2 {
				if n[v] != 0 {
					b.Queue(switchForwardSQL, in.Run, in.Live, in.Partition, m.UTC(), versionNames[v], n[v])
					minuted[v] += n[v]
				}
			}
		}
		for v := range 2 {
			if lost := in.Totals.Forwarded[v] - prev[v] - minuted[v]; lost != 0 {
				b.Queue(switchForwardUnknownSQL, in.Run, in.Live, in.Partition, versionNames[v], lost)
			}
		}
		t := in.Totals
		b.Queue(switchPartitionUpsertSQL, in.Run, in.Live, in.Partition, in.Seq, int(in.Epoch), in.Instance, in.Next[0], in.Next[1],
			in.Parked, t.Forwarded[0], t.Forwarded[1], t.NotOwned[0], t.NotOwned[1], t.Duplicates[0], t.Duplicates[1],
			t.Collisions[0], t.Collisions[1])
		return tx.SendBatch(ctx, &b).Close()
	})
	if err != nil {
		return fmt.Errorf("syncing the switch state of %s/%d for run %q: %w", in.Live, in.Partition, in.Run, err)
	}
	return nil
}

// SwitchPartition is the stored switch state of one switch partition: the
// live partition of that number, or, when the switch partitions the live
// topic by key (--live-partitioning key), the source partition it forwards.
type SwitchPartition struct {
	Live      string       `json:"live"`
	Partition int          `json:"partition"`
	Seq       int64        `json:"seq"`
	Epoch     int          `json:"epoch"`
	Instance  string       `json:"instance"`
	Parked    int          `json:"parked"`
	Counts    SwitchCounts `json:"counts"`
	UpdatedAt time.Time    `json:"updatedAt"`
}

// SwitchSummary is a run's switch provenance: every switch partition's
// state and their sum.
type SwitchSummary struct {
	Partitions []SwitchPartition `json:"partitions"`
	Totals     SwitchCounts      `json:"totals"`
	Parked     int               `json:"parked"`
}

const switchPartitionsSQL = `
SELECT live_topic, partition, seq, epoch, instance, parked,
    forwarded_control, forwarded_candidate, not_owned_control, not_owned_candidate,
    duplicates_control, duplicates_candidate, collisions_control, collisions_candidate, updated_at
FROM switch_partitions WHERE run = $1 ORDER BY live_topic, partition`

// Switch returns run's switch provenance (empty when no switch synced).
func (s *Store) Switch(ctx context.Context, run string) (SwitchSummary, error) {
	var out SwitchSummary
	rows, err := s.db.Query(ctx, switchPartitionsSQL, run)
	if err != nil {
		return out, fmt.Errorf("switch state of run %q: %w", run, err)
	}
	out.Partitions, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (SwitchPartition, error) {
		var p SwitchPartition
		c := &p.Counts
		err := r.Scan(&p.Live, &p.Partition, &p.Seq, &p.Epoch, &p.Instance, &p.Parked,
			&c.Forwarded[0], &c.Forwarded[1], &c.NotOwned[0], &c.NotOwned[1],
			&c.Duplicates[0], &c.Duplicates[1], &c.Collisions[0], &c.Collisions[1], &p.UpdatedAt)
		return p, err
	})
	if err != nil {
		return out, fmt.Errorf("switch state of run %q: %w", run, err)
	}
	for _, p := range out.Partitions {
		out.Totals.Add(p.Counts)
		out.Parked += p.Parked
	}
	return out, nil
}

// SwitchMinute is what a run's switch forwarded in one minute of source
// event time, per version, over every switch partition. Minute is the zero
// time for forwards whose minute was lost.
type SwitchMinute struct {
	Minute    time.Time `json:"minute"`
	Forwarded [2]int64  `json:"forwarded"`
}

const switchMinutesSQL = `
SELECT CASE WHEN minute = '-infinity' THEN NULL ELSE minute END,
    sum(records) FILTER (WHERE version = 'v1'), sum(records) FILTER (WHERE version = 'v2')
FROM switch_forwards WHERE run = $1
GROUP BY minute ORDER BY minute`

// SwitchMinutes returns what run's switch forwarded per minute.
func (s *Store) SwitchMinutes(ctx context.Context, run string) ([]SwitchMinute, error) {
	rows, err := s.db.Query(ctx, switchMinutesSQL, run)
	if err != nil {
		return nil, fmt.Errorf("switch forwards of run %q: %w", run, err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (SwitchMinute, error) {
		var (
			m      SwitchMinute
			minute *time.Time
			n      [2]*int64
		)
		err := r.Scan(&minute, &n[0], &n[1])
		if minute != nil {
			m.Minute = minute.UTC()
		}
		for v := range 2 {
			if n[v] != nil {
				m.Forwarded[v] = *n[v]
			}
		}
		return m, err
	})
	if err != nil {
		return nil, fmt.Errorf("switch forwards of run %q: %w", run, err)
	}
	return out, nil
}
