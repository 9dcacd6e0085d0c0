package comparator

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/backoff"
	"github.com/oinkhq/oink/internal/copart"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// maxWaiting bounds the records one partition holds waiting for a partner
// on one side: past it, that side is not read until the other catches up
// (pairs) or evidence shows the other passed them (they are missing), and
// the other side is reported behind. Memory stays bounded however far apart
// the two topics are.
const maxWaiting = 1000

// partitionWorker compares one partition for as long as this instance owns
// it. After any store error it claims the partition again and resumes from
// the checkpoint, never from memory: what was not committed is redone.
type partitionWorker struct {
	cfg Config
	p   copart.Partition
	w   *kafka.Writer
	sup *supervisor
	// health is shared by the instance's workers.
	health *copart.Health
	// prober is the instance's evidence of input progress (nil: none).
	prober *prober
}

func (pw *partitionWorker) run(ctx context.Context) error {
	defer pw.sup.drop(pw.p.ID)
	// A fenced session means another instance owns the partition now: it
	// ends this generation instead of retrying.
	fenced := func(err error) bool { return errors.Is(err, diffstore.ErrFenced) }
	return pw.health.Retry(ctx, pw.p.ID, pw.cfg.Log, "partition session failed; resuming from the checkpoint", fenced, pw.session)
}

// session claims the partition, rebuilds the joiner from its checkpoint and
// compares until ctx ends or an error. It resets bo once it commits again.
func (pw *partitionWorker) session(ctx context.Context, bo *backoff.Backoff) error {
	cfg := pw.cfg
	ck, err := cfg.Store.ClaimPartition(ctx, cfg.Run, pw.p.ID, cfg.Instance)
	if err != nil {
		return fmt.Errorf("claiming partition %d: %w", pw.p.ID, err)
	}
	j := newJoiner(cfg.Rules, cfg.Window, pw.p.ID)
	start, err := pw.rebuild(ctx, j, ck)
	if err != nil {
		return err
	}
	sides, err := copart.OpenSides(cfg.Brokers, []string{cfg.Control, cfg.Candidate}, pw.p.ID, start[:])
	if err != nil {
		return err
	}
	defer sides.Close()
	group := copart.NewCommitter(pw.p)
	var buf []copart.Msg // each batch is done with before the next
	for ctx.Err() == nil {
		batch, err := sides.NextInto(ctx, buf, cfg.BatchSize, 5*time.Millisecond, 250*time.Millisecond, j.allowed(maxWaiting))
		if err != nil {
			return err
		}
		var dead []kafka.Message
		now := cfg.Now()
		bound := oink.FutureBound(now, cfg.MaxFutureSkew)
		for _, m := range batch {
			if dl := pw.feed(j, side(m.Topic), m.Message, now, bound); dl != nil {
				dead = append(dead, *dl)
			}
		}
		// idle only tells StopWhenIdle that the run looks finished; what is
		// missing is decided on evidence (expire), never on quiet.
		var idle [2]bool
		if len(batch) == 0 {
			idle = [2]bool{sides.Idle(ctx, 0, cfg.Window), sides.Idle(ctx, 1, cfg.Window)}
		}
		passages, lagging := pw.prober.passagesFor(pw.p.ID)
		j.expire(j.passedBy(passages))
		j.evict()
		if len(batch) > 0 || len(j.delta.divergences) > 0 || len(j.delta.counts) > 0 {
			if err := pw.commit(ctx, j, ck.Epoch, dead, group, len(batch) == 0); err != nil {
				return err
			}
		} else if err := group.Commit(nil, true); err != nil { // quiet: send what the last batches left
			cfg.Log.Debug("committing group offsets", "partition", pw.p.ID, "err", err)
		}
		bo.Reset()
		pw.health.OK(pw.p.ID)
		lag, behind := j.lag(maxWaiting, lagging)
		pw.sup.set(pw.p.ID, partStatus{complete: idle[0] && idle[1] && j.waitingCount() == 0, waiting: j.waitingCount(),
			sideLag: lag, behind: behind})
		clear(batch) // the joiner keeps what it needs of each record
		buf = batch
	}
	return nil
}

