package report_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/oinkhq/oink/shipped"

	"github.com/jackc/pgx/v5"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// The fixture is a ten-minute shadow run written through diffstore's own
// calls, as a comparator and a controller write them: counts in 10-second
// buckets of source event time, accepted pairs under the shipped rules, a
// fault of v1 from 12:06 to 12:07 that diverges, one record missing from
// v2, v1's drops and duplicates, one undecodable v2 record, and a cutover
// that advances, rolls back on the fault, resumes and is promoted.
const fixtureRun = "shadow-2025-03"

// fixtureBase is the source event time of the run's first bucket.
var fixtureBase = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const fixtureBuckets = 60

// faulty reports whether bucket i is in v1's fault.
func faulty(i int) bool { return i >= 36 && i < 42 }

// bucketCounts are bucket i's counts and accepted pairs by rule. Every
// count is exact, so the accounting identity holds.
func bucketCounts(i int) (diffstore.Counts, map[string]int64) {
	var c diffstore.Counts
	c.Pairs = 150 + int64(i*37%60)
	if faulty(i) {
		c.Divergent = 2 + int64(i%3)
	}
	utc := int64(i % 2)
	rounding := 2 + int64(i%3)
	c.Accepted = utc + rounding
	c.Equal = c.Pairs - c.Divergent - c.Accepted
	c.Equivalent = int64(i % 4) // v1's format faults: another member order, a number spelled 12.0
	c.Identical = c.Equal - c.Equivalent
	if i%17 == 5 {
		c.MissingInControl = 1
	}
	if i == 38 {
		c.MissingInCandidate = 1
	}
	if i%23 == 7 {
		c.DuplicatesControl = 1
	}
	if i == 44 {
		c.UndecodableCandidate = 1
	}
	c.ReadControl = c.Pairs + c.MissingInCandidate + c.DuplicatesControl + c.UndecodableControl
	c.ReadCandidate = c.Pairs + c.MissingInControl + c.DuplicatesCandidate + c.UndecodableCandidate
	by := map[string]int64{"v1-half-up-rounding": rounding}
	if utc > 0 {
		by["v1-utc-business-date"] = utc
	}
	return c, by
}

