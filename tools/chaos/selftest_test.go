package chaos

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// TestChaosChecksCatchViolations proves the suite is not vacuous: it runs
// one short trial (one kill of the switch), checks that its evidence
// passes every check, and then that each check fails once its evidence is
// broken the way a bug would break it: a live record deleted, duplicated or
// from the wrong version, an RTCIM lost, a comparator count or divergence
// off, and a decision recorded twice.
func TestChaosChecksCatchViolations(t *testing.T) {
	t.Parallel()
	cfg := testConfig(t, RoleSwitch)
	cfg.Trials, cfg.Events, cfg.Kills, cfg.Steps = 1, 1000, 1, []float64{100}
	var ev *evidence
	cfg.onEvidence = func(_ TrialResult, e *evidence) { ev = e }
	rep, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if ev == nil || len(rep.Trials) != 1 {
		t.Fatalf("report %+v: want one trial and its evidence", rep)
	}
	for _, c := range ev.checks(nil) {
		if !c.OK {
			t.Fatalf("the unbroken evidence of trial %d fails %s: %s", rep.Trials[0].Seed, c.Name, c.Detail)
		}
	}
	for _, tc := range breakages(t, ev) {
		t.Run(tc.name, func(t *testing.T) {
			broken := *ev
			tc.breakIt(&broken)
			for _, c := range broken.checks(nil) {
				if c.Name == tc.fails {
					if c.OK {
						t.Fatalf("%s still passes: %s", c.Name, c.Detail)
					}
					if !strings.Contains(c.Detail, tc.detail) {
						t.Fatalf("%s: %s\nwant it to say %q", c.Name, c.Detail, tc.detail)
					}
					t.Logf("%s: %s", c.Name, c.Detail)
					return
				}
			}
			t.Fatalf("no check named %q", tc.fails)
		})
	}
}

type breakage struct {
	name    string
	fails   string
	breakIt func(*evidence)
	detail  string // what the failed check's detail says ("": anything)
}

