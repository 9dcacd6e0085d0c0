package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// writeJSON prints v as one JSON document on w.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// progress reports long work on stderr: one line rewritten in place on a
// terminal, or one plain line per interval otherwise; nothing with --json
// when stderr is not a terminal is needed, so quiet turns it off.
type progress struct {
	w        io.Writer
	tty      bool
	quiet    bool
	interval time.Duration
	last     time.Time
	now      func() time.Time
	printed  bool
}

func newProgress(d deps, quiet bool) *progress {
	tty := d.stderrIsTTY()
	interval := 5 * time.Second
	if tty {
		interval = 200 * time.Millisecond
	}
	return &progress{w: d.stderr, tty: tty, quiet: quiet, interval: interval, now: d.now}
}

// Update shows the line if the interval has passed since the last one.
func (p *progress) Update(format string, args ...any) {
	if p.quiet {
		return
	}
	now := p.now()
	if now.Sub(p.last) < p.interval {
		return
	}
	p.last = now
	line := fmt.Sprintf(format, args...)
	if p.tty {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
		p.printed = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// Done ends an in-place line.
func (p *progress) Done() {
	if p.tty && p.printed {
		fmt.Fprintln(p.w)
	}
}

// table renders rows as aligned columns.
func table(w io.Writer, header []string, rows [][]string) {
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = len(h)
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], len(c))
		}
	}
	line := func(cells []string) {
		parts := make([]string, len(cells))
		for i, c := range cells {
			if i == len(cells)-1 {
				parts[i] = c
			} else {
				parts[i] = c + strings.Repeat(" ", widths[i]-len(c))
			}
		}
		fmt.Fprintln(w, strings.Join(parts, "  "))
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
}
