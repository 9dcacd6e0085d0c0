package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/human"
	"github.com/oinkhq/oink/report"
)

// reportOptions are the flags of `oink report`.
type reportOptions struct {
	run    string
	out    string // "-" for stdout; "" for the format's default
	format string // "html" or "markdown"
	dlq    []string
	top    int
	// formatSet is true when --format (or its environment twin) was given,
	// so an -o ending in .md does not choose Markdown over it.
	formatSet bool
}

const reportExample = `  oink report --run shadow-1                       # writes report-shadow-1.html
  oink report --run shadow-1 -o ticket-4711.html
  oink report --run shadow-1 --format markdown     # Markdown on stdout
  oink report --run shadow-1 -o report.md --dlq orders.dlq
  oink report --run shadow-1 --dlq ''              # leave dead letters out`

func newReportCmd(d deps, g *globalOptions, runF runFunc[reportOptions]) *cobra.Command {
	cmd, o := newCommand(d, g, runF, runReport, &cobra.Command{
		Use:   "report",
		Short: "Write a run's report as one self-contained HTML page or Markdown, to attach to a ticket",
		Long: `Writes one file that a migration lead attaches to a ticket for the upstream and
downstream teams: the run and its accounting identity, divergent and missing
records over source event time (a chart, with stage changes and rollbacks
marked), the cutover timeline with who and why, the top diverging paths with
an example pair each, the accepted differences by rule with their reasons,
the dead letters by error code and field (read from the --dlq topics), the
share of identical and equivalent pairs, and what the switch forwarded,
skipped and dropped per version.

The HTML page needs nothing at view time: its CSS and SVG charts are inline,
it has no script and loads nothing from the network. Markdown carries the same
sections as tables, the chart as a table of buckets. The store is read in one
snapshot, so a report on a live run describes one moment.`,
		Example: reportExample,
		Args:    usageArgs(cobra.NoArgs),
	})
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		o.formatSet = cmd.Flags().Changed("format")
		return o.validate()
	}
	f := cmd.Flags()
	f.StringVar(&o.run, "run", "", "run name (required; list them with oink runs list)")
	f.StringVarP(&o.out, "output", "o", "", `file to write, "-" for stdout (default: report-RUN.html for html, stdout for markdown)`)
	f.StringVar(&o.format, "format", "html", "html or markdown (default markdown when -o ends in .md)")
	f.StringSliceVar(&o.dlq, "dlq", []string{"orders.dlq", "rtcim.compare.dlq"}, `dead-letter topics to read, comma-separated; "" for none`)
	f.IntVar(&o.top, "top", 10, "diverging paths to show, each with an example pair")
	return cmd
}

// validate checks the flags and settles the format.
func (o *reportOptions) validate() error {
	var bad flagProblems
	if o.run == "" {
		bad.add("--run is required: name the run to report on (list them with oink runs list)")
	}
	if !o.formatSet && (strings.HasSuffix(o.out, ".md") || strings.HasSuffix(o.out, ".markdown")) {
		o.format = "markdown"
	}
	switch o.format {
	case "html", "markdown":
	case "md":
		o.format = "markdown"
	default:
		bad.add("--format %q: want html or markdown", o.format)
	}
	if o.top < 1 {
		bad.add("--top %d: want 1 or more paths", o.top)
	}
	var topics []string
	for _, t := range o.dlq {
		if t = strings.TrimSpace(t); t != "" {
			topics = append(topics, t)
		}
	}
	o.dlq = topics
	return bad.err()
}

// dlqMetadataTimeout bounds the first request to the brokers, so that an
// unreachable --brokers fails fast with the fix instead of hanging.
const dlqMetadataTimeout = 15 * time.Second

func runReport(ctx context.Context, d deps, g *globalOptions, o *reportOptions) error {
	data, err := gatherReport(ctx, d, g, o)
	if err != nil {
		return err
	}
	if len(o.dlq) > 0 {
		if data.DeadLetters, err = report.ReadDeadLetters(ctx, g.brokers, o.dlq, dlqMetadataTimeout); err != nil {
			return fmt.Errorf("--dlq %s on --brokers %s: %w (check --brokers, or pass --dlq '' to leave dead letters out)",
				strings.Join(o.dlq, ","), strings.Join(g.brokers, ","), err)
		}
	}
	render := report.HTML
	if o.format == "markdown" {
		render = report.Markdown
	}
	path := o.out
	if path == "" && o.format == "html" {
		path = "report-" + fileSafe(o.run) + ".html"
	}
	if path == "" || path == "-" {
		return render(d.stdout, data)
	}
	n, err := writeFileAtomic(path, func(w io.Writer) error { return render(w, data) })
	if err != nil {
		return fmt.Errorf("-o %s: %w", path, err)
	}
	fmt.Fprintf(d.stderr, "wrote the %s report of run %s to %s (%s)\n", o.format, o.run, path, human.Bytes(n))
	return nil
}

// gatherReport reads the run from the store in one REPEATABLE READ
// snapshot.
func gatherReport(ctx context.Context, d deps, g *globalOptions, o *reportOptions) (*report.Data, error) {
	pool, closePool, err := openPool(ctx, g)
	if err != nil {
		return nil, err
	}
	defer closePool()
	var data *report.Data
	err = pgx.BeginTxFunc(ctx, pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		data, err = report.Gather(ctx, diffstore.New(tx), o.run, report.Options{TopPaths: o.top, Now: d.now})
		return err
	})
	if errors.Is(err, diffstore.ErrNotFound) {
		return nil, runNotFoundError{run: o.run, err: err}
	}
	return data, err
}

var unsafeFileChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// fileSafe makes a run name usable in a file name.
func fileSafe(s string) string { return unsafeFileChars.ReplaceAllString(s, "_") }

// writeFileAtomic writes path through a temporary file in its directory
// and renames it into place, so a failed report never leaves half a file.
// It returns the bytes written.
func writeFileAtomic(path string, write func(io.Writer) error) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".oink-report-*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // best effort: gone after the rename
	cw := &countingWriter{w: tmp}
	if err := write(cw); err != nil {
		tmp.Close()
		return 0, err
	}
	if err := tmp.Close(); err != nil {
		return 0, err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return 0, err
	}
	return cw.n, os.Rename(tmp.Name(), path)
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}
