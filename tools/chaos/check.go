package chaos

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/oinkhq/oink/legacy"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/producer"
	"github.com/segmentio/kafka-go"
)

// The names of a trial's checks.
const (
	CheckRan        = "the trial ran to its end"
	CheckNoLoss     = "invariant 1: every upstream event is an RTCIM on rtcim.v2 or a dead letter"
	CheckExact      = "invariant 2: comparator totals and divergences equal an uninterrupted run's"
	CheckFaultLog   = "the comparator found exactly v1's logged faults"
	CheckLiveOnce   = "invariant 4: every identity on the live topic exactly once, from its owner, no gap"
	CheckController = "controller: every stage decided once, route monotone, promoted"
)

// checks checks the evidence; runErr is why the trial did not run to its
// end, if it did not.
func (ev *evidence) checks(runErr error) []Check {
	check := func(name string, err error, ok string) Check {
		if err != nil {
			return Check{Name: name, OK: false, Detail: err.Error()}
		}
		return Check{Name: name, OK: true, Detail: ok}
	}
	noLoss, err := ev.checkNoLoss()
	out := []Check{check(CheckRan, runErr, "every role ran until stopped, and everything was drained"),
		check(CheckNoLoss, err, noLoss)}
	exact, err := checkExact(ev.Got, ev.Want)
	out = append(out, check(CheckExact, err, exact))
	faults, err := checkFaultLog(ev.Got, ev.Faults, ev.Redelivered)
	out = append(out, check(CheckFaultLog, err, faults))
	live, err := ev.checkLive()
	out = append(out, check(CheckLiveOnce, err, live))
	ctl, err := checkController(ev.Plan, ev.State, ev.Route, ev.Audit)
	return append(out, check(CheckController, err, ctl))
}

// checkNoLoss is invariant 1 over the topics.
func (ev *evidence) checkNoLoss() (string, error) {
	acc, err := producer.CheckNoLoss(ev.Orders, ev.V2, ev.OrdersDLQ)
	if err != nil {
		return "", err
	}
	if acc.Produced == 0 || acc.DeadLetters == 0 {
		return "", fmt.Errorf("%+v: want both RTCIMs and dead letters (1%% of upstream is invalid)", acc)
	}
	future, err := ev.checkFuture()
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%d upstream records: %d RTCIMs, %d dead letters (%d far-future), %d redelivered copies",
		acc.Upstream, acc.Produced, acc.DeadLetters, future, acc.Redelivered), nil
}

