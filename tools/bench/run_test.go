package bench

import (
	"slices"
	"testing"
	"time"

	"github.com/oinkhq/oink/testkit/oinkbin"
)

// TestMain removes the oink binary the tests built.
func TestMain(m *testing.M) {
	oinkbin.Main(m)
}

// buildOink returns the oink binary Run's pipelines run as child
// processes (testkit/oinkbin).
func buildOink(t *testing.T) string { return oinkbin.Path(t) }

// TestRunMeasuresEveryPipeline runs the whole benchmark on a small input
// with the embedded broker: every pipeline must account for every event, and
// every number must be plausible.
func TestRunMeasuresEveryPipeline(t *testing.T) {
	const events = 5000
	exe := buildOink(t)
	var steps []string
	rep, err := Run(t.Context(), Config{Exe: exe, Events: events, Partitions: 4, BatchSize: 500, Seed: 1, InvalidRatio: 0.01,
		StopWhenIdle: 300 * time.Millisecond, Timeout: 60 * time.Second,
		Progress: func(p Progress) {
			if len(steps) == 0 || steps[len(steps)-1] != p.Step {
				steps = append(steps, p.Step)
			}
		}})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rep.Broker != "embedded" || rep.Load.Invalid == 0 || rep.Load.Invalid > events/20 {
		t.Errorf("report broker %q, %d invalid events loaded; want embedded and about 1%% of %d", rep.Broker, rep.Load.Invalid, events)
	}
	if len(rep.Pipelines) != 3 {
		t.Fatalf("%d pipelines measured, want 3: %+v", len(rep.Pipelines), rep.Pipelines)
	}
	for i, r := range rep.Pipelines {
		if r.Pipeline != AllPipelines()[i] {
			t.Errorf("pipeline %d is %q, want %q", i, r.Pipeline, AllPipelines()[i])
		}
		wantDead := int64(rep.Load.Invalid)
		if r.Pipeline == RefRaw {
			wantDead = 0
		}
		if r.Events != events || r.RecordsOut+r.DeadLetters != events || r.DeadLetters != wantDead {
			t.Errorf("%s: %d events, %d out, %d dead letters; want %d events, all out, %d dead letters",
				r.Pipeline, r.Events, r.RecordsOut, r.DeadLetters, events, wantDead)
		}
		switch {
		case r.EventsPerSecond <= 0 || r.Seconds <= 0 || r.Seconds > 60:
			t.Errorf("%s: %.0f events/s over %.2fs", r.Pipeline, r.EventsPerSecond, r.Seconds)
		case r.StartupSeconds < 0 || r.StartupSeconds > r.Seconds:
			t.Errorf("%s: startup %.2fs of %.2fs", r.Pipeline, r.StartupSeconds, r.Seconds)
		case r.Commits < 2 || r.BatchLatencyP50Ms <= 0 || r.BatchLatencyP99Ms < r.BatchLatencyP50Ms:
			t.Errorf("%s: %d commits, batch latency p50 %.1fms p99 %.1fms", r.Pipeline, r.Commits, r.BatchLatencyP50Ms, r.BatchLatencyP99Ms)
		case r.PeakRssMB < 5 || r.PeakRssMB > 1024:
			t.Errorf("%s: peak RSS %.1f MiB", r.Pipeline, r.PeakRssMB)
		case r.CPUSeconds <= 0 || r.CPUSeconds > 120:
			t.Errorf("%s: %.2f CPU seconds", r.Pipeline, r.CPUSeconds)
		}
	}
	if rep.Ratio == nil || rep.RatioRaw == nil || *rep.Ratio <= 0 || *rep.RatioRaw <= 0 {
		t.Errorf("ratio %v, ratio_raw %v: want both positive", rep.Ratio, rep.RatioRaw)
	}
	if rep.BrokerPeakRssMB <= 0 {
		t.Errorf("broker peak RSS %.1f MiB, want it read from /proc", rep.BrokerPeakRssMB)
	}
	if want := []string{"load", "oink", "ref-transform", "ref-raw"}; !slices.Equal(steps, want) {
		t.Errorf("progress steps %v, want %v", steps, want)
	}
}