// rebuild restores the joiner from checkpoint ck by re-reading, per side,
// the records from the start of its dedupe window (or its oldest waiting
// record) up to the checkpoint's next offset. It returns where live reading
// starts on each side.
func (pw *partitionWorker) rebuild(ctx context.Context, j *joiner, ck diffstore.Checkpoint) ([2]int64, error) {
	next := [2]int64{ck.ControlOffset, ck.CandidateOffset}
	recent := [2]int64{ck.ControlRecentFrom, ck.CandidateRecentFrom}
	var wm [2]time.Time
	if ck.WatermarkControl != nil {
		wm[control] = *ck.WatermarkControl
	}
	if ck.WatermarkCandidate != nil {
		wm[candidate] = *ck.WatermarkCandidate
	}
	j.restore(next, recent, wm)
	j.restoreFuture(ck.Future)
	start := [2]int64{kafka.FirstOffset, kafka.FirstOffset}
	topics := [2]string{pw.cfg.Control, pw.cfg.Candidate}
	for s := control; s <= candidate; s++ {
		if next[s] < 0 {
			continue // never read: start at the beginning
		}
		start[s] = next[s]
		waiting := map[int64]bool{}
		for _, p := range ck.Pending {
			if p.Side == s.store() {
				waiting[p.Offset] = true
			}
		}
		from := replayFrom(recent[s], ck.Pending, s)
		err := kafkaio.ReadRange(ctx, pw.cfg.Brokers, topics[s], pw.p.ID, from, next[s], func(m kafka.Message) error {
			if inRanges(ck.Future, s.store(), m.Offset) {
				return nil // judged dated in the future when first read: undecodable, whatever the clock says now
			}
			r, err := pw.decode(m)
			if err == nil {
				j.replay(s, r, waiting[m.Offset])
			}
			return nil
		})
		if err != nil {
			return start, err
		}
	}
	return start, nil
}

// decode reads a record's identity and event time, and keeps what pair
// compares.
func (pw *partitionWorker) decode(m kafka.Message) (*rec, error) {
	id, t, err := pw.cfg.Rules.Identify(m.Key, m.Value, m.Time)
	if err != nil {
		return nil, err
	}
	return &rec{offset: m.Offset, identity: id, eventTime: t, value: m.Value, hash: hashOf(m.Value),
		key: m.Key, headers: m.Headers, timestamp: m.Time}, nil
}

// inRanges reports whether offset of side s lies in one of rs.
func inRanges(rs []diffstore.Range, s diffstore.Side, offset int64) bool {
	for _, r := range rs {
		if r.Side == s && r.From <= offset && offset < r.To {
			return true
		}
	}
	return false
}

// feed processes one live record read at now; an undecodable one, or one
// dated past bound (the clock plus the future skew), is counted and
// returned as a dead letter.
func (pw *partitionWorker) feed(j *joiner, s side, m kafka.Message, now, bound time.Time) *kafka.Message {
	r, err := pw.decode(m)
	if err == nil && r.eventTime.After(bound) {
		return pw.future(j, s, m, r.eventTime, now)
	}
	if err != nil {
		j.undecodable(s, m.Offset, m.Time)
		pw.cfg.Metrics.record(s, false)
		if pw.cfg.DLQ == "" {
			return nil
		}
		dl := deadletter.Record(m, pw.cfg.DLQ, "oink-compare", inputError(err), time.Now())
		return &dl
	}
	pw.cfg.Metrics.record(s, true)
	j.add(s, r)
	return nil
}

