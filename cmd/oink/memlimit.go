package main

import (
	"fmt"
	"math"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
)

// defaultMemoryLimit is the soft memory limit of produce, legacy, compare
// and controller when neither --memory-limit nor GOMEMLIMIT says otherwise.
// Measured on 250K and 1M events (embedded broker, 2 cores): compare's peak
// RSS fell from 74-78 MB to 66 MB for 0-8% more CPU; produce stayed at
// 56 MB (its heap is below the limit).
const defaultMemoryLimit = 48 << 20

// produceMemoryLimit is produce's default: 40MiB. Converting on every core
// while the previous batch is written keeps two batches in hand, a live
// heap of ~10-18 MB (5,000-event batches) that the collector let grow to
// ~30 MB: peak RSS 65 MB at 48MiB, 60 MB at 40MiB for the same CPU (300K
// events; 32MiB: 52 MB for +8% CPU).
const produceMemoryLimit = 40 << 20

// switchMemoryLimit is the switch's default: 40MiB. Its live heap at 1M
// events is ~15-20 MB (the dedupe window ~7 MB, records taken from the
// sources, fetch queues, writer), so the collector seldom needs the limit
// (peak RSS 71 → 58 MB for ~2% more CPU). Against the switch before these
// changes (5,000 batch, queues of 64, no limit): 92 → 58 MB at 1M events
// for ~9% more CPU, as a heap half the size is collected ~2.7 times as
// often (164 → ~435 cycles). Before the switch's smaller
// batch and reader queues (cutover.DefaultSwitchBatch,
// DefaultSwitchBuffers) its live heap was ~30-35 MB and a 48MiB limit
// cost +27% CPU, so it had none.
const switchMemoryLimit = 40 << 20

// memoryLimit is the value of --memory-limit: bytes, 0 for none.
type memoryLimit int64

func (m *memoryLimit) String() string {
	if *m == 0 {
		return "0"
	}
	return formatSize(int64(*m))
}

func (m *memoryLimit) Set(s string) error {
	n, err := parseSize(s)
	if err != nil {
		return err
	}
	*m = memoryLimit(n)
	return nil
}

func (m *memoryLimit) Type() string { return "size" }

// withMemoryLimit gives a long-running command the --memory-limit flag and
// sets the Go runtime's soft memory limit (debug.SetMemoryLimit) for the
// command's run: the garbage collector then collects more often only when
// the heap nears the limit, instead of letting it grow to twice what is live
// (GOGC=100). def is the flag's default (0: none). GOMEMLIMIT in the
// environment wins over the flag's default;
// the limit set is undone when the command returns.
func withMemoryLimit(cmd *cobra.Command, d deps, g *globalOptions, def int64) {
	limit := memoryLimit(def)
	cmd.Flags().Var(&limit, "memory-limit", "soft memory limit of the Go runtime, e.g. 48MiB or 1GiB (0: none); "+
		"the garbage collector works harder only as the heap nears it. GOMEMLIMIT, if set, wins over the default")
	run := cmd.RunE
	cmd.RunE = func(c *cobra.Command, args []string) error {
		_, fromEnv := d.lookupEnv("GOMEMLIMIT")
		if fromEnv && !c.Flags().Changed("memory-limit") {
			return run(c, args) // the runtime already read GOMEMLIMIT
		}
		n := int64(limit)
		if n == 0 {
			n = math.MaxInt64 // the runtime's "no limit"
		}
		prev := debug.SetMemoryLimit(n)
		defer debug.SetMemoryLimit(prev)
		g.log.Debug("soft memory limit", "limit", limit.String())
		return run(c, args)
	}
}

// sizeUnits are the suffixes GOMEMLIMIT accepts, plus their decimal
// cousins, largest first so "MiB" is not read as "B".
var sizeUnits = []struct {
	suffix string
	factor int64
}{
	{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10},
	{"TB", 1e12}, {"GB", 1e9}, {"MB", 1e6}, {"KB", 1e3}, {"B", 1},
}

// parseSize reads a byte count such as 48MiB, 64MB, 1GiB or 50331648.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	factor := int64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(t, u.suffix) {
			t, factor = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.factor
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/factor {
		return 0, fmt.Errorf("%q: want a size such as 48MiB, 64MB, 1GiB or a number of bytes (0: none)", s)
	}
	return n * factor, nil
}

// formatSize writes n in the largest binary unit that divides it.
func formatSize(n int64) string {
	for _, u := range sizeUnits[:4] {
		if n%u.factor == 0 {
			return strconv.FormatInt(n/u.factor, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}