// breakages lists ways to break ev, each with the check that must catch
// it. Each copies what it changes, so that ev stays intact.
func breakages(t *testing.T, ev *evidence) []breakage {
	// A live record owned by v2 whose v1 copy has other bytes (a v1
	// fault): putting v1's copy there must be caught, though the live
	// records carry no header saying where they came from.
	v1ByID := map[string]kafka.Message{}
	for _, m := range ev.V1 {
		v1ByID[sourceEventID(t, m)] = m
	}
	fromV2 := slices.IndexFunc(ev.Live, func(m kafka.Message) bool {
		c, ok := v1ByID[sourceEventID(t, m)]
		_, at, err := ev.Rules.Identify(m.Key, m.Value, m.Time)
		return err == nil && ok && cutover.Owner(ev.Route, m.Key, at) == 1 && !cutover.SameRecord(c, m)
	})
	if fromV2 < 0 {
		t.Fatal("no live record from v2 whose v1 copy differs in the trial")
	}
	return []breakage{
		{"a live record deleted", CheckLiveOnce, func(e *evidence) {
			e.Live = slices.Delete(slices.Clone(e.Live), fromV2, fromV2+1)
		}, "absent from the live topic: 1 records the switch had decided (a gap), first "},
		// Read before the switch decided it (a trial that did not drain),
		// the record is still missing: the check fails, and says that the
		// switch had not got there, with the offsets.
		{"a live record the switch had not decided yet", CheckLiveOnce, func(e *evidence) {
			id := sourceEventID(t, e.Live[fromV2])
			e.Live = slices.Delete(slices.Clone(e.Live), fromV2, fromV2+1)
			src := e.V2[slices.IndexFunc(e.V2, func(m kafka.Message) bool { return sourceEventID(t, m) == id })]
			e.SwitchCommitted[1] = maps.Clone(e.SwitchCommitted[1])
			e.SwitchCommitted[1][src.Partition] = src.Offset
		}, "0 records the switch had decided (a gap), 1 it had not decided yet (not a gap: it had not finished), first "},
		{"a live record forwarded twice", CheckLiveOnce, func(e *evidence) {
			e.Live = append(slices.Clone(e.Live), e.Live[fromV2])
		}, ""},
		{"a live record from the version that does not own it", CheckLiveOnce, func(e *evidence) {
			e.Live = slices.Clone(e.Live)
			c := v1ByID[sourceEventID(t, e.Live[fromV2])]
			c.Partition, c.Offset = e.Live[fromV2].Partition, e.Live[fromV2].Offset
			e.Live[fromV2] = c
		}, ""},
		{"a live record with a header the switch added", CheckLiveOnce, func(e *evidence) {
			e.Live = slices.Clone(e.Live)
			m := e.Live[fromV2]
			m.Headers = append(slices.Clone(m.Headers), kafka.Header{Key: cutover.HeaderSource, Value: []byte("v2")})
			e.Live[fromV2] = m
		}, ""},
		{"an RTCIM lost from rtcim.v2", CheckNoLoss, func(e *evidence) {
			lost := sourceEventID(t, e.V2[0]) // with every redelivered copy of it
			e.V2 = slices.DeleteFunc(slices.Clone(e.V2), func(m kafka.Message) bool { return sourceEventID(t, m) == lost })
		}, ""},
		{"a far-future event dead-lettered as something else", CheckNoLoss, func(e *evidence) {
			e.OrdersDLQ = slices.Clone(e.OrdersDLQ)
			i := slices.IndexFunc(e.OrdersDLQ, func(m kafka.Message) bool {
				return kafkaio.Header(m, deadletter.HeaderExceptionClass) == oink.CodeFutureEventTime
			})
			if i < 0 {
				t.Fatal("no far-future dead letter in the trial")
			}
			m := e.OrdersDLQ[i]
			m.Headers = slices.Clone(m.Headers)
			for j, h := range m.Headers {
				if h.Key == deadletter.HeaderExceptionClass {
					m.Headers[j].Value = []byte(oink.CodeInvalidField)
				}
			}
			e.OrdersDLQ[i] = m
		}, ""},
		{"a pair counted twice", CheckExact, func(e *evidence) {
			e.Got.Totals.Pairs++
		}, ""},
		{"a record left waiting for its partner", CheckExact, func(e *evidence) {
			e.Got.PendingCandidate = 1
		}, ""},
		{"a divergence lost by the trial's comparator", CheckExact, func(e *evidence) {
			e.Got.Divergences = cloneDivergences(e.Got.Divergences)
			k := diffstore.KindMissingInControl
			e.Got.Divergences[k] = e.Got.Divergences[k][1:]
		}, ""},
		{"a divergence both runs found, which v1's fault log does not explain", CheckFaultLog, func(e *evidence) {
			e.Got.Divergences = cloneDivergences(e.Got.Divergences)
			e.Got.Divergences[diffstore.KindDivergent] = []string{"O1-1|E1 totals.net_minor"}
		}, ""},
		{"a decision recorded twice", CheckController, func(e *evidence) {
			i := slices.IndexFunc(e.Audit, func(a diffstore.AuditEntry) bool { return a.Action == string(cutover.ActionStart) })
			again := e.Audit[i]
			again.ID += 1000
			e.Audit = slices.Insert(slices.Clone(e.Audit), i+1, again)
		}, ""},
		{"a transition the audit log does not show", CheckController, func(e *evidence) {
			last := e.Route.Transitions[len(e.Route.Transitions)-1]
			last.Seq++
			last.EffectiveFrom = last.EffectiveFrom.Add(time.Second)
			e.Route.Transitions = append(slices.Clone(e.Route.Transitions), last)
		}, ""},
		{"a cutover that did not end promoted", CheckController, func(e *evidence) {
			e.State.Phase = diffstore.PhaseRunning
		}, ""},
	}
}

func sourceEventID(t *testing.T, m kafka.Message) string {
	var rt struct {
		SourceEventID string `json:"source_event_id"`
	}
	if err := json.Unmarshal(m.Value, &rt); err != nil {
		t.Fatal(err)
	}
	return rt.SourceEventID
}

func cloneDivergences(m map[diffstore.Kind][]string) map[diffstore.Kind][]string {
	out := make(map[diffstore.Kind][]string, len(m))
	for k, v := range m {
		out[k] = slices.Clone(v)
	}
	return out
}
