package producer

import (
	"time"

	"github.com/oinkhq/oink"
)

// FutureCheck refuses an event dated too far ahead of the producer's
// clock. The check stays out of Transform, which is pure (the same event
// always gives the same RTCIM); the clock is injected here instead. Its
// zero value checks against time.Now and oink.DefaultMaxFutureSkew.
//
// An event rejected so is a dead letter of code oink.FutureEventTime,
// field "event_time". v2 and the v1 simulator run the same check before
// anything else of theirs (v1's faults included), so both reject the same
// events and the comparator sees neither half of them; only an event
// within a clock tick of the bound could be judged differently by the
// two, or by one producer on redelivery, which is why the bound is
// minutes, not milliseconds, and generated future events lie days ahead.
type FutureCheck struct {
	now  func() time.Time // nil: time.Now
	skew time.Duration    // zero: oink.DefaultMaxFutureSkew
}

// NewFutureCheck returns the check cfg asks for (its Now and
// MaxFutureSkew).
func NewFutureCheck(cfg Config) FutureCheck {
	return FutureCheck{now: cfg.Now, skew: cfg.MaxFutureSkew}
}

// Check returns an *oink.InputError when ev's event time lies beyond the
// clock plus the skew. An event time that does not parse is left to
// Transform, which names it.
func (f FutureCheck) Check(ev oink.OrderEvent) error {
	t, err := time.Parse(time.RFC3339Nano, ev.EventTime)
	if err != nil {
		return nil
	}
	now := time.Now
	if f.now != nil {
		now = f.now
	}
	skew := f.skew
	if skew <= 0 {
		skew = oink.DefaultMaxFutureSkew
	}
	clock := now()
	if bound := oink.FutureBound(clock, skew); t.After(bound) {
		return oink.Invalid(oink.CodeFutureEventTime, "event_time",
			"%s is %v ahead of this producer's clock (%s), more than the allowed future skew of %v: fix the upstream clock, "+
				"or replay this dead letter once its time is near (--max-future-skew / OINK_MAX_FUTURE_SKEW sets the skew)",
			ev.EventTime, t.Sub(clock).Round(time.Second), clock.UTC().Format(time.RFC3339), skew)
	}
	return nil
}
