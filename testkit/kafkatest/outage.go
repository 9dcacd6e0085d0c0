package kafkatest

import (
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// errUnreachable is what the embedded broker "answers" during an outage:
// kfake closes the connection of a controlled request that returns an error.
var errUnreachable = errors.New("kafkatest: broker unreachable (fault injected)")

// outage is the fault switch of an Env's embedded broker.
type outage struct {
	once    sync.Once
	down    atomic.Bool
	mu      sync.Mutex
	trigger func(kmsg.Request) bool // starts the next outage, nil: none armed
	start   func()
}

// Unreachable makes the embedded broker unreachable until the returned
// function is called: from then on it closes the connection of every
// request it receives (ApiVersions, Metadata, Produce, Fetch, group
// requests, … — kfake's Control hook on every key), so every client sees
// the broker gone, as when it crashes, and must reconnect and retry. A
// test on a real cluster is skipped: nothing there can be paused from here.
func (e *Env) Unreachable() (restore func()) {
	e.tb.Helper()
	e.control()
	e.outage.down.Store(true)
	return func() { e.outage.down.Store(false) }
}

// Outage is one broker outage of UnreachableWhen.
type Outage struct {
	// Began is closed when the broker went away, Ended when it came back.
	Began, Ended chan struct{}
}

// UnreachableWhen arms an outage of duration d: the broker becomes
// unreachable (as with Unreachable) at the first request for which trigger
// returns true, that request included, and reachable again d later. Tying
// the outage to a request (say the third Produce to the output topic, see
// NthProduceTo) puts it mid-run however fast the run goes.
func (e *Env) UnreachableWhen(trigger func(kmsg.Request) bool, d time.Duration) *Outage {
	e.tb.Helper()
	e.control()
	o := &Outage{Began: make(chan struct{}), Ended: make(chan struct{})}
	e.outage.mu.Lock()
	e.outage.trigger = trigger
	e.outage.start = func() {
		e.outage.down.Store(true)
		close(o.Began)
		time.AfterFunc(d, func() { // the outage's length, not a wait for something
			e.outage.down.Store(false)
			close(o.Ended)
		})
	}
	e.outage.mu.Unlock()
	return o
}

// NthProduceTo returns a trigger for UnreachableWhen that fires at the nth
// Produce request writing to topic. It is meant for one Env's broker.
func NthProduceTo(topic string, n int) func(kmsg.Request) bool {
	var seen int
	return func(r kmsg.Request) bool {
		p, ok := r.(*kmsg.ProduceRequest)
		if !ok {
			return false
		}
		for _, t := range p.Topics {
			if t.Topic == topic {
				seen++
				return seen >= n
			}
		}
		return false
	}
}

// control installs, once, the Control hook that refuses requests while the
// broker is down and starts an armed outage. kfake runs control functions
// one at a time, so the trigger needs no lock of its own.
func (e *Env) control() {
	c := e.faulty("a broker outage")
	e.outage.once.Do(func() {
		c.Control(func(r kmsg.Request) (kmsg.Response, error, bool) {
			c.KeepControl()
			e.outage.mu.Lock()
			if e.outage.trigger != nil && e.outage.trigger(r) {
				e.outage.trigger = nil
				e.outage.start()
			}
			e.outage.mu.Unlock()
			if e.outage.down.Load() {
				return nil, errUnreachable, true
			}
			return nil, nil, false // not handled: the broker answers as usual
		})
	})
}

// SlowFetches makes the embedded broker answer every Fetch request d late
// (the other requests, on their own connections, go on): a broker too busy
// to answer at once. A test on a real cluster is skipped.
func (e *Env) SlowFetches(d time.Duration) {
	e.tb.Helper()
	c := e.faulty("slow fetches")
	c.ControlKey(int16(kmsg.Fetch), func(kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		c.SleepControl(func() { time.Sleep(d) }) // the injected lateness, not a wait for something
		return nil, nil, false
	})
}
