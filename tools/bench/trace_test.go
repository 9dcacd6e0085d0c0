package bench

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oinkhq/oink/testkit/pgtest"
)

// TestPipelineTraceTimesEveryStage: with Trace, the oink chain's report
// carries a latency per stage (orders, v1, v2, live, each with every record
// it should have read) and the trace file holds one line per record read.
func TestPipelineTraceTimesEveryStage(t *testing.T) {
	const events = 2000
	exe := buildOink(t)
	url, _ := pgtest.SchemaURL(t)
	dir := t.TempDir()
	rep, err := Run(t.Context(), Config{Exe: exe, Role: RolePipeline, Events: events, Partitions: 4, BatchSize: 500, Seed: 1,
		InvalidRatio: 0.01, StopWhenIdle: 300 * time.Millisecond, Timeout: 90 * time.Second, DatabaseURL: url,
		RulesFile: "../../shipped/rules/rtcim.yaml", Pipelines: []Pipeline{Oink}, Rate: 2000, Trace: dir})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	r := rep.Pipelines[0]
	valid := int(events - rep.Load.Invalid)
	want := map[string]int{"orders": events, "v1": valid, "v2": valid, "live": valid}
	if len(r.Stages) != 4 {
		t.Fatalf("stages %+v, want orders, v1, v2 and live", r.Stages)
	}
	lines := 0
	for _, s := range r.Stages {
		if s.Records != want[s.Stage] || s.P50Ms <= 0 || s.P99Ms < s.P50Ms || s.MaxMs < s.P99Ms {
			t.Errorf("stage %+v: want %d records and 0 < p50 <= p99 <= max", s, want[s.Stage])
		}
		lines += s.Records
	}
	if live := r.Stages[3]; live.P50Ms != r.EventLatencyP50Ms || live.P99Ms != r.EventLatencyP99Ms {
		t.Errorf("live stage %+v, event latency %.1f/%.1f ms: want the same", live, r.EventLatencyP50Ms, r.EventLatencyP99Ms)
	}
	b, err := os.ReadFile(filepath.Join(dir, "oink.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(string(b), "\n"); got != lines+2 {
		t.Errorf("trace has %d lines, want a header, the start and %d records", got, lines)
	}
}
