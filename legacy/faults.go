package legacy

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// Faults of the v1 simulator: what the legacy service did wrong, each at a
// rate (0..1 of events), plus a fixed output delay.
const (
	FaultRounding = "rounding" // tax rounded half-up instead of half-to-even
	FaultUTCDate  = "utc-date" // business date in UTC instead of store-local
	FaultDrop     = "drop"     // event lost: no RTCIM
	FaultDup      = "dup"      // RTCIM written twice
	FaultReorder  = "reorder"  // lines in another order
	FaultShipping = "shipping" // shipping left out of the totals (no shipped rule accepts it)
	FaultLag      = "lag"      // every record written this much later
)

// Format faults of the v1 simulator: the record means the same, but its
// bytes or metadata differ, so a consumer could tell v1 from v2 (see
// legacy_format.go). The comparator finds them as equivalent-level paths.
// There is no "missing header" fault: v2 writes no header, so v1 has none
// to leave out; an extra header on v1 is the same difference seen from the
// other side.
const (
	FaultFieldOrder     = "field-order"     // the record's members in reverse order
	FaultNumberSpelling = "number-spelling" // totals.gross_minor written 1234.0 or 1.234e3
	FaultHeaderExtra    = "header-extra"    // a traceparent header v2 does not write
	FaultTimestamp      = "timestamp"       // the record's timestamp 1 to 999 ms late
)

// Faults is a parsed --faults value.
type Faults struct {
	Rounding, UTCDate, Drop, Dup, Reorder, Shipping    float64
	FieldOrder, NumberSpelling, HeaderExtra, Timestamp float64
	Lag                                                time.Duration
}

// ParseFaults parses "rounding=0.02,utc-date=0.01,drop=0.001,dup=0.001,
// reorder=0.05,field-order=0.01,number-spelling=0.01,header-extra=0.01,
// timestamp=0.01,lag=200ms". Rates are in [0, 1]; lag is a Go duration. An
// empty string is no fault. Errors name the fault and the fix.
func ParseFaults(s string) (Faults, error) {
	var f Faults
	if strings.TrimSpace(s) == "" {
		return f, nil
	}
	for _, part := range strings.Split(s, ",") {
		name, val, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return f, fmt.Errorf("faults: %q is not name=value (e.g. rounding=0.02 or lag=200ms)", part)
		}
		if name == FaultLag {
			d, err := time.ParseDuration(val)
			if err != nil || d < 0 {
				return f, fmt.Errorf("faults: lag=%q is not a non-negative duration (e.g. lag=200ms)", val)
			}
			f.Lag = d
			continue
		}
		rate, err := strconv.ParseFloat(val, 64)
		if err != nil || rate < 0 || rate > 1 || math.IsNaN(rate) {
			return f, fmt.Errorf("faults: %s=%q is not a rate between 0 and 1 (e.g. %s=0.01)", name, val, name)
		}
		p := f.rate(name)
		if p == nil {
			return f, fmt.Errorf("faults: unknown fault %q (known: %s, lag)", name, strings.Join(slices.Concat(contentFaults, formatFaults), ", "))
		}
		*p = rate
	}
	return f, nil
}

// String renders f in the form ParseFaults reads.
func (f Faults) String() string {
	var parts []string
	add := func(name string, v float64) {
		if v > 0 {
			parts = append(parts, name+"="+strconv.FormatFloat(v, 'g', -1, 64))
		}
	}
	for _, name := range slices.Concat(contentFaults, formatFaults) {
		add(name, *f.rate(name))
	}
	if f.Lag > 0 {
		parts = append(parts, FaultLag+"="+f.Lag.String())
	}
	return strings.Join(parts, ",")
}

// contentFaults are the names of the faults that change what a record
// means, in the order String writes them (before formatFaults).
var contentFaults = []string{FaultRounding, FaultUTCDate, FaultDrop, FaultDup, FaultReorder, FaultShipping}

// formatFaults are the format faults' names, in the order String writes them.
var formatFaults = []string{FaultFieldOrder, FaultNumberSpelling, FaultHeaderExtra, FaultTimestamp}

// rate returns the field of the fault name given as a rate (any of
// contentFaults and formatFaults), or nil for any other name, lag included.
func (f *Faults) rate(name string) *float64 {
	return map[string]*float64{
		FaultRounding: &f.Rounding, FaultUTCDate: &f.UTCDate, FaultDrop: &f.Drop, FaultDup: &f.Dup,
		FaultReorder: &f.Reorder, FaultShipping: &f.Shipping, FaultFieldOrder: &f.FieldOrder,
		FaultNumberSpelling: &f.NumberSpelling, FaultHeaderExtra: &f.HeaderExtra, FaultTimestamp: &f.Timestamp,
	}[name]
}

// draw returns a number in [0, 1) fixed by (seed, fault, event id): the same
// event meets the same faults however often it is redelivered, so a v1 crash
// cannot change the ground truth.
func draw(seed uint64, fault, eventID string) float64 {
	h := sha256.New()
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], seed)
	h.Write(b[:])
	h.Write([]byte(fault))
	h.Write([]byte{0})
	h.Write([]byte(eventID))
	sum := h.Sum(nil)
	return float64(binary.LittleEndian.Uint64(sum)>>11) / (1 << 53)
}

// LiveFaults holds faults that may change while the simulator runs (the
// demo turns a fault on and off). Safe for concurrent use.
type LiveFaults struct{ p atomic.Pointer[Faults] }

// NewLiveFaults returns a holder starting at f.
func NewLiveFaults(f Faults) *LiveFaults {
	l := &LiveFaults{}
	l.Set(f)
	return l
}

// Set replaces the faults from the next event on.
func (l *LiveFaults) Set(f Faults) { l.p.Store(&f) }

// Get returns the faults in force.
func (l *LiveFaults) Get() Faults { return *l.p.Load() }