// rtcim is a small RTCIM record for identity n with the given line
// discount and net total.
func rtcim(n int, at time.Time, discount, net int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"rtcim_id":"r-%06d","rtcim_type":"SALE","order_id":"O-%06d","source_event_id":"E-%06d",`+
		`"source_event_time":%q,"business_date":%q,"store_id":"S-012","channel":"WEB","currency":"USD",`+
		`"lines":[{"line_no":1,"sku":"SKU-1","qty":2,"unit_price_minor":1299,"discount_minor":%d,"tax_minor":208,"net_minor":%d}],`+
		`"totals":{"gross_minor":2598,"discount_minor":%d,"tax_minor":208,"shipping_minor":0,"net_minor":%d}}`,
		n, n, n, at.Format(time.RFC3339), at.Format("2006-01-02"), discount, net, discount, net))
}

func identity(n int) string { return fmt.Sprintf("O-%06d|E-%06d", n, n) }

// bucketResults are bucket i's divergences and accepted pairs, numbered
// from n.
func bucketResults(i int, c diffstore.Counts, by map[string]int64) ([]diffstore.Divergence, []diffstore.AcceptedPair) {
	at := fixtureBase.Add(time.Duration(i)*diffstore.CountGrain + 3*time.Second)
	n := i * 1000
	var divs []diffstore.Divergence
	for k := range c.Divergent {
		id := n + int(k)
		// v1's fault: it drops the line discount.
		diff := []diffstore.FieldDiff{
			fd("lines[line_no=1].discount_minor", "0", "250", ""),
			fd("totals.discount_minor", "0", "250", ""),
		}
		if id%3 == 0 {
			diff = append(diff, fd("totals.net_minor", "2806", "2556", ""))
		}
		divs = append(divs, diffstore.Divergence{Identity: identity(id), Kind: diffstore.KindDivergent, EventTime: at,
			Control: rtcim(id, at, 0, 2806), Candidate: rtcim(id, at, 250, 2556), Diff: diff})
	}
	one := func(kind diffstore.Kind, count int64, off int) {
		for k := range count {
			id := n + off + int(k)
			d := diffstore.Divergence{Identity: identity(id), Kind: kind, EventTime: at}
			if kind == diffstore.KindMissingInControl {
				d.Candidate = rtcim(id, at, 250, 2556)
			} else {
				d.Control = rtcim(id, at, 250, 2556)
			}
			divs = append(divs, d)
		}
	}
	one(diffstore.KindMissingInControl, c.MissingInControl, 100)
	one(diffstore.KindMissingInCandidate, c.MissingInCandidate, 200)
	one(diffstore.KindDuplicateControl, c.DuplicatesControl, 300)
	var acc []diffstore.AcceptedPair
	for k := range by["v1-half-up-rounding"] {
		acc = append(acc, diffstore.AcceptedPair{Identity: identity(n + 400 + int(k)), Diff: []diffstore.FieldDiff{
			fd("lines[line_no=1].tax_minor", "209", "208", "v1-half-up-rounding"),
			fd("totals.tax_minor", "209", "208", "v1-half-up-rounding")}})
	}
	for k := range by["v1-utc-business-date"] {
		acc = append(acc, diffstore.AcceptedPair{Identity: identity(n + 500 + int(k)), Diff: []diffstore.FieldDiff{
			fd("business_date", `"2025-02-28"`, `"2025-03-01"`, "v1-utc-business-date")}})
	}
	return divs, acc
}

func fd(path, control, candidate, rule string) diffstore.FieldDiff {
	return diffstore.FieldDiff{Path: path, Control: json.RawMessage(control), Candidate: json.RawMessage(candidate), Rule: rule}
}

// fillStore writes the fixture into tx and pins every time the database
// chose (creation, audit, route changes) to fixed values, so a report of
// it is the same on every run.
func fillStore(t testing.TB, tx pgx.Tx) *diffstore.Store {
	t.Helper()
	ctx := t.Context()
	st := diffstore.New(tx)
	rules, err := comparator.ParseRules("shipped/rules/rtcim.yaml", shipped.RTCIMRules)
	must(t, err)
	rulesJSON, err := rules.JSON()
	must(t, err)
	must(t, st.EnsureRun(ctx, diffstore.Run{Name: fixtureRun, ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2",
		RulesName: rules.Name, Rules: rulesJSON}))
	epochs := map[int]int64{}
	for p := range 3 {
		cp, err := st.ClaimPartition(ctx, fixtureRun, p, "compare-1")
		must(t, err)
		epochs[p] = cp.Epoch
	}
	for i := range fixtureBuckets {
		c, by := bucketCounts(i)
		divs, acc := bucketResults(i, c, by)
		p := i % 3
		must(t, st.CommitBatch(ctx, diffstore.CommitBatch{Run: fixtureRun, Partition: p, Epoch: epochs[p],
			ControlOffset: int64(i + 1), CandidateOffset: int64(i + 1),
			Counts:      []diffstore.MinuteCounts{{Minute: fixtureBase.Add(time.Duration(i) * diffstore.CountGrain), Counts: c, AcceptedByRule: by}},
			Divergences: divs, Accepted: acc}))
	}
	must(t, st.Heartbeat(ctx, fixtureRun, "compare-1", []int{0, 1, 2}, 0, true))
	_, err = st.FinishRun(ctx, fixtureRun)
	must(t, err)
	fillCutover(t, st)
	fillSwitch(t, st)
	pinTimes(t, tx)
	return st
}

// fillCutover applies the plan and makes the controller's and the
// operator's decisions, in order.
func fillCutover(t testing.TB, st *diffstore.Store) {
	t.Helper()
	ctx := t.Context()
	plan := `{"run":"` + fixtureRun + `","steps":[{"percent":1,"hold":"1m0s","minPairs":100},{"percent":10,"hold":"1m0s","minPairs":500},` +
		`{"percent":50,"hold":"1m0s","minPairs":1000},{"percent":100,"hold":"0s","minPairs":1}],"onDivergence":"rollback","margin":"5s","maxComparatorLag":"10s"}`
	_, err := st.ApplyPlan(ctx, diffstore.PlanApply{Run: fixtureRun, Plan: json.RawMessage(plan), Margin: 5 * time.Second,
		Actor: "alice", Reason: "shadow clean for a week (CHG-1042)", Stage: diffstore.StageBeforeFirst, Phase: diffstore.PhasePending,
		Details: json.RawMessage(`{"from":{"stage":-1,"phase":"pending","percent":0},"to":{"stage":-1,"phase":"pending","percent":0}}`)})
	must(t, err)
	type step struct {
		action, actor, reason, phase string
		stage                        int
		percent                      float64
		gate                         string
	}
	passed := func(pairs int) string {
		return fmt.Sprintf(`{"verdict":"passed","stats":{"pairs":%d,"divergent":0,"missingInCandidate":0}}`, pairs)
	}
	steps := []step{
		{"start", "alice", "start the cutover", diffstore.PhaseRunning, 0, 1, ""},
		{"advance", "oink-controller", "gate passed", diffstore.PhaseRunning, 1, 10, passed(1804)},
		{"advance", "oink-controller", "gate passed", diffstore.PhaseRunning, 2, 50, passed(1911)},
		{"rollback", "oink-controller", "gate failed: 6 divergent, 1 missing in candidate since 12:05:30; policy rollback",
			diffstore.PhaseRolledBack, diffstore.StageBeforeFirst, 0,
			`{"verdict":"failed","stats":{"pairs":1203,"divergent":6,"missingInCandidate":1}}`},
		{"resume", "bob", "v1 fault fixed upstream (INC-4711); divergences explained", diffstore.PhaseRunning, 0, 1, ""},
		{"advance", "oink-controller", "gate passed", diffstore.PhaseRunning, 1, 10, passed(1650)},
		{"promote", "oink-controller", "gate passed at the last step", diffstore.PhasePromoted, 3, 100, passed(1720)},
	}
	prev := `{"stage":-1,"phase":"pending","percent":0}`
	for _, s := range steps {
		to := fmt.Sprintf(`{"stage":%d,"phase":%q,"percent":%g}`, s.stage, s.phase, s.percent)
		details := `{"from":` + prev + `,"to":` + to
		if s.gate != "" {
			details += `,"gate":` + s.gate
		}
		details += `,"planVersion":1}`
		pct := s.percent
		_, _, err := st.ChangeCutover(ctx, diffstore.Change{Run: fixtureRun, Stage: s.stage, Phase: s.phase, Percent: &pct,
			Action: s.action, Actor: s.actor, Reason: s.reason, Details: json.RawMessage(details)})
		must(t, err)
		prev = to
	}
}

// fillSwitch syncs a switch's state for the run's three live partitions:
// v1's records forwarded from 12:00 to 12:10, v2's from 12:01 on, each
// version skipping the records the other owned, v1 dropping a duplicate per
// partition, and one record of partition 2 parked.
func fillSwitch(t testing.TB, st *diffstore.Store) {
	t.Helper()
	for p := range 3 {
		minutes := map[time.Time][2]int64{}
		var fwd [2]int64
		for m := range 10 {
			n := [2]int64{100, 0}
			if m > 0 {
				n[1] = 200
			}
			minutes[fixtureBase.Add(time.Duration(m)*time.Minute)] = n
			fwd[0], fwd[1] = fwd[0]+n[0], fwd[1]+n[1]
		}
		parked := 0
		if p == 2 {
			parked = 1
		}
		must(t, st.SyncSwitch(t.Context(), diffstore.SwitchSync{Run: fixtureRun, Live: "rtcim", Partition: p, Seq: 7, Epoch: 1,
			Instance: "switch-1", Next: [2]int64{2000, 2000}, Parked: parked, Minutes: minutes,
			Totals: diffstore.SwitchCounts{Forwarded: fwd, NotOwned: [2]int64{fwd[1], fwd[0]}, Duplicates: [2]int64{1, 0}}}))
	}
}

// transitionOffsets are the route changes' source event times, from
// fixtureBase, in seq order: start, 10 %, 50 %, the rollback in v1's fault,
// the resume, 10 %, 100 %.
var transitionOffsets = []time.Duration{50 * time.Second, 2*time.Minute + 10*time.Second, 3*time.Minute + 30*time.Second,
	6*time.Minute + 20*time.Second, 7*time.Minute + 30*time.Second, 8*time.Minute + 40*time.Second, 9*time.Minute + 40*time.Second}

// pinTimes sets the times the database chose to fixed ones.
func pinTimes(t testing.TB, tx pgx.Tx) {
	t.Helper()
	ctx := t.Context()
	created := fixtureBase.Add(-5 * time.Minute)
	offsets := make([]time.Duration, len(transitionOffsets))
	copy(offsets, transitionOffsets)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE runs SET created_at = $2, finished_at = $3 WHERE name = $1`, []any{fixtureRun, created, fixtureBase.Add(15 * time.Minute)}},
		{`UPDATE heartbeats SET last_seen = $2 WHERE run = $1`, []any{fixtureRun, fixtureBase.Add(14 * time.Minute)}},
		{`UPDATE transitions SET effective_from = $2::timestamptz + (($3::bigint[])[seq] * interval '1 microsecond'),
		     created_at = $2::timestamptz + (($3::bigint[])[seq] * interval '1 microsecond') - interval '5 seconds' WHERE run = $1`,
			[]any{fixtureRun, fixtureBase, micros(offsets)}},
		{`UPDATE audit a SET at = CASE WHEN a.action = 'apply' THEN $2 ELSE
		     (SELECT t.created_at FROM transitions t WHERE t.run = a.run AND t.seq = (a.details->'transition'->>'seq')::bigint) END
		   WHERE a.run = $1`, []any{fixtureRun, created.Add(time.Minute)}},
		{`UPDATE cutover_state s SET updated_at = (SELECT max(at) FROM audit WHERE run = s.run),
		     stage_started_at = (SELECT max(effective_from) FROM transitions WHERE run = s.run),
		     stage_entered_at = (SELECT max(created_at) FROM transitions WHERE run = s.run) WHERE s.run = $1`, []any{fixtureRun}},
	} {
		if _, err := tx.Exec(ctx, q.sql, q.args...); err != nil {
			t.Fatalf("pinning times: %s: %v", q.sql, err)
		}
	}
}

func micros(ds []time.Duration) []int64 {
	out := make([]int64, len(ds))
	for i, d := range ds {
		out[i] = d.Microseconds()
	}
	return out
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fixtureStore returns a Store over a rolled-back transaction holding the
// fixture.
func fixtureStore(t testing.TB) *diffstore.Store {
	t.Helper()
	return fillStore(t, pgtest.Tx(t))
}
