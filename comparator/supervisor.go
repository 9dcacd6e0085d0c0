package comparator

import (
	"context"
	"sync"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/copart"
)

// heartbeatHealth is the heartbeat's slot in the Health of partitions.
const heartbeatHealth = -1

// supervisor watches the partitions of this instance: it writes heartbeats
// (with each side's progress), keeps the side metrics, and ends the run
// when StopWhenIdle says so.
type supervisor struct {
	cfg    Config
	stop   context.CancelFunc
	health *copart.Health
	prober *prober // nil: no input evidence

	mu       sync.Mutex
	parts    map[int]partStatus
	assigned bool
	since    time.Time // when every partition was last seen complete, zero if not
	behind   [2]bool   // as last reported, to log changes
}

type partStatus struct {
	complete bool
	lag      int64
	waiting  int
	// sideLag and behind are the joiner's lag per side (see joiner.lag).
	sideLag [2]time.Duration
	behind  [2]bool
}

func newSupervisor(cfg Config, stop context.CancelFunc) *supervisor {
	return &supervisor{cfg: cfg, stop: stop, parts: map[int]partStatus{}}
}

func (s *supervisor) set(p int, st partStatus) {
	s.mu.Lock()
	s.parts[p] = st
	s.assigned = true
	s.mu.Unlock()
}

func (s *supervisor) drop(p int) {
	s.mu.Lock()
	delete(s.parts, p)
	s.mu.Unlock()
}

// loop heartbeats every second and stops the run once it is idle and complete.
func (s *supervisor) loop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		b := s.snapshot()
		s.report(b)
		if err := s.cfg.Store.Beat(ctx, s.cfg.Run, s.cfg.Instance, b); err != nil && ctx.Err() == nil {
			s.health.Fail(heartbeatHealth)
			s.cfg.Log.Warn("heartbeat failed; retrying at the next beat", "err", err)
		} else {
			s.health.OK(heartbeatHealth)
		}
		s.cfg.Metrics.setLag(b.Lag)
		s.cfg.Metrics.setSides(b.Control, b.Candidate)
		if s.cfg.StopWhenIdle > 0 {
			s.stopWhenIdle(b.CaughtUp)
		}
	}
}

// stopWhenIdle stops the run once it has been complete for StopWhenIdle.
func (s *supervisor) stopWhenIdle(complete bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case !complete || !s.assigned:
		s.since = time.Time{}
	case s.since.IsZero():
		s.since = time.Now()
	case time.Since(s.since) >= s.cfg.StopWhenIdle:
		s.cfg.Log.Info("every partition compared and idle, stopping", "idle", s.cfg.StopWhenIdle)
		s.stop()
	}
}

// snapshot is the heartbeat of this instance now.
func (s *supervisor) snapshot() diffstore.Beat {
	inputLag, _ := s.prober.progress()
	s.mu.Lock()
	defer s.mu.Unlock()
	// No partition is not "all compared": between two generations (a
	// rebalance, the broker unreachable) a member holds none, and stopping
	// then would leave its partitions half done.
	b := diffstore.Beat{CaughtUp: len(s.parts) > 0}
	var lag [2]time.Duration
	var behind [2]bool
	for p, st := range s.parts {
		b.Partitions = append(b.Partitions, p)
		b.Lag += st.lag
		b.CaughtUp = b.CaughtUp && st.complete
		for o := range 2 {
			lag[o] = max(lag[o], st.sideLag[o])
			behind[o] = behind[o] || st.behind[o]
		}
	}
	b.Control = diffstore.SideProgress{Behind: behind[control], LagSeconds: lag[control].Seconds(), InputLag: inputLag[control]}
	b.Candidate = diffstore.SideProgress{Behind: behind[candidate], LagSeconds: lag[candidate].Seconds(), InputLag: inputLag[candidate]}
	return b
}

// report logs each side that falls behind or catches up again.
func (s *supervisor) report(b diffstore.Beat) {
	_, problem := s.prober.progress()
	s.mu.Lock()
	defer s.mu.Unlock()
	for o, sp := range [2]diffstore.SideProgress{b.Control, b.Candidate} {
		if sp.Behind == s.behind[o] {
			continue
		}
		s.behind[o] = sp.Behind
		name := side(o).store()
		if sp.Behind {
			s.cfg.Log.Warn("a side is behind: the other side's records wait for its partners; nothing is counted missing until evidence shows it passed them",
				"side", name, "lag", time.Duration(sp.LagSeconds*float64(time.Second)).Round(time.Millisecond),
				"input_lag", inputLagAttr(sp.InputLag), "evidence", evidenceAttr(problem[o]))
		} else {
			s.cfg.Log.Info("a side keeps pace again", "side", name)
		}
	}
}

func inputLagAttr(n *int64) any {
	if n == nil {
		return "unknown"
	}
	return *n
}

func evidenceAttr(problem string) string {
	if problem == "" {
		return "producer group committed offsets"
	}
	return "none: " + problem
}
