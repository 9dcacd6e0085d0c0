package bench

import (
	"testing"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// runRole runs the benchmark of role on a small input with the embedded
// broker and a fresh Postgres schema, and checks what every role shares:
// three pipelines, plausible numbers, ratios, and no run left behind.
func runRole(t *testing.T, role Role, events int, faults string) Report {
	t.Helper()
	exe := buildOink(t)
	url, pool := pgtest.SchemaURL(t)
	rep, err := Run(t.Context(), Config{Exe: exe, Role: role, Events: events, Partitions: 4, BatchSize: 500, Seed: 1,
		InvalidRatio: 0.01, StopWhenIdle: 300 * time.Millisecond, Timeout: 90 * time.Second, DatabaseURL: url,
		RulesFile: "../../shipped/rules/rtcim.yaml", Faults: faults})
	if err != nil {
		t.Fatalf("Run(%s): %v", role, err)
	}
	if rep.Role != role || len(rep.Pipelines) != 3 {
		t.Fatalf("report of role %q with %d pipelines, want %q and 3: %+v", rep.Role, len(rep.Pipelines), role, rep)
	}
	for i, r := range rep.Pipelines {
		if r.Pipeline != AllPipelines()[i] {
			t.Errorf("pipeline %d is %q, want %q", i, r.Pipeline, AllPipelines()[i])
		}
		switch {
		case r.EventsPerSecond <= 0 || r.Seconds <= 0 || r.Seconds > 90:
			t.Errorf("%s: %.0f %s/s over %.2fs", r.Pipeline, r.EventsPerSecond, r.Unit, r.Seconds)
		case len(r.Processes) == 0 || r.PeakRssMB < 5 || r.PeakRssMB > 1024 || r.CPUSeconds <= 0:
			t.Errorf("%s: processes %+v, peak RSS %.1f MiB, %.2f CPU seconds", r.Pipeline, r.Processes, r.PeakRssMB, r.CPUSeconds)
		}
	}
	if rep.Ratio == nil || rep.RatioRaw == nil || *rep.Ratio <= 0 || *rep.RatioRaw <= 0 {
		t.Errorf("ratio %v, ratio_raw %v: want both positive", rep.Ratio, rep.RatioRaw)
	}
	runs, err := diffstore.New(pool).ListRuns(t.Context())
	if err != nil || len(runs) != 0 {
		t.Errorf("runs left in the database: %v (%v), want none", runs, err)
	}
	return rep
}

// TestComparatorRoleAccountsForEveryPair: oink compare and the kgo compare
// pipe find one pair per valid event, and the accepted and divergent pairs
// v1's fault log predicts (shipping faults diverge, rounding ones are
// accepted); the raw pipe copies both topics.
func TestComparatorRoleAccountsForEveryPair(t *testing.T) {
	rep := runRole(t, RoleComparator, 3000, "rounding=0.05,utc-date=0.02,reorder=0.05,shipping=0.01")
	valid := int64(rep.Events - rep.Load.Invalid)
	if rep.Setup == nil || rep.Setup.V1Records != valid || rep.Setup.V2Records != valid {
		t.Fatalf("setup %+v, want %d records on v1 and v2", rep.Setup, valid)
	}
	oink, ref, raw := rep.Pipelines[0], rep.Pipelines[1], rep.Pipelines[2]
	for _, r := range []Result{oink, ref} {
		if r.Unit != "pairs" || r.Events != valid || r.Pairs != valid || r.Accepted == 0 || r.Divergent == 0 {
			t.Errorf("%s: %d %s, %d pairs (%d accepted, %d divergent); want %d pairs, some accepted and divergent",
				r.Pipeline, r.Events, r.Unit, r.Pairs, r.Accepted, r.Divergent, valid)
		}
	}
	if oink.Accepted != ref.Accepted || oink.Divergent != ref.Divergent {
		t.Errorf("oink found %d accepted and %d divergent pairs, ref transform %d and %d: want the same", oink.Accepted, oink.Divergent, ref.Accepted, ref.Divergent)
	}
	if raw.RecordsOut != 2*valid {
		t.Errorf("ref raw copied %d records, want %d", raw.RecordsOut, 2*valid)
	}
}

// TestSwitchRolePutsEveryEventLiveOnce: oink switch and the kgo switch pipe
// each put every valid event on their live topic once, from its owner
// (checked by Run with cutover.CheckLive).
func TestSwitchRolePutsEveryEventLiveOnce(t *testing.T) {
	rep := runRole(t, RoleSwitch, 3000, "")
	valid := int64(rep.Events - rep.Load.Invalid)
	if rep.Setup == nil || rep.Setup.Percent != 50 {
		t.Errorf("setup %+v, want the default route at 50%%", rep.Setup)
	}
	for _, r := range rep.Pipelines {
		want := valid
		if r.Pipeline == RefRaw {
			want = 2 * valid
		} else if r.LiveRecords != valid {
			t.Errorf("%s: %d live records, want %d", r.Pipeline, r.LiveRecords, valid)
		}
		if r.Unit != "records" || r.Events != 2*valid || r.RecordsOut != want {
			t.Errorf("%s: %d %s in, %d out; want %d records in, %d out", r.Pipeline, r.Events, r.Unit, r.RecordsOut, 2*valid, want)
		}
	}
}

// TestPipelineRoleRunsEveryProcess: each chain runs its five processes at
// once, and ends with every valid event compared and live once.
func TestPipelineRoleRunsEveryProcess(t *testing.T) {
	const events = 4000
	rep := runRole(t, RolePipeline, events, "")
	valid := int64(events - rep.Load.Invalid)
	if rep.Load.Invalid == 0 || rep.Load.Invalid > events/20 {
		t.Errorf("%d invalid events, want about 1%% of %d", rep.Load.Invalid, events)
	}
	for _, r := range rep.Pipelines {
		wantLive := valid
		if r.Pipeline == RefRaw {
			wantLive = 2 * events
		} else if r.Pairs != valid {
			t.Errorf("%s: %d pairs, want %d", r.Pipeline, r.Pairs, valid)
		}
		if r.Unit != "events" || r.Events != events || r.LiveRecords != wantLive || len(r.Processes) != 5 {
			t.Errorf("%s: %d %s, %d live records, %d processes; want %d events, %d live, 5 processes",
				r.Pipeline, r.Events, r.Unit, r.LiveRecords, len(r.Processes), events, wantLive)
		}
		if r.EventLatencyP50Ms <= 0 || r.EventLatencyP99Ms < r.EventLatencyP50Ms {
			t.Errorf("%s: event latency p50 %.1fms p99 %.1fms", r.Pipeline, r.EventLatencyP50Ms, r.EventLatencyP99Ms)
		}
	}
}
