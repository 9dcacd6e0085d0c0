package oink

import "time"

// DefaultMaxFutureSkew is how far ahead of the local clock an event time
// may lie before a component refuses to trust it: v2 and the v1 simulator
// dead-letter such an event (CodeFutureEventTime, field "event_time"), and
// the comparator treats such a record as undecodable, so that no watermark
// ever moves past the clock plus this skew and no route decision waits on a
// date far ahead.
//
// Five minutes is far more than the drift of NTP-synchronised servers
// (milliseconds) and than the few seconds a point-of-sale clock is usually
// off, yet short enough that a record within it waits at most that long
// for its route decision. Every command that reads event times takes
// --max-future-skew (env OINK_MAX_FUTURE_SKEW) to change it.
const DefaultMaxFutureSkew = 5 * time.Minute

// FutureBound returns the latest event time a reader whose clock reads now
// accepts under skew (DefaultMaxFutureSkew when skew is zero or negative).
func FutureBound(now time.Time, skew time.Duration) time.Time {
	if skew <= 0 {
		skew = DefaultMaxFutureSkew
	}
	return now.Add(skew)
}