// future counts a record dated past the clock plus the future skew as
// undecodable, logs it (key and time, never the payload) and returns its
// dead letter: trusting its time would move the side's watermark there.
func (pw *partitionWorker) future(j *joiner, s side, m kafka.Message, t, now time.Time) *kafka.Message {
	cfg := pw.cfg
	j.futureRecord(s, m.Offset, now)
	cfg.Metrics.record(s, false)
	field := cfg.Rules.EventTimeField()
	if field == "" {
		field = "timestamp" // the rules take the Kafka record's timestamp
	}
	cfg.Log.Warn("record dated past the clock plus --max-future-skew: counted undecodable and dead-lettered",
		"topic", m.Topic, "partition", m.Partition, "offset", m.Offset, "key", string(m.Key), "field", field,
		"event_time", t, "skew", cfg.MaxFutureSkew)
	if cfg.DLQ == "" {
		return nil
	}
	ie := &oink.InputError{Code: oink.CodeFutureEventTime, Stage: oink.StageValueConverter, Field: field,
		Msg: fmt.Sprintf("%s: %s lies %v past this comparator's clock, beyond --max-future-skew %v; fix the clock of whoever stamped it",
			field, t.UTC().Format(time.RFC3339Nano), t.Sub(now).Round(time.Second), cfg.MaxFutureSkew)}
	dl := deadletter.Record(m, cfg.DLQ, "oink-compare", ie, now)
	return &dl
}

// inputError turns a decode failure into the DLQ's error context.
func inputError(err error) *oink.InputError {
	var de *DecodeError
	if errors.As(err, &de) {
		return &oink.InputError{Code: oink.CodeBadJSON, Stage: oink.StageValueConverter, Field: de.Field, Msg: de.Msg}
	}
	return &oink.InputError{Code: oink.CodeBadJSON, Stage: oink.StageValueConverter, Field: "$", Msg: err.Error()}
}

// commit writes the dead letters, then the checkpoint with the batch's
// results in one transaction, then (best effort, for lag tooling) the
// group offsets, through group: once a second while busy, at once when
// quiet. Dead letters go first so no checkpoint covers a record whose
// letter was not written; a crash in between writes a letter twice.
func (pw *partitionWorker) commit(ctx context.Context, j *joiner, epoch int64, dead []kafka.Message, group *copart.Committer, quiet bool) error {
	cfg := pw.cfg
	if len(dead) > 0 {
		if err := pw.w.WriteMessages(ctx, dead...); err != nil {
			return fmt.Errorf("writing %d dead letters to %s: %w", len(dead), cfg.DLQ, err)
		}
	}
	b := diffstore.CommitBatch{Run: cfg.Run, Partition: pw.p.ID, Epoch: epoch,
		ControlOffset: j.next[control], CandidateOffset: j.next[candidate],
		ControlRecentFrom: j.recentFrom[control], CandidateRecentFrom: j.recentFrom[candidate],
		Pending: j.pending(), WatermarkControl: j.watermark[control], WatermarkCandidate: j.watermark[candidate],
		Divergences: j.delta.divergences, Accepted: j.delta.accepted}
	b.Future = j.futureRanges(b.Pending)
	for _, mc := range j.delta.counts {
		b.Counts = append(b.Counts, *mc)
	}
	start := time.Now()
	if err := cfg.Store.CommitBatch(ctx, b); err != nil {
		return fmt.Errorf("committing partition %d: %w", pw.p.ID, err)
	}
	cfg.Metrics.commit(time.Since(start), b)
	j.resetDelta()
	offsets := map[string]int64{}
	if from := replayFrom(j.recentFrom[control], b.Pending, control); from >= 0 {
		offsets[cfg.Control] = from
	}
	if from := replayFrom(j.recentFrom[candidate], b.Pending, candidate); from >= 0 {
		offsets[cfg.Candidate] = from
	}
	if err := group.Commit(offsets, quiet); err != nil {
		cfg.Log.Debug("committing group offsets", "partition", pw.p.ID, "err", err)
	}
	return nil
}
