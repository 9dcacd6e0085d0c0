package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// compareWindow is `oink compare --window` in the benchmark. No fault
// drops a record, so no record waits it out; oink compare is stopped once
// its checkpoints cover everything, not after its idle wait.
const compareWindow = 30 * time.Second

// comparatorPlan is pipeline p of the comparator role: v1 and v2 compared
// into a fresh run, done once every record of both is accounted for (in
// the run's checkpoints for oink compare, which commits there; in the
// group's offsets for the references).
func (r *runner) comparatorPlan(p Pipeline) measurement {
	sh := r.shadow
	total := sh.v1Records + sh.v2Records
	m := measurement{pipeline: p, unit: "pairs", units: sh.valid, target: total}
	run, group := r.id+"-"+string(p), r.topic(string(p))
	switch p {
	case Oink:
		dlq := r.topic("compare.dlq")
		r.db.track(run)
		m.topics, m.perPartition = []string{dlq}, true
		m.procs = []procSpec{{name: p.Title(RoleComparator), untilEnd: true, stopAtEnd: true, args: append([]string{"compare",
			"--run", run, "--control", sh.v1, "--candidate", sh.v2, "--group", group, "--rules", r.cfg.RulesFile,
			// The input is gone (deleted after the setup) and every record
			// pairs (the setup checks one v1 and one v2 record per event):
			// no evidence of input progress is needed.
			"--input", "",
			"--window", compareWindow.String(), "--dlq", dlq, "--partitions", strconv.Itoa(r.cfg.Partitions),
			"--replication-factor", strconv.Itoa(r.cfg.ReplicationFactor)}, r.childFlags()...)}}
		m.progress = func(context.Context) (progressReader, error) { return r.db.checkpointProgress(run, total), nil }
		m.check = func(ctx context.Context, res *Result, _ []*proc) error { return r.checkComparison(ctx, run, res) }
	case RefTransform:
		r.db.track(run)
		m.procs = []procSpec{{name: p.Title(RoleComparator), untilEnd: true,
			args: r.refArgs(RefModeCompare, group, "", total, "--run", run, "--rules", r.cfg.RulesFile)}}
		m.progress = r.groupProgress(group, total, sh.v1, sh.v2)
		m.check = func(ctx context.Context, res *Result, _ []*proc) error { return r.checkComparison(ctx, run, res) }
	default:
		r.rawCopy(&m, group, total)
	}
	return m
}

// switchPlan is pipeline p of the switch role: v1 and v2 routed to a fresh
// live topic, done once its group has committed every record of both.
func (r *runner) switchPlan(p Pipeline) measurement {
	sh := r.shadow
	total := sh.v1Records + sh.v2Records
	m := measurement{pipeline: p, unit: "records", units: total, target: total, perPartition: true}
	group, live := r.topic(string(p)), r.topic(string(p)+".live")
	m.progress = r.groupProgress(group, total, sh.v1, sh.v2)
	m.check = func(ctx context.Context, res *Result, _ []*proc) error { return r.checkSwitched(ctx, live, res) }
	m.topics = []string{live}
	switch p {
	case Oink:
		m.procs = []procSpec{{name: p.Title(RoleSwitch), untilEnd: true, args: append([]string{"switch",
			"--run", r.routeRun(), "--control", sh.v1, "--candidate", sh.v2, "--live", live, "--group", group,
			"--rules", r.cfg.RulesFile, "--stop-when-idle", r.cfg.StopWhenIdle.String(),
			"--partitions", strconv.Itoa(r.cfg.Partitions), "--replication-factor", strconv.Itoa(r.cfg.ReplicationFactor)},
			r.childFlags()...)}}
	case RefTransform:
		m.procs = []procSpec{{name: p.Title(RoleSwitch), untilEnd: true,
			args: r.refArgs(RefModeSwitch, group, live, total, "--run", r.routeRun(), "--rules", r.cfg.RulesFile)}}
	default:
		m.perPartition = false
		r.rawCopy(&m, group, total)
	}
	return m
}

// rawCopy makes m the raw kgo copy of v1 and v2 into one topic: the
// broker's ceiling for a pipe reading both.
func (r *runner) rawCopy(m *measurement, group string, total int64) {
	out := r.topic(string(RefRaw) + ".out")
	m.topics = []string{out}
	m.procs = []procSpec{{name: RefRaw.Title(r.cfg.Role), untilEnd: true, args: r.refArgs(RefModeRaw, group, out, total)}}
	m.progress = r.groupProgress(group, total, r.shadow.v1, r.shadow.v2)
	m.check = func(ctx context.Context, res *Result, _ []*proc) error {
		res.RecordsOut = total
		if err := r.checkEnd(ctx, out, total); err != nil {
			return err
		}
		return r.checkNoLag(ctx, group, r.shadow.v1, r.shadow.v2)
	}
}

// childFlags are the flags every child of a role gets: brokers and log
// level. The diffstore's URL is not a flag (every user can read a
// process's command line): start passes it as DATABASE_URL.
func (r *runner) childFlags() []string {
	return []string{"--brokers", joinComma(r.brokers), "--log-level", "warn"}
}

