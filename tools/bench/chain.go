package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"time"
)

// chain is one pipeline of the pipeline role: load generator → v1 and v2 →
// comparator and switch, each a process, all running at once.
type chain struct {
	p                              Pipeline
	orders, v1, v2, dlq, cmp, live string
	gV1, gV2, gCmp, gSwitch        string
	run                            string // the comparator's run
	faultLog                       string
	tail                           *liveTail
	// stages are the other topics' tails, with Config.Trace.
	stages  []stageTail
	started time.Time
	// liveFactor is how many live records a valid event makes: 1, or 2
	// for the raw chain, which copies both versions' records.
	liveFactor int64
	// What the progress reader learns on the way: -1 until known.
	valid, v1End, v2End int64
}

func (r *runner) newChain(p Pipeline) *chain {
	t := func(name string) string { return r.topic(string(p) + "." + name) }
	c := &chain{p: p, orders: t("orders"), v1: t("rtcim.v1"), v2: t("rtcim.v2"), live: t("rtcim"),
		gV1: t("v1"), gV2: t("v2"), gCmp: t("compare"), gSwitch: t("switch"), run: r.id + "-" + string(p),
		faultLog: filepath.Join(r.tmp, string(p)+"-faults.jsonl"), liveFactor: 1, valid: -1, v1End: -1, v2End: -1}
	c.tail = newTail(r.brokers, c.live)
	if r.cfg.Trace != "" {
		c.stages = c.traceStages(r.brokers)
	}
	switch p {
	case RefRaw:
		c.cmp, c.liveFactor = t("compared"), 2
	default:
		c.dlq, c.cmp = t("orders.dlq"), t("compare.dlq")
	}
	return c
}

func (c *chain) topics() []string {
	out := []string{c.orders, c.v1, c.v2, c.cmp, c.live}
	switch c.p {
	case Oink:
		out = append(out, c.dlq)
	case RefTransform:
		out = append(out, c.dlq, c.dlq+".v1")
	}
	return out
}

// chainPlan is pipeline p of the pipeline role, complete once the live
// topic holds a record for every valid event (two for the raw chain) and
// the comparator has accounted for every v1 and v2 record.
func (r *runner) chainPlan(p Pipeline) measurement {
	c := r.newChain(p)
	n := int64(r.cfg.Events)
	m := measurement{pipeline: p, unit: "events", units: n, target: n, topics: c.topics(), procs: r.chainProcs(c),
		cleanup: func() {
			c.tail.halt()
			for _, s := range c.stages {
				s.tail.halt()
			}
		}}
	if p != RefRaw {
		r.db.track(c.run)
	}
	m.progress = func(ctx context.Context) (progressReader, error) {
		read, err := r.chainProgress(ctx, c)
		if err != nil {
			return nil, err
		}
		if err := c.startTrace(ctx); err != nil {
			return nil, err
		}
		return read, c.tail.start(ctx)
	}
	m.check = func(ctx context.Context, res *Result, _ []*proc) error { return r.checkChain(ctx, c, res) }
	return m
}

// chainProcs are the chain's processes. The oink chain runs the real
// commands; the transform chain kgo pipes doing their work (v1 is the
// transform without faults); the raw chain kgo copies.
func (r *runner) chainProcs(c *chain) []procSpec {
	num := func(n int) string { return strconv.Itoa(n) }
	create := []string{"--partitions", num(r.cfg.Partitions), "--replication-factor", num(r.cfg.ReplicationFactor)}
	batch := []string{"--batch-size", num(r.cfg.BatchSize)}
	both := c.v1 + "," + c.v2
	loadgen := procSpec{name: "oink loadgen", quiet: true, args: append(append([]string{"loadgen", "--topic", c.orders, "--count", num(r.cfg.Events),
		"--seed", strconv.FormatUint(r.cfg.Seed, 10), "--invalid-ratio", strconv.FormatFloat(r.cfg.InvalidRatio, 'g', -1, 64),
		"--rate", strconv.FormatFloat(r.cfg.Rate, 'g', -1, 64), "--json"}, create...), r.childFlags()...)}
	spec := func(name string, args ...string) procSpec {
		return procSpec{name: name, untilEnd: true, stopAtEnd: true, args: append(args, r.childFlags()...)}
	}
	ref := func(mode RefMode, from, to, group string, extra ...string) []string {
		a := []string{"bench", "ref", string(mode), "--from", from, "--group", group}
		if to != "" {
			a = append(a, "--to", to)
		}
		return append(append(a, batch...), extra...)
	}
	switch c.p {
	case Oink:
		return []procSpec{loadgen,
			spec("oink legacy", append(append([]string{"legacy", "--from", c.orders, "--to", c.v1, "--group", c.gV1, "--faults", r.faultsFlag(),
				"--seed", strconv.FormatUint(r.cfg.Seed, 10), "--fault-log", c.faultLog}, batch...), create...)...),
			spec("oink produce", append(append([]string{"produce", "--from", c.orders, "--to", c.v2, "--dlq", c.dlq, "--group", c.gV2}, batch...), create...)...),
			spec("oink compare", append([]string{"compare", "--run", c.run, "--control", c.v1, "--candidate", c.v2, "--group", c.gCmp,
				"--input", c.orders, "--control-group", c.gV1, "--candidate-group", c.gV2,
				"--rules", r.cfg.RulesFile, "--window", compareWindow.String(), "--dlq", c.cmp}, create...)...),
			spec("oink switch", append([]string{"switch", "--run", r.routeRun(), "--control", c.v1, "--candidate", c.v2, "--live", c.live,
				"--group", c.gSwitch, "--rules", r.cfg.RulesFile}, create...)...),
		}
	case RefTransform:
		return []procSpec{loadgen,
			spec("ref transform (v1)", ref(RefModeTransform, c.orders, c.v1, c.gV1, "--dlq", c.dlq+".v1")...),
			spec("ref transform (v2)", ref(RefModeTransform, c.orders, c.v2, c.gV2, "--dlq", c.dlq)...),
			spec("ref compare", ref(RefModeCompare, both, "", c.gCmp, "--run", c.run, "--rules", r.cfg.RulesFile)...),
			spec("ref switch", ref(RefModeSwitch, both, c.live, c.gSwitch, "--run", r.routeRun(), "--rules", r.cfg.RulesFile)...),
		}
	}
	return []procSpec{loadgen,
		spec("ref raw (v1)", ref(RefModeRaw, c.orders, c.v1, c.gV1)...),
		spec("ref raw (v2)", ref(RefModeRaw, c.orders, c.v2, c.gV2)...),
		spec("ref raw (compare)", ref(RefModeRaw, both, c.cmp, c.gCmp)...),
		spec("ref raw (switch)", ref(RefModeRaw, both, c.live, c.gSwitch)...),
	}
}

