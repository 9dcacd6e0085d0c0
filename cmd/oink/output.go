package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"
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

// Done clears an in-place line, so what follows starts on a clean line
// and the terminal keeps no stale progress.
func (p *progress) Done() {
	if p.tty && p.printed {
		fmt.Fprint(p.w, "\r\033[K")
		p.printed = false
	}
}

// table renders rows as aligned columns, each as wide as its widest cell
// in display width (terminal cells), so a cell holding "≠", "é" or a CJK
// character stays aligned.
func table(w io.Writer, header []string, rows [][]string) {
	tableLayout{}.write(w, header, rows)
}

// outputWidth is the width text output fits when it has to choose: tables
// with long cells and side-by-side records.
const outputWidth = 100

// minShrunkCell is the narrowest a shrinking column gets.
const minShrunkCell = 12

// tableLayout says how a table is laid out beyond aligning its columns.
type tableLayout struct {
	// Right marks the columns aligned right (numbers).
	Right []bool
	// Width, when set, is the most cells a line may take: the columns in
	// Shrink give up width, first the first, each down to minShrunkCell,
	// and their cells are cut with "…". The last column is never padded.
	Width  int
	Shrink []int
}

// write renders header and rows under the layout.
func (l tableLayout) write(w io.Writer, header []string, rows [][]string) {
	const gap = 2
	widths := make([]int, len(header))
	for i, h := range header {
		widths[i] = ansi.StringWidth(h)
	}
	for _, r := range rows {
		for i, c := range r {
			widths[i] = max(widths[i], ansi.StringWidth(c))
		}
	}
	if l.Width > 0 {
		total := gap * (len(widths) - 1)
		for _, wd := range widths {
			total += wd
		}
		for _, col := range l.Shrink {
			if over := total - l.Width; over > 0 && widths[col] > minShrunkCell {
				cut := min(over, widths[col]-minShrunkCell)
				widths[col] -= cut
				total -= cut
			}
		}
	}
	line := func(cells []string) {
		var b strings.Builder
		for i, c := range cells {
			c = ansi.Truncate(c, widths[i], "…")
			pad := strings.Repeat(" ", widths[i]-ansi.StringWidth(c))
			switch {
			case i < len(l.Right) && l.Right[i]:
				b.WriteString(pad + c)
			case i == len(cells)-1:
				b.WriteString(c)
			default:
				b.WriteString(c + pad)
			}
			if i < len(cells)-1 {
				b.WriteString(strings.Repeat(" ", gap))
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
	line(header)
	for _, r := range rows {
		line(r)
	}
}
