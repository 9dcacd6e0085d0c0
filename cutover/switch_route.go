package cutover

import (
	"context"
	"sync"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/backoff"
)

// routeEvery is how often a switch instance reads the route. A record is
// decided once a route read after its source time covers it (its horizon is
// the database clock at the read plus the plan's margin), so a record that
// reaches the switch younger than the last read waits for the next one:
// this is the most the route adds to a record's latency when every read
// answers at once. One read serves every partition of the instance.
const routeEvery = 50 * time.Millisecond

// routeFeed reads the run's route for every partition worker of one switch
// instance, off their path: a worker takes the latest route read (latest),
// never waits for Postgres, and asks for a read sooner (kick) when it holds
// records the latest route does not cover. Reads that fail are retried
// with capped exponential backoff; while they fail, workers go on deciding
// with the last route read, which stays safe (a route only ever decides
// records before its own horizon) and parks the rest.
//
// Before, each worker read the route itself every 250 ms, and at once on
// every pass that held parked records: twelve partitions made ~50 reads a
// second, each in a worker's path between its fetch and its transaction.
type routeFeed struct {
	store SwitchStore
	run   string
	kick  chan struct{}

	mu    sync.Mutex
	route diffstore.Route
	read  time.Time // when route was read; zero before the first read
	err   error     // the last read's error; nil once a read succeeds
	cond  chan struct{}
}

func newRouteFeed(store SwitchStore, run string) *routeFeed {
	return &routeFeed{store: store, run: run, kick: make(chan struct{}, 1), cond: make(chan struct{})}
}

// loop reads the route every routeEvery, or sooner when kicked, until ctx
// ends; after a failure it waits out a capped exponential backoff first,
// kicked or not: parked records kick on every pass of their worker, and
// while the store is down they would otherwise turn the backoff into back
// to back reads.
func (f *routeFeed) loop(ctx context.Context, log func(wait time.Duration, err error)) {
	bo := backoff.New(100*time.Millisecond, 5*time.Second)
	tick := time.NewTimer(0)
	defer tick.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		case <-f.kick:
			if failing {
				continue // the timer holds the backoff's next read
			}
			tick.Stop() // Go ≥ 1.23: no stale tick can follow
		}
		r, err := f.store.Route(ctx, f.run)
		if ctx.Err() != nil {
			return
		}
		next := routeEvery
		if failing = err != nil; failing {
			next = bo.Next()
			log(next, err)
		} else {
			bo.Reset()
		}
		f.publish(r, err)
		tick.Reset(next)
	}
}

// publish stores a read's outcome and wakes whoever waits for one.
func (f *routeFeed) publish(r diffstore.Route, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.err = err
	if err == nil {
		f.route, f.read = r, time.Now()
	}
	close(f.cond)
	f.cond = make(chan struct{})
}

// latest returns the last route read and when it was read (zero before
// the first), and the last read's error.
func (f *routeFeed) latest() (diffstore.Route, time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.route, f.read, f.err
}

// wanted asks for a read as soon as the loop can make one.
func (f *routeFeed) wanted() {
	select {
	case f.kick <- struct{}{}:
	default: // one is asked for already
	}
}

// await waits for the next read's outcome, at most d; false when ctx
// ended.
func (f *routeFeed) await(ctx context.Context, d time.Duration) bool {
	f.mu.Lock()
	cond := f.cond
	f.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-cond:
	case <-t.C:
	}
	return true
}

// first waits until the feed holds a route, or its last read failed, or ctx
// ends, and returns that: a worker starting a session waits for a route
// rather than park everything it reads.
func (f *routeFeed) first(ctx context.Context) (diffstore.Route, time.Time, error) {
	for {
		f.mu.Lock()
		r, read, err, cond := f.route, f.read, f.err, f.cond
		f.mu.Unlock()
		if !read.IsZero() || err != nil {
			return r, read, err
		}
		f.wanted()
		select {
		case <-ctx.Done():
			return r, read, ctx.Err()
		case <-cond:
		}
	}
}