// checkFuture checks that every upstream event dated far ahead of its
// record's timestamp (the loadgen's far-future events) is a dead letter of
// code oink.FutureEventTime, and that the trial had some.
func (ev *evidence) checkFuture() (int, error) {
	codes := map[string]string{} // source partition@offset -> code
	for _, m := range ev.OrdersDLQ {
		info := deadletter.Parse(m)
		codes[fmt.Sprintf("%d@%d", info.Source.Partition, info.Source.Offset)] = info.ErrorCode
	}
	n := 0
	for _, m := range ev.Orders {
		var e struct {
			EventTime time.Time `json:"event_time"`
		}
		if json.Unmarshal(m.Value, &e) != nil || e.EventTime.Sub(m.Time) < 24*time.Hour {
			continue
		}
		n++
		if code := codes[fmt.Sprintf("%d@%d", m.Partition, m.Offset)]; code != oink.CodeFutureEventTime {
			return n, fmt.Errorf("upstream %d@%d is dated %s, far ahead of its record (%s), and its dead letter is %q, want %s",
				m.Partition, m.Offset, e.EventTime.Format(time.RFC3339), m.Time.UTC().Format(time.RFC3339), code, oink.CodeFutureEventTime)
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("no far-future upstream event: the trial does not test the future skew (raise the events)")
	}
	return n, nil
}

// checkExact is invariant 2: got (the trial's comparator run) ends with
// the same totals and the same divergences, kind by kind and with the same
// field paths, as want (a run over the same topics that was never killed),
// and neither has a record still waiting.
func checkExact(got, want comparatorResult) (string, error) {
	if got.PendingControl+got.PendingCandidate+want.PendingControl+want.PendingCandidate != 0 {
		return "", fmt.Errorf("records still waiting for a partner: %d+%d (trial run), %d+%d (reference)",
			got.PendingControl, got.PendingCandidate, want.PendingControl, want.PendingCandidate)
	}
	if got.Totals.Counts != want.Totals.Counts {
		return "", fmt.Errorf("totals differ:\n got %+v\nwant %+v", got.Totals.Counts, want.Totals.Counts)
	}
	if !maps.Equal(got.Totals.AcceptedByRule, want.Totals.AcceptedByRule) {
		return "", fmt.Errorf("accepted by rule: got %v, want %v", got.Totals.AcceptedByRule, want.Totals.AcceptedByRule)
	}
	if got.Totals.Pairs == 0 {
		return "", fmt.Errorf("no pair was compared: %+v", got.Totals.Counts)
	}
	kinds := slices.Sorted(maps.Keys(got.Divergences))
	for _, k := range slices.Sorted(maps.Keys(want.Divergences)) {
		if !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	n := 0
	for _, k := range kinds {
		if err := sameSet(string(k), "the trial run", "the reference run", got.Divergences[k], want.Divergences[k]); err != nil {
			return "", err
		}
		n += len(got.Divergences[k])
	}
	c := got.Totals.Counts
	return fmt.Sprintf("%d read, %d pairs (%d equal, %d accepted, %d divergent), %d+%d missing, %d+%d duplicates; %d divergences stored",
		c.ReadControl+c.ReadCandidate, c.Pairs, c.Equal, c.Accepted, c.Divergent, c.MissingInControl, c.MissingInCandidate,
		c.DuplicatesControl, c.DuplicatesCandidate, n), nil
}

// sameSet compares two sorted lists, gotName's and wantName's, and names
// the first difference.
func sameSet(what, gotName, wantName string, got, want []string) error {
	for i := 0; i < len(got) || i < len(want); i++ {
		switch {
		case i >= len(got) || (i < len(want) && got[i] > want[i]):
			return fmt.Errorf("%s: %s lacks %q (%d there, %d in %s)", what, gotName, want[i], len(got), len(want), wantName)
		case i >= len(want) || got[i] < want[i]:
			return fmt.Errorf("%s: %s has %q, %s not (%d there, %d in %s)", what, gotName, got[i], wantName, len(got), len(want), wantName)
		}
	}
	return nil
}

// checkFaultLog checks the comparator's findings against v1's ground
// truth: no divergence and nothing missing from v2 (the rules accept v1's
// rounding and UTC-date bugs), missing from v1 exactly the events v1
// dropped, and accepted exactly the pairs v1's rounding or date bug changed.
// Identities in redelivered (a stall trial's v2 copies, see
// evidence.Redelivered) may also be missing from v1; no other may.
func checkFaultLog(got comparatorResult, faults []legacy.FaultEntry, redelivered map[string]bool) (string, error) {
	for _, k := range []diffstore.Kind{diffstore.KindDivergent, diffstore.KindMissingInCandidate, diffstore.KindDuplicateCandidate} {
		if d := got.Divergences[k]; len(d) > 0 {
			return "", fmt.Errorf("%d %s, want none (first: %s)", len(d), k, d[0])
		}
	}
	drops, changed := map[string]bool{}, map[string]bool{}
	for _, f := range faults {
		id := f.OrderID + "|" + f.SourceEventID
		switch f.Fault {
		case legacy.FaultDrop:
			drops[id] = true
		case legacy.FaultRounding, legacy.FaultUTCDate:
			changed[id] = true
		}
	}
	var missing []string
	late := 0
	for _, d := range got.Divergences[diffstore.KindMissingInControl] {
		id := strings.Fields(d)[0]
		if redelivered[id] && !drops[id] {
			late++
			continue
		}
		missing = append(missing, id)
	}
	if err := sameSet("missing in control", "the comparator's", "v1's drops", missing, slices.Sorted(maps.Keys(drops))); err != nil {
		return "", err
	}
	if got.Totals.Accepted != int64(len(changed)) {
		return "", fmt.Errorf("%d accepted pairs, want %d: the events v1's rounding or UTC-date fault changed", got.Totals.Accepted, len(changed))
	}
	if len(changed) == 0 {
		return "", fmt.Errorf("v1's fault log names no event its rounding or date bug changed: too few events for a meaningful check")
	}
	detail := fmt.Sprintf("%d dropped by v1, %d changed by its rounding or date bug, 0 divergent", len(drops), len(changed))
	if late > 0 {
		detail += fmt.Sprintf("; %d copies v2 wrote again past the match window counted missing from v1", late)
	}
	return detail, nil
}

// checkLive is invariant 4 over the topics.
func (ev *evidence) checkLive() (string, error) {
	rep, err := cutover.CheckLive(ev.Live, ev.V1, ev.V2, ev.Route, ev.Rules.Identity())
	if err != nil {
		return "", fmt.Errorf("%w (%+v)%s", err, rep, ev.absentDetail())
	}
	if rep.Live == 0 || rep.FromV2 == 0 {
		return "", fmt.Errorf("%+v: want live records, and some from v2", rep)
	}
	return fmt.Sprintf("%d live records, %d from v1, %d from v2", rep.Live, rep.FromV1, rep.FromV2), nil
}

// absentDetail says, of the records whose owner produced them but which
// are not on the live topic, how many the switch had decided (below its
// group's committed offset: a gap) and how many it had not decided yet
// (the check ran before the switch finished, as after a trial that did not
// drain: not evidence of a gap), naming the first of each.
func (ev *evidence) absentDetail() string {
	rules := ev.Rules.Identity()
	onLive := map[string]bool{}
	for _, m := range ev.Live {
		if id, _, err := rules.Identify(m.Key, m.Value, m.Time); err == nil {
			onLive[id] = true
		}
	}
	var decided, undecided []string
	for s, msgs := range [][]kafka.Message{ev.V1, ev.V2} {
		for _, m := range msgs {
			id, at, err := rules.Identify(m.Key, m.Value, m.Time)
			if err != nil || onLive[id] || cutover.Owner(ev.Route, m.Key, at) != s {
				continue
			}
			onLive[id] = true // one line per identity, for its first record
			where := fmt.Sprintf("%s (v%d %d@%d, the switch's committed offset %d)", id, s+1, m.Partition, m.Offset,
				ev.SwitchCommitted[s][m.Partition])
			if m.Offset < ev.SwitchCommitted[s][m.Partition] {
				decided = append(decided, where)
			} else {
				undecided = append(undecided, where)
			}
		}
	}
	detail := fmt.Sprintf("; absent from the live topic: %d records the switch had decided (a gap)", len(decided))
	if len(decided) > 0 {
		detail += ", first " + decided[0]
	}
	detail += fmt.Sprintf(", %d it had not decided yet (not a gap: it had not finished)", len(undecided))
	if len(undecided) > 0 {
		detail += ", first " + undecided[0]
	}
	return detail
}
