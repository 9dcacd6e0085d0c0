package legacy

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/oinkhq/oink"
	"github.com/segmentio/kafka-go"
)

// TraceHeader is the header the header-extra fault adds: a W3C trace
// context, as a tracing library in v1 would write.
const TraceHeader = "traceparent"

// format applies the format faults drawn for event id to rec, v1's record
// of rt, and logs each: every one changes the record's bytes or metadata
// (never its meaning), so each is logged whenever it is drawn.
func (l *legacy) format(rec *kafka.Message, rt oink.RetailTransaction, id string, f Faults) error {
	apply := []struct {
		fault string
		rate  float64
		fn    func(*kafka.Message, string) error
	}{
		{FaultFieldOrder, f.FieldOrder, reverseMembers},
		{FaultNumberSpelling, f.NumberSpelling, l.respell},
		{FaultHeaderExtra, f.HeaderExtra, l.traceHeader},
		{FaultTimestamp, f.Timestamp, l.shiftTime},
	}
	for _, a := range apply {
		if !l.hit(a.fault, id, a.rate) {
			continue
		}
		if err := a.fn(rec, id); err != nil {
			return fmt.Errorf("v1 fault %s on RTCIM %s: %w", a.fault, rt.RTCIMID, err)
		}
		if err := l.record(rt, a.fault); err != nil {
			return err
		}
	}
	return nil
}

// reverseMembers writes the record's top-level members in reverse order.
func reverseMembers(rec *kafka.Message, _ string) error {
	dec := json.NewDecoder(bytes.NewReader(rec.Value))
	if _, err := dec.Token(); err != nil { // '{'
		return err
	}
	var keys []string
	var values []json.RawMessage
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			return err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return err
		}
		keys, values = append(keys, k.(string)), append(values, v)
	}
	var b bytes.Buffer
	b.WriteByte('{')
	for i := len(keys) - 1; i >= 0; i-- {
		name, err := json.Marshal(keys[i])
		if err != nil {
			return err
		}
		b.Write(name)
		b.WriteByte(':')
		b.Write(values[i])
		if i > 0 {
			b.WriteByte(',')
		}
	}
	b.WriteByte('}')
	rec.Value = b.Bytes()
	return nil
}

// grossMinor finds totals.gross_minor, the one member of that name.
var grossMinor = regexp.MustCompile(`"gross_minor":(-?[0-9]+)`)

// respell writes totals.gross_minor as a decimal (1234.0) or with an
// exponent (1.234e3), chosen by the event: the same number, spelled
// otherwise.
func (l *legacy) respell(rec *kafka.Message, id string) error {
	m := grossMinor.FindSubmatchIndex(rec.Value)
	if m == nil {
		return fmt.Errorf("no totals.gross_minor to respell")
	}
	digits := string(rec.Value[m[2]:m[3]])
	spelled := digits + ".0"
	if draw(l.seed, FaultNumberSpelling+"/form", id) < 0.5 {
		spelled = exponentForm(digits)
	}
	out := append([]byte(nil), rec.Value[:m[2]]...)
	out = append(out, spelled...)
	rec.Value = append(out, rec.Value[m[3]:]...)
	return nil
}

// exponentForm writes an integer with one digit before the point and an
// exponent: 1234 → 1.234e3, 1200 → 1.2e3, 7 → 7e0, 0 → 0e0.
func exponentForm(integer string) string {
	sign, digits := "", integer
	if strings.HasPrefix(digits, "-") {
		sign, digits = "-", digits[1:]
	}
	frac := strings.TrimRight(digits[1:], "0")
	if frac != "" {
		frac = "." + frac
	}
	return fmt.Sprintf("%s%c%se%d", sign, digits[0], frac, len(digits)-1)
}

// traceHeader adds a traceparent header, fixed by the event, that v2 does
// not write.
func (l *legacy) traceHeader(rec *kafka.Message, id string) error {
	sum := sha256.Sum256(fmt.Appendf(nil, "%d/%s", l.seed, id))
	value := "00-" + hex.EncodeToString(sum[:16]) + "-" + hex.EncodeToString(sum[16:24]) + "-01"
	rec.Headers = append(rec.Headers, kafka.Header{Key: TraceHeader, Value: []byte(value)})
	return nil
}

// shiftTime moves the record's timestamp 1 to 999 ms later, fixed by the
// event. The switch routes a record by its timestamp, so a shifted v1
// record near a route transition can be owned by another version than its
// v2 partner: do not run this fault through a cutover.
func (l *legacy) shiftTime(rec *kafka.Message, id string) error {
	ms := 1 + int(draw(l.seed, FaultTimestamp+"/ms", id)*999)
	rec.Time = rec.Time.Add(time.Duration(ms) * time.Millisecond)
	return nil
}