// chainProgress reads a chain's progress: the live records the tail has
// read, complete once there is one per valid event (known once v2 has
// committed every event: events minus its dead letters) and the
// comparator has read every record of v1 and v2 (known once v1 too has
// committed every event) with none waiting.
func (r *runner) chainProgress(ctx context.Context, c *chain) (progressReader, error) {
	n := int64(r.cfg.Events)
	v1, err := newCommitted(ctx, r.brokers, c.gV1, c.orders)
	if err != nil {
		return nil, err
	}
	v2, err := newCommitted(ctx, r.brokers, c.gV2, c.orders)
	if err != nil {
		return nil, err
	}
	cmp, err := newCommitted(ctx, r.brokers, c.gCmp, c.v1, c.v2)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (progress, error) {
		live, err := c.tail.count()
		p := progress{done: live}
		if err != nil {
			return p, fmt.Errorf("reading the live topic: %w", err)
		}
		if c.valid < 0 {
			if done, _, err := v2.read(ctx); err != nil || done < n {
				return p, err
			}
			dead := int64(0)
			if c.dlq != "" {
				if dead, err = r.records(ctx, c.dlq); err != nil {
					return p, err
				}
			}
			c.valid = n - dead
		}
		if live < c.liveFactor*c.valid {
			return p, nil
		}
		if c.v1End < 0 {
			if done, _, err := v1.read(ctx); err != nil || done < n {
				return p, err
			}
			if c.v1End, err = r.records(ctx, c.v1); err != nil {
				return p, err
			}
			if c.v2End, err = r.records(ctx, c.v2); err != nil {
				c.v1End = -1
				return p, err
			}
		}
		total := c.v1End + c.v2End
		if c.p == Oink {
			cp, err := r.db.checkpointProgress(c.run, total)(ctx)
			p.complete = cp.complete
			return p, err
		}
		done, _, err := cmp.read(ctx)
		p.complete = done >= total
		return p, err
	}, nil
}

// checkChain checks a complete chain: the raw chain copied every record
// twice; the others made one v1 and one v2 record per valid event, compared
// them all (accepted and divergent as v1's faults predict), and put each on
// the live topic exactly once (cutover.CheckLive).
func (r *runner) checkChain(ctx context.Context, c *chain, res *Result) error {
	if err := c.finishTails(res, r.cfg.Trace); err != nil {
		return err
	}
	n := int64(r.cfg.Events)
	res.DeadLetters = n - c.valid
	if c.p == RefRaw {
		res.LiveRecords, res.RecordsOut = 2*n, 2*n
		if err := r.checkEnd(ctx, c.live, 2*n); err != nil {
			return err
		}
		return r.checkEnd(ctx, c.cmp, 2*n)
	}
	if c.v1End != c.valid || c.v2End != c.valid {
		return fmt.Errorf("v1 wrote %d and v2 %d records for %d valid events, want one each", c.v1End, c.v2End, c.valid)
	}
	r.shadow = shadow{v1: c.v1, v2: c.v2, v1Records: c.v1End, v2Records: c.v2End, valid: c.valid, route: r.shadow.route}
	if c.p == Oink {
		var err error
		if r.shadow.accepted, r.shadow.divergent, err = expectedOutcomes(c.faultLog); err != nil {
			return err
		}
	}
	if err := r.checkComparison(ctx, c.run, res); err != nil {
		return err
	}
	return r.checkSwitched(ctx, c.live, res)
}
