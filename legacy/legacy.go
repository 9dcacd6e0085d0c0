package legacy

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/producer"
	"github.com/segmentio/kafka-go"
)

// Config configures Run: a producer Config plus the faults.
type Config struct {
	producer.Config
	Faults Faults
	// Live, when set, overrides Faults and is read for every event.
	Live *LiveFaults
	Seed uint64
	// FaultLog, when set, receives one JSON line (a FaultEntry) per fault
	// that changed an event's output, flushed before the batch's offsets are
	// committed. A redelivered batch logs its faults again: readers dedupe
	// by (rtcim_id, fault).
	FaultLog io.Writer
}

// FaultEntry is one line of the fault log: the ground truth a comparator run
// is checked against.
type FaultEntry struct {
	OrderID       string `json:"order_id"`
	SourceEventID string `json:"source_event_id"`
	RTCIMID       string `json:"rtcim_id"`
	Fault         string `json:"fault"`
}

// ReadFaultLog reads a fault log (Config.FaultLog). A redelivered batch
// logs its faults again: each entry is returned once, in the order it was
// first logged.
func ReadFaultLog(r io.Reader) ([]FaultEntry, error) {
	seen := map[FaultEntry]bool{}
	var out []FaultEntry
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		var fe FaultEntry
		if err := json.Unmarshal(sc.Bytes(), &fe); err != nil {
			return nil, fmt.Errorf("fault log line %q: %w", sc.Text(), err)
		}
		if !seen[fe] {
			seen[fe] = true
			out = append(out, fe)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading the fault log: %w", err)
	}
	return out, nil
}

// Run runs the v1 simulator: the RTCIM contract of v2 plus seeded
// faults. Invalid input is counted and, like the real v1, produces nothing
// (to its DLQ when one is set).
func Run(ctx context.Context, cfg Config) (producer.Stats, error) {
	if cfg.Name == "" {
		cfg.Name = "oink-v1-sim"
	}
	live := cfg.Live
	if live == nil {
		live = NewLiveFaults(cfg.Faults)
	}
	l := &legacy{faults: live, seed: cfg.Seed, future: producer.NewFutureCheck(cfg.Config)}
	if cfg.FaultLog != nil {
		l.log = bufio.NewWriter(cfg.FaultLog)
	}
	return producer.Serve(ctx, cfg.Config, l)
}

// legacy is the converter of the v1 simulator.
type legacy struct {
	faults *LiveFaults
	seed   uint64
	log    *bufio.Writer
	future producer.FutureCheck // before any fault: v1 rejects what v2 rejects
}

func (l *legacy) hit(fault, eventID string, rate float64) bool {
	return rate > 0 && draw(l.seed, fault, eventID) < rate
}

func (l *legacy) Convert(m kafka.Message) ([]kafka.Message, error) {
	ev, err := producer.Decode(m.Value)
	if err != nil {
		return nil, err
	}
	want, err := producer.Transform(ev)
	if err != nil {
		return nil, err
	}
	if err := l.future.Check(ev); err != nil {
		return nil, err
	}
	id := ev.EventID
	f := l.faults.Get()
	if l.hit(FaultDrop, id, f.Drop) {
		return nil, l.record(want, FaultDrop)
	}
	v := producer.Variant{Rounding: oink.HalfEven}
	if l.hit(FaultRounding, id, f.Rounding) {
		v.Rounding = oink.HalfUp
	}
	v.UTCBusinessDate = l.hit(FaultUTCDate, id, f.UTCDate)
	got, err := producer.TransformVariant(ev, v)
	if err != nil {
		return nil, err
	}
	if err := l.logChanges(want, got, v); err != nil {
		return nil, err
	}
	if l.hit(FaultShipping, id, f.Shipping) && got.Totals.ShippingMinor > 0 {
		got.Totals.ShippingMinor = 0
		if err := l.record(want, FaultShipping); err != nil {
			return nil, err
		}
	}
	if l.hit(FaultReorder, id, f.Reorder) && len(got.Lines) > 1 {
		got.Lines = slices.Clone(got.Lines)
		slices.Reverse(got.Lines)
		if err := l.record(want, FaultReorder); err != nil {
			return nil, err
		}
	}
	rec, err := producer.Record(got)
	if err != nil {
		return nil, err
	}
	if err := l.format(&rec, want, id, f); err != nil {
		return nil, err
	}
	if l.hit(FaultDup, id, f.Dup) {
		return []kafka.Message{rec, rec}, l.record(want, FaultDup)
	}
	return []kafka.Message{rec}, nil
}

// logChanges logs the rounding and utc-date faults that changed the output;
// a fault that changed nothing (no amount ended in exactly half a minor
// unit, or the local date equals the UTC date) is not a divergence and is
// not logged.
func (l *legacy) logChanges(want, got oink.RetailTransaction, v producer.Variant) error {
	if v.Rounding != oink.HalfEven && !slices.Equal(want.Lines, got.Lines) {
		if err := l.record(want, FaultRounding); err != nil {
			return err
		}
	}
	if v.UTCBusinessDate && want.BusinessDate != got.BusinessDate {
		return l.record(want, FaultUTCDate)
	}
	return nil
}

func (l *legacy) record(rt oink.RetailTransaction, fault string) error {
	if l.log == nil {
		return nil
	}
	b, err := json.Marshal(FaultEntry{OrderID: rt.OrderID, SourceEventID: rt.SourceEventID, RTCIMID: rt.RTCIMID, Fault: fault})
	if err != nil {
		return err
	}
	l.log.Write(b)
	return l.log.WriteByte('\n')
}

// BeforeWrite delays the batch until it is Lag old.
func (l *legacy) BeforeWrite(ctx context.Context, fetched time.Time) error {
	lag := l.faults.Get().Lag
	if lag <= 0 {
		return nil
	}
	t := time.NewTimer(time.Until(fetched.Add(lag)))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

func (l *legacy) AfterWrite() error {
	if l.log == nil {
		return nil
	}
	if err := l.log.Flush(); err != nil {
		return fmt.Errorf("writing the fault log: %w", err)
	}
	return nil
}
