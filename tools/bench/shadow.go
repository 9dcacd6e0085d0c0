package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"github.com/oinkhq/oink/legacy"

	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/kafkaio"
)

// shadow is what the comparator and switch roles measure over: v1's and
// v2's topics, written once by `oink legacy` and `oink produce`, and what
// their comparison must find.
type shadow struct {
	v1, v2, dlq string
	v1Records   int64
	v2Records   int64
	// valid events loaded: each is one v1 and one v2 record, one pair, one
	// live record.
	valid int64
	// accepted and divergent are the pairs the comparator must find so,
	// from v1's fault log.
	accepted, divergent int64
	// route the switch follows (switch and pipeline roles).
	route diffstore.Route
}

func (s shadow) topics() []string {
	var out []string
	for _, t := range []string{s.v1, s.v2, s.dlq} {
		if t != "" {
			out = append(out, t)
		}
	}
	return out
}

// routeRun is the run whose route the switch follows.
func (r *runner) routeRun() string { return r.id + "-route" }

// prepareShadow loads the events and runs v1 and v2 over them to
// completion, unmeasured. For the switch it first sets the route, and the
// events take the current time, so that the route is in force at every
// one of them; the comparator's input has fixed event times.
func (r *runner) prepareShadow(ctx context.Context) (*Setup, Load, error) {
	start := fixedStart
	setup := &Setup{Faults: r.cfg.Faults}
	if r.cfg.Role == RoleSwitch {
		route, err := r.db.route(ctx, r.routeRun(), r.cfg.Percent)
		if err != nil {
			return setup, Load{}, err
		}
		r.shadow.route, start, setup.Percent = route, time.Time{}, r.cfg.Percent
	}
	r.shadow.v1, r.shadow.v2, r.shadow.dlq = r.topic("rtcim.v1"), r.topic("rtcim.v2"), r.topic("orders.dlq")
	load, err := r.load(ctx, start)
	defer r.deleteTopics(ctx, r.input) // v1 and v2 are all the role reads
	if err != nil {
		return setup, load, err
	}
	r.shadow.valid = int64(r.cfg.Events - r.invalid)
	began := time.Now()
	if err := r.runShadow(ctx); err != nil {
		return setup, load, err
	}
	setup.Seconds = time.Since(began).Seconds()
	setup.V1Records, setup.V2Records = r.shadow.v1Records, r.shadow.v2Records
	return setup, load, nil
}

// runShadow runs `oink legacy` and `oink produce` over the input until both
// have committed all of it, and reads v1's fault log.
func (r *runner) runShadow(ctx context.Context) error {
	dir, err := os.MkdirTemp("", "oink-bench-")
	if err != nil {
		return fmt.Errorf("creating a directory for v1's fault log: %w", err)
	}
	defer os.RemoveAll(dir)
	faultLog := filepath.Join(dir, "faults.jsonl")
	// Created here, not by the children: the admin client's metadata then
	// knows them when their records are counted.
	if err := kafkaio.EnsureTopics(ctx, r.brokers, r.spec, r.shadow.topics()...); err != nil {
		return err
	}
	// Config.Env is for the measured processes only: a profile or a
	// memory limit set there must not apply to the setup.
	procs, err := r.start(r.shadowProcs(faultLog), nil)
	defer stopAll(procs)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	began := time.Now()
	for _, p := range procs {
		r.cfg.Log.Info("setup running", "process", p.Name())
		if err := p.Wait(ctx); err != nil {
			return err
		}
	}
	r.progress("setup", int64(r.cfg.Events), int64(r.cfg.Events), began)
	if r.shadow.v1Records, err = r.records(ctx, r.shadow.v1); err != nil {
		return err
	}
	if r.shadow.v2Records, err = r.records(ctx, r.shadow.v2); err != nil {
		return err
	}
	if r.shadow.v1Records != r.shadow.valid || r.shadow.v2Records != r.shadow.valid {
		return fmt.Errorf("setup: v1 wrote %d and v2 %d records for %d valid events, want one each",
			r.shadow.v1Records, r.shadow.v2Records, r.shadow.valid)
	}
	r.shadow.accepted, r.shadow.divergent, err = expectedOutcomes(faultLog)
	return err
}

// shadowProcs are v1 and v2 over the input, to its end.
func (r *runner) shadowProcs(faultLog string) []procSpec {
	common := []string{"--brokers", joinComma(r.brokers), "--from", r.input, "--batch-size", strconv.Itoa(r.cfg.BatchSize),
		"--stop-when-idle", r.cfg.StopWhenIdle.String(), "--partitions", strconv.Itoa(r.cfg.Partitions),
		"--replication-factor", strconv.Itoa(r.cfg.ReplicationFactor), "--log-level", "warn", "--json"}
	return []procSpec{
		{name: "oink legacy (setup)", args: append([]string{"legacy", "--to", r.shadow.v1, "--group", r.topic("v1"),
			"--faults", r.faultsFlag(), "--seed", strconv.FormatUint(r.cfg.Seed, 10), "--fault-log", faultLog}, common...)},
		{name: "oink produce (setup)", args: append([]string{"produce", "--to", r.shadow.v2, "--group", r.topic("v2"),
			"--dlq", r.shadow.dlq}, common...)},
	}
}

// faultsFlag is Config.Faults as `oink legacy --faults` takes it.
func (r *runner) faultsFlag() string {
	if r.cfg.Faults == "none" {
		return ""
	}
	return r.cfg.Faults
}

// CheckFaults refuses faults the accounting cannot follow: a dropped or
// duplicated v1 record changes pairs and live records in ways the checks
// would have to guess.
func CheckFaults(s string) error {
	if s == "none" {
		return nil
	}
	f, err := legacy.ParseFaults(s)
	if err != nil {
		return err
	}
	if f.Drop > 0 || f.Dup > 0 {
		return fmt.Errorf("faults %q: drop and dup are not supported by the benchmark's accounting; use rounding, utc-date, reorder, shipping or lag", s)
	}
	return nil
}

// expectedOutcomes reads v1's fault log: under the shipped rules an event
// with a shipping fault is a divergent pair, one with only rounding or
// utc-date faults (reorder changes nothing) an accepted pair.
func expectedOutcomes(path string) (accepted, divergent int64, err error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return 0, 0, nil // no fault hit any event
	}
	if err != nil {
		return 0, 0, fmt.Errorf("reading v1's fault log: %w", err)
	}
	defer f.Close()
	entries, err := legacy.ReadFaultLog(f)
	if err != nil {
		return 0, 0, fmt.Errorf("v1's fault log %s: %w", path, err)
	}
	faults := map[string]map[string]bool{} // identity → faults
	for _, fe := range entries {
		id := fe.OrderID + "|" + fe.SourceEventID
		if faults[id] == nil {
			faults[id] = map[string]bool{}
		}
		faults[id][fe.Fault] = true
	}
	for _, fs := range faults {
		switch {
		case fs[legacy.FaultShipping]:
			divergent++
		case fs[legacy.FaultRounding] || fs[legacy.FaultUTCDate]:
			accepted++
		}
	}
	return accepted, divergent, nil
}
