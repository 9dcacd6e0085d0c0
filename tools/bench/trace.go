package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// stageTail follows one topic of a chain for Config.Trace.
type stageTail struct {
	stage string
	tail  *liveTail
}

// traceStages are the chain's topics followed besides the live one when
// tracing, in the order an event passes them.
func (c *chain) traceStages(brokers []string) []stageTail {
	return []stageTail{{"orders", newTail(brokers, c.orders)}, {"v1", newTail(brokers, c.v1)}, {"v2", newTail(brokers, c.v2)}}
}

// startTrace starts the stage tails, if any, and notes when the chain
// started.
func (c *chain) startTrace(ctx context.Context) error {
	c.started = time.Now()
	for _, s := range c.stages {
		if err := s.tail.start(ctx); err != nil {
			return err
		}
	}
	return nil
}

// finishTails stops every tail of the chain, fills in the event latency
// (and, when tracing, the latency per stage) and writes the trace.
func (c *chain) finishTails(res *Result, dir string) error {
	live := c.tail.halt()
	p50, p99, _ := latencies(live)
	res.EventLatencyP50Ms, res.EventLatencyP99Ms = ms(p50), ms(p99)
	if dir == "" {
		return nil
	}
	stages := append(c.stages, stageTail{"live", c.tail})
	seen := make([][]arrival, len(stages))
	for i, s := range stages {
		seen[i] = s.tail.halt()
		p50, p99, top := latencies(seen[i])
		res.Stages = append(res.Stages, StageLatency{Stage: s.stage, Records: len(seen[i]), P50Ms: ms(p50), P99Ms: ms(p99), MaxMs: ms(top)})
	}
	return writeTrace(filepath.Join(dir, string(c.p)+".csv"), c.started, stages, seen)
}

// latencies returns the p50, p99 and largest latency of arrivals.
func latencies(arrivals []arrival) (p50, p99, top time.Duration) {
	lat := make([]time.Duration, len(arrivals))
	for i, a := range arrivals {
		lat[i] = a.latency()
		top = max(top, lat[i])
	}
	return percentile(lat, 0.50), percentile(lat, 0.99), top
}

// writeTrace writes one line per record read by each stage's tail:
// stage,partition,offset,event_unix_ns,seen_unix_ns. The first line,
// "start,-1,-1,T,T", is when the chain's processes were started.
func writeTrace(path string, started time.Time, stages []stageTail, seen [][]arrival) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("trace: %w (set --trace to a directory that exists)", err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintf(w, "stage,partition,offset,event_unix_ns,seen_unix_ns\nstart,-1,-1,%d,%d\n", started.UnixNano(), started.UnixNano())
	for i, s := range stages {
		for _, a := range seen[i] {
			w.WriteString(s.stage + "," + strconv.Itoa(int(a.partition)) + "," + strconv.FormatInt(a.offset, 10) + "," +
				strconv.FormatInt(a.event.UnixNano(), 10) + "," + strconv.FormatInt(a.seen.UnixNano(), 10) + "\n")
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("trace %s: %w", path, err)
	}
	return f.Close()
}