// refArgs are the arguments of `oink bench ref mode` reading v1 and v2.
func (r *runner) refArgs(mode RefMode, group, to string, events int64, extra ...string) []string {
	args := []string{"bench", "ref", string(mode), "--from", r.shadow.v1 + "," + r.shadow.v2, "--group", group,
		"--events", strconv.FormatInt(events, 10), "--batch-size", strconv.Itoa(r.cfg.BatchSize)}
	if to != "" {
		args = append(args, "--to", to)
	}
	args = append(args, extra...)
	return append(args, r.childFlags()...)
}

// groupProgress reads the progress of a group over topics, complete at total.
func (r *runner) groupProgress(group string, total int64, topics ...string) func(context.Context) (progressReader, error) {
	return func(ctx context.Context) (progressReader, error) {
		c, err := newCommitted(ctx, r.brokers, group, topics...)
		return c.until(total), err
	}
}

// checkComparison checks a comparison run's totals in Postgres: every v1
// and v2 record read, every valid event one pair, the pairs accepted and
// divergent that v1's fault log predicts, nothing missing, duplicated,
// undecodable or still waiting.
func (r *runner) checkComparison(ctx context.Context, run string, res *Result) error {
	sum, err := r.db.store.Summary(ctx, run)
	if err != nil {
		return err
	}
	sh, c := r.shadow, sum.Counts
	res.Pairs, res.Accepted, res.Divergent = c.Pairs, c.Accepted, c.Divergent
	if c.ReadControl != sh.v1Records || c.ReadCandidate != sh.v2Records || c.Pairs != sh.valid ||
		c.Equal+c.Accepted+c.Divergent != c.Pairs {
		return fmt.Errorf("run %s read %d v1 and %d v2 records into %d pairs (%d equal, %d accepted, %d divergent); want %d, %d and %d pairs",
			run, c.ReadControl, c.ReadCandidate, c.Pairs, c.Equal, c.Accepted, c.Divergent, sh.v1Records, sh.v2Records, sh.valid)
	}
	if c.Accepted != sh.accepted || c.Divergent != sh.divergent {
		return fmt.Errorf("run %s found %d accepted and %d divergent pairs; v1's fault log predicts %d and %d",
			run, c.Accepted, c.Divergent, sh.accepted, sh.divergent)
	}
	if c.MissingInControl+c.MissingInCandidate+c.DuplicatesControl+c.DuplicatesCandidate+
		c.UndecodableControl+c.UndecodableCandidate+sum.PendingControl+sum.PendingCandidate != 0 {
		return fmt.Errorf("run %s has missing, duplicate, undecodable or pending records: %+v, pending %d/%d",
			run, c, sum.PendingControl, sum.PendingCandidate)
	}
	return nil
}

// checkSwitched checks invariant 4 on a live topic with cutover.CheckLive:
// every identity exactly once, from the version the route gave it to.
func (r *runner) checkSwitched(ctx context.Context, live string, res *Result) error {
	rules, err := comparator.LoadRules(r.cfg.RulesFile)
	if err != nil {
		return err
	}
	topics := [3][]kafka.Message{}
	for i, t := range []string{live, r.shadow.v1, r.shadow.v2} {
		if topics[i], err = readSlim(ctx, r.brokers, t, rules); err != nil {
			return err
		}
	}
	rep, err := cutover.CheckLive(topics[0], topics[1], topics[2], r.shadow.route, rules.Identity())
	res.LiveRecords, res.RecordsOut = int64(rep.Live), int64(rep.Live)
	if err != nil {
		return fmt.Errorf("live topic %s: %w", live, err)
	}
	if int64(rep.Live) != r.shadow.valid || rep.FromV1 == 0 || rep.FromV2 == 0 {
		return fmt.Errorf("live topic %s holds %d records (%d from v1, %d from v2), want %d from both versions",
			live, rep.Live, rep.FromV1, rep.FromV2, r.shadow.valid)
	}
	return nil
}

// readSlim reads topic with each record's value cut down to its identity
// and event-time fields: what CheckLive reads, in a tenth of the memory.
func readSlim(ctx context.Context, brokers []string, topic string, rules *comparator.Rules) ([]kafka.Message, error) {
	var out []kafka.Message
	err := kafkaio.ReadTopic(ctx, brokers, topic, func(m kafka.Message) error {
		v, err := slimValue(m.Value, rules)
		if err != nil {
			return fmt.Errorf("%s %d@%d: %w", topic, m.Partition, m.Offset, err)
		}
		m.Value = v
		out = append(out, m)
		return nil
	})
	return out, err
}

// slimValue keeps of a JSON record only the fields of its identity and
// event time under rules.
func slimValue(v []byte, rules *comparator.Rules) ([]byte, error) {
	var all map[string]json.RawMessage
	if err := json.Unmarshal(v, &all); err != nil {
		return nil, err
	}
	keep := map[string]json.RawMessage{}
	for _, f := range append(rules.KeyFields(), rules.EventTimeField()) {
		if raw, ok := all[f]; ok && f != "" {
			keep[f] = raw
		}
	}
	return json.Marshal(keep)
}
