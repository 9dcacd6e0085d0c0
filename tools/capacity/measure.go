package capacity

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// benchReport is the part of an `oink bench … --json` report a plan reads
// (tools/bench.Report). Reports without a role are producer reports:
// `oink bench producer` printed none before the other roles existed.
type benchReport struct {
	Role      string        `json:"role"`
	CPUs      int           `json:"cpus"`
	Pipelines []benchResult `json:"pipelines"`
}

// benchResult is one pipeline of a benchReport.
type benchResult struct {
	Pipeline        string  `json:"pipeline"`
	Events          float64 `json:"events"`
	EventsPerSecond float64 `json:"eventsPerSecond"`
	PeakRssMB       float64 `json:"peakRssMB"`
	CPUSeconds      float64 `json:"cpuSeconds"`
}

// builtin holds the 1M-event reports BENCHMARKS.md quotes (producer,
// comparator, switch), as `oink bench … --json`
// printed them on the machine it describes: a plan without --from-bench
// starts from them (and says so).
//
//go:embed measured.json
var builtin []byte

// Builtin returns the measurements shipped with oink (BENCHMARKS.md).
func Builtin() ([]Measured, error) {
	return FromBench("built in (BENCHMARKS.md)", builtin)
}

// FromBench reads the measurements in data: one `oink bench … --json`
// report, a JSON array of them, or several reports one after the other (as
// `cat a.json b.json` gives). source names data in errors and in the plan.
// A role measured twice keeps the later measurement; pipeline reports (the
// roles together) are skipped: a plan sizes each role from its own bench.
func FromBench(source string, data []byte) ([]Measured, error) {
	reports, err := decodeReports(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; want the output of `oink bench ROLE --json`", source, err)
	}
	var out []Measured
	for i, r := range reports {
		role := Role(r.Role)
		if role == "" {
			role = Producer
		}
		if role == "pipeline" {
			continue
		}
		if !slices.Contains(Roles(), role) {
			return nil, fmt.Errorf("%s: report %d: role %q: want producer, comparator, switch or pipeline", source, i+1, r.Role)
		}
		j := slices.IndexFunc(r.Pipelines, func(p benchResult) bool { return p.Pipeline == "oink" })
		if j < 0 {
			return nil, fmt.Errorf("%s: report %d (%s): no \"oink\" pipeline; rerun the bench with the oink pipeline", source, i+1, role)
		}
		p := r.Pipelines[j]
		m := Measured{Role: role, PerSecond: p.EventsPerSecond, PeakRssMB: p.PeakRssMB, Source: source, CPUs: r.CPUs}
		if p.Events > 0 {
			m.CPUSecondsPerEvent = p.CPUSeconds / p.Events
		}
		out = slices.DeleteFunc(out, func(o Measured) bool { return o.Role == role })
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no producer, comparator or switch report in it", source)
	}
	return out, nil
}

// decodeReports reads a report, an array of reports, or a stream of them.
func decodeReports(data []byte) ([]benchReport, error) {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errors.New("empty")
	}
	if trimmed[0] == '[' {
		var rs []benchReport
		if err := json.Unmarshal(trimmed, &rs); err != nil {
			return nil, err
		}
		return rs, nil
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	var rs []benchReport
	for {
		var r benchReport
		err := dec.Decode(&r)
		if errors.Is(err, io.EOF) {
			return rs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("report %d: %w", len(rs)+1, err)
		}
		rs = append(rs, r)
	}
}

// Merge returns base with every role of over replacing base's.
func Merge(base, over []Measured) []Measured {
	out := slices.Clone(over)
	for _, b := range base {
		if !slices.ContainsFunc(out, func(o Measured) bool { return o.Role == b.Role }) {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b Measured) int { return slices.Index(Roles(), a.Role) - slices.Index(Roles(), b.Role) })
	return out
}

// ParseRate reads a traffic rate: a number of events per unit, the unit one
// of s, min, h or d (also sec, second, m, minute, hour, day), with an
// optional k or M suffix on the number: "150000/h", "150k/h", "42/s",
// "2.5M/d". It returns events per second.
func ParseRate(s string) (float64, error) {
	num, unit, ok := strings.Cut(strings.TrimSpace(s), "/")
	if !ok {
		return 0, fmt.Errorf("%q: want events per unit, e.g. 150000/h, 2500/min or 42/s", s)
	}
	mult := 1.0
	num = strings.TrimSpace(num)
	switch {
	case strings.HasSuffix(num, "k"), strings.HasSuffix(num, "K"):
		mult, num = 1e3, num[:len(num)-1]
	case strings.HasSuffix(num, "M"):
		mult, num = 1e6, num[:len(num)-1]
	}
	n, err := strconv.ParseFloat(strings.ReplaceAll(num, "_", ""), 64)
	if err != nil || !(n > 0) || n > 1e15 {
		return 0, fmt.Errorf("%q: the count %q is not a positive number; e.g. 150000/h", s, num)
	}
	var per float64
	switch strings.ToLower(strings.TrimSpace(unit)) {
	case "s", "sec", "second":
		per = 1
	case "m", "min", "minute":
		per = 60
	case "h", "hr", "hour":
		per = 3600
	case "d", "day":
		per = 86400
	default:
		return 0, fmt.Errorf("%q: unknown unit %q; want s, min, h or d, e.g. 150000/h", s, unit)
	}
	return n * mult / per, nil
}
