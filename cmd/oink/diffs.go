package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/charmbracelet/x/ansi"
	"github.com/spf13/cobra"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/human"
)

func newDiffsCmd(d deps, g *globalOptions) *cobra.Command {
	cmd := groupCmd(&cobra.Command{
		Use:   "diffs",
		Short: "Read a shadow run's results: summary, divergences, diverging paths",
	})
	cmd.AddCommand(newDiffsSummaryCmd(d, g), newDiffsListCmd(d, g), newDiffsShowCmd(d, g), newDiffsPathsCmd(d, g))
	return cmd
}

// withRun runs f with an open diffstore and the run named by run, which
// must exist (else a runNotFoundError, exit 2).
func withRun(cmd *cobra.Command, g *globalOptions, run string, f func(*diffstore.Store, diffstore.Run) error) error {
	if run == "" {
		return usageError{errors.New("--run is required: name the shadow run (list them with oink runs list)")}
	}
	return withStore(cmd.Context(), g, func(s *diffstore.Store) error {
		r, err := s.GetRun(cmd.Context(), run)
		if errors.Is(err, diffstore.ErrNotFound) {
			return runNotFoundError{run: run, err: err}
		}
		if err != nil {
			return err
		}
		return f(s, r)
	})
}

func newDiffsSummaryCmd(d deps, g *globalOptions) *cobra.Command {
	var run string
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "summary",
		Short:   "Totals of a run and the accounting identity",
		Example: "  oink diffs summary --run shadow-1\n  oink diffs summary --run shadow-1 --json | jq .divergent",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRun(cmd, g, run, func(s *diffstore.Store, _ diffstore.Run) error {
				sum, err := s.Summary(cmd.Context(), run)
				if err != nil {
					return err
				}
				return printSummary(d, sum, asJSON)
			})
		},
	}
	cmd.Flags().StringVar(&run, "run", "", "run name (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// summaryJSON is the stable JSON of `diffs summary`.
type summaryJSON struct {
	Run           string `json:"run"`
	ReadControl   int64  `json:"readControl"`
	ReadCandidate int64  `json:"readCandidate"`
	Pairs         int64  `json:"pairs"`
	// Equal is Identical + Equivalent (+ Unleveled for pairs compared
	// before levels were recorded).
	Equal                int64            `json:"equal"`
	Identical            int64            `json:"identical"`
	Equivalent           int64            `json:"equivalent"`
	Unleveled            int64            `json:"unleveled"`
	Accepted             int64            `json:"accepted"`
	AcceptedByRule       map[string]int64 `json:"acceptedByRule"`
	Divergent            int64            `json:"divergent"`
	Shares               levelShares      `json:"shares"`
	MissingInControl     int64            `json:"missingInControl"`
	MissingInCandidate   int64            `json:"missingInCandidate"`
	PendingControl       int64            `json:"pendingControl"`
	PendingCandidate     int64            `json:"pendingCandidate"`
	DuplicatesControl    int64            `json:"duplicatesControl"`
	DuplicatesCandidate  int64            `json:"duplicatesCandidate"`
	UndecodableControl   int64            `json:"undecodableControl"`
	UndecodableCandidate int64            `json:"undecodableCandidate"`
	// Lag is the records the comparator has yet to read, both topics
	// summed.
	Lag             int64 `json:"lag"`
	AccountingHolds bool  `json:"accountingHolds"`
}

// levelShares are the pairs of each level as fractions of all pairs (0
// when there are none).
type levelShares struct {
	Identical  float64 `json:"identical"`
	Equivalent float64 `json:"equivalent"`
	Accepted   float64 `json:"accepted"`
	Divergent  float64 `json:"divergent"`
}

// share returns n over pairs, 0 when there are no pairs.
func share(n, pairs int64) float64 {
	if pairs == 0 {
		return 0
	}
	return float64(n) / float64(pairs)
}

func toSummaryJSON(s diffstore.Summary) summaryJSON {
	c := s.Counts
	by := s.AcceptedByRule
	if by == nil {
		by = map[string]int64{}
	}
	return summaryJSON{Run: s.Name, ReadControl: c.ReadControl, ReadCandidate: c.ReadCandidate, Pairs: c.Pairs,
		Equal: c.Equal, Identical: c.Identical, Equivalent: c.Equivalent, Unleveled: c.Unleveled(),
		Accepted: c.Accepted, AcceptedByRule: by, Divergent: c.Divergent,
		Shares: levelShares{Identical: share(c.Identical, c.Pairs), Equivalent: share(c.Equivalent, c.Pairs),
			Accepted: share(c.Accepted, c.Pairs), Divergent: share(c.Divergent, c.Pairs)},
		MissingInControl: c.MissingInControl, MissingInCandidate: c.MissingInCandidate,
		PendingControl: s.PendingControl, PendingCandidate: s.PendingCandidate,
		DuplicatesControl: c.DuplicatesControl, DuplicatesCandidate: c.DuplicatesCandidate,
		UndecodableControl: c.UndecodableControl, UndecodableCandidate: c.UndecodableCandidate,
		Lag: s.Lag, AccountingHolds: s.AccountingHolds()}
}

func printSummary(d deps, s diffstore.Summary, asJSON bool) error {
	j := toSummaryJSON(s)
	if asJSON {
		return writeJSON(d.stdout, j)
	}
	w, n := d.stdout, human.Count[int64]
	sides := func(control, candidate int64) string {
		return fmt.Sprintf("control %s, candidate %s", n(control), n(candidate))
	}
	fmt.Fprintf(w, "run %s: %s (control) vs %s (candidate)\n", s.Name, s.ControlTopic, s.CandidateTopic)
	fmt.Fprintf(w, "  read                 %s\n", sides(j.ReadControl, j.ReadCandidate))
	fmt.Fprintf(w, "  pairs                %s: %s equal (%s identical, %s equivalent), %s accepted, %s divergent\n",
		n(j.Pairs), n(j.Equal), n(j.Identical), n(j.Equivalent), n(j.Accepted), n(j.Divergent))
	levels := fmt.Sprintf("identical %s · equivalent %s · accepted %s · divergent %s",
		human.Fraction(j.Shares.Identical), human.Fraction(j.Shares.Equivalent), human.Fraction(j.Shares.Accepted),
		human.Fraction(j.Shares.Divergent))
	if j.Unleveled > 0 {
		levels += fmt.Sprintf(" · %s equal pairs of no known level (compared before levels were recorded)", n(j.Unleveled))
	}
	fmt.Fprintf(w, "  levels               %s\n", levels)
	for _, rule := range slices.Sorted(maps.Keys(j.AcceptedByRule)) {
		fmt.Fprintf(w, "    accepted by %-20s %s\n", rule, n(j.AcceptedByRule[rule]))
	}
	fmt.Fprintf(w, "  missing              in control %s, in candidate %s\n", n(j.MissingInControl), n(j.MissingInCandidate))
	fmt.Fprintf(w, "  pending              %s\n", sides(j.PendingControl, j.PendingCandidate))
	fmt.Fprintf(w, "  duplicates           %s\n", sides(j.DuplicatesControl, j.DuplicatesCandidate))
	fmt.Fprintf(w, "  undecodable          %s\n", sides(j.UndecodableControl, j.UndecodableCandidate))
	fmt.Fprintf(w, "  lag                  %s not yet read by the comparator\n", human.Counted(j.Lag, "record"))
	verdict := "holds"
	if !j.AccountingHolds {
		verdict = "DOES NOT HOLD"
	}
	fmt.Fprintf(w, "  accounting           %s (per side: read = paired + missing on the other side + pending + duplicates + undecodable;"+
		" pairs = identical + equivalent + accepted + divergent)\n", verdict)
	return nil
}

// kindNames lists the divergence kinds for --kind's help, its error and
// its completion.
var kindNames = []string{string(diffstore.KindDivergent), string(diffstore.KindMissingInControl),
	string(diffstore.KindMissingInCandidate), string(diffstore.KindDuplicateControl), string(diffstore.KindDuplicateCandidate)}

func newDiffsListCmd(d deps, g *globalOptions) *cobra.Command {
	var f diffstore.Filter
	var kind string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List divergences, newest first",
		Example: `  oink diffs list --run shadow-1 --kind divergent --limit 20
  oink diffs list --run shadow-1 --path business_date --json`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			f.Kind = diffstore.Kind(kind)
			if kind != "" && !f.Kind.Valid() {
				return usageError{fmt.Errorf("--kind %q: want one of %s", kind, strings.Join(kindNames, ", "))}
			}
			return withRun(cmd, g, f.Run, func(s *diffstore.Store, _ diffstore.Run) error {
				divs, err := s.Divergences(cmd.Context(), f)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(d.stdout, divs)
				}
				printDivergences(d.stdout, divs)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&f.Run, "run", "", "run name (required)")
	cmd.Flags().StringVar(&kind, "kind", "", "only this kind: "+strings.Join(kindNames, ", "))
	cmd.Flags().StringVar(&f.Path, "path", "", "only divergences with a difference at this path")
	cmd.Flags().IntVar(&f.Limit, "limit", 50, "most rows")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// printDivergences prints divergences as a table that fits outputWidth,
// the paths cut first.
func printDivergences(w io.Writer, divs []diffstore.Divergence) {
	rows := make([][]string, len(divs))
	for i, dv := range divs {
		rows[i] = []string{dv.Identity, string(dv.Kind), human.Count(dv.Partition), dv.EventTime.UTC().Format("2006-01-02T15:04:05Z"), diffPaths(dv.Diff)}
	}
	tableLayout{Width: outputWidth, Shrink: []int{4}, Right: []bool{false, false, true}}.write(w,
		[]string{"IDENTITY", "KIND", "PART", "EVENT TIME", "PATHS"}, rows)
}

func diffPaths(diffs []diffstore.FieldDiff) string {
	var ps []string
	for _, df := range diffs {
		p := df.Path
		if df.Rule != "" {
			p += " (accepted: " + df.Rule + ")"
		}
		ps = append(ps, p)
	}
	return strings.Join(ps, ", ")
}

func newDiffsShowCmd(d deps, g *globalOptions) *cobra.Command {
	var run string
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "show IDENTITY",
		Short: "Show one identity's records side by side, differing fields marked",
		Long: `Shows each divergence of one identity: first the differing fields (≠ a
divergence, ~ a difference an accept rule explains, with the rule), then the
control (v1) and candidate (v2) records side by side, indented, their lines
aligned, each line that differs marked in the gutter (≠ changed, < only in
the control record, > only in the candidate record). The identity is the
IDENTITY column of oink diffs list (under the shipped rules,
order_id|source_event_id).`,
		Example: "  oink diffs list --run shadow-1 --kind divergent --limit 5\n  oink diffs show 'O1-000000042|E1-000000042' --run shadow-1",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withRun(cmd, g, run, func(s *diffstore.Store, r diffstore.Run) error {
				divs, err := s.Divergence(cmd.Context(), run, args[0])
				if errors.Is(err, diffstore.ErrNotFound) {
					return usageError{fmt.Errorf("identity %q: run %s has no divergence of it; list them with oink diffs list --run %s",
						args[0], run, run)}
				}
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(d.stdout, divs)
				}
				for i, dv := range divs {
					if i > 0 {
						fmt.Fprintln(d.stdout)
					}
					showDivergence(d.stdout, r, dv)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&run, "run", "", "run name (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// showDivergence prints the differing fields, marked with ≠ (or ~ and the
// rule when an accept rule explains them), then both records side by side.
func showDivergence(w io.Writer, r diffstore.Run, dv diffstore.Divergence) {
	fmt.Fprintf(w, "%s  %s  partition %d  event time %s\n\n", dv.Identity, dv.Kind, dv.Partition,
		dv.EventTime.UTC().Format("2006-01-02T15:04:05.000Z"))
	if len(dv.Diff) > 0 {
		rows := make([][]string, len(dv.Diff))
		for i, df := range dv.Diff {
			mark := "≠"
			if df.Rule != "" {
				mark = "~ " + df.Rule
			}
			rows[i] = []string{df.Path, compact(df.Control), compact(df.Candidate), mark}
		}
		tableLayout{Width: outputWidth, Shrink: []int{1, 2, 0}}.write(w,
			[]string{"FIELD", "CONTROL (" + r.ControlTopic + ")", "CANDIDATE (" + r.CandidateTopic + ")", ""}, rows)
		fmt.Fprintln(w)
	}
	sideBySide(w, outputWidth, "control "+r.ControlTopic, "candidate "+r.CandidateTopic, dv.Control, dv.Candidate)
}

func compact(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "(absent)"
	}
	return string(raw)
}

func newDiffsPathsCmd(d deps, g *globalOptions) *cobra.Command {
	var run string
	var limit int
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "paths",
		Short: "Top differing field paths by level, with a suggested rule where a path looks like noise",
		Long: `Top differing field paths: for each, the pairs where it diverged, where an
accept rule explained it, and where it differed in a way that does not count
(equivalent: a $value format path, or a difference a rule ignores, tolerates
or normalises), each with its share of all pairs, and an example identity to
pass to oink diffs show. Suggested rules follow the table. Metadata paths:
$key, $timestamp, $timestamp_type, $headers.NAME, $header_order.`,
		Example: "  oink diffs paths --run shadow-1\n  oink diffs paths --run shadow-1 --json | jq '.[] | select(.equivalent > 0)'",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withRun(cmd, g, run, func(s *diffstore.Store, _ diffstore.Run) error {
				paths, err := s.TopPaths(cmd.Context(), run, limit)
				if err != nil {
					return err
				}
				return printPaths(d, paths, asJSON)
			})
		},
	}
	cmd.Flags().StringVar(&run, "run", "", "run name (required)")
	cmd.Flags().IntVar(&limit, "limit", 20, "most paths")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// pathJSON is one path of `diffs paths --json`.
type pathJSON struct {
	diffstore.PathStat
	// Shares are the path's counts as fractions of all pairs (Identical is
	// always 0: a path that differs is not identical).
	Shares     levelShares `json:"shares"`
	Suggestion string      `json:"suggestion,omitempty"`
}

// printPaths prints the paths as a table that fits outputWidth, then the
// suggested rules, one wrapped paragraph each.
func printPaths(d deps, paths []diffstore.PathStat, asJSON bool) error {
	out := make([]pathJSON, len(paths))
	for i, p := range paths {
		out[i] = pathJSON{PathStat: p, Suggestion: suggestRule(p), Shares: levelShares{Equivalent: share(p.Equivalent, p.Pairs),
			Accepted: share(p.Accepted, p.Pairs), Divergent: share(p.Divergent, p.Pairs)}}
	}
	if asJSON {
		return writeJSON(d.stdout, out)
	}
	level := func(n int64, f float64) string {
		if n == 0 {
			return "0"
		}
		return human.Count(n) + " (" + human.Fraction(f) + ")"
	}
	rows := make([][]string, len(out))
	for i, p := range out {
		rows[i] = []string{p.Path, level(p.Divergent, p.Shares.Divergent), level(p.Accepted, p.Shares.Accepted),
			level(p.Equivalent, p.Shares.Equivalent), p.Example}
	}
	tableLayout{Width: outputWidth, Shrink: []int{0, 4}, Right: []bool{false, true, true, true}}.write(d.stdout,
		[]string{"PATH", "DIVERGENT", "ACCEPTED", "EQUIVALENT", "EXAMPLE"}, rows)
	printSuggestions(d.stdout, out)
	return nil
}

// maxSuggestions is how many suggested rules diffs paths prints; --json
// has every one.
const maxSuggestions = 5

// printSuggestions prints the paths' suggested rules, the first
// maxSuggestions of them, each a wrapped paragraph.
func printSuggestions(w io.Writer, paths []pathJSON) {
	var shown, more int
	for _, p := range paths {
		if p.Suggestion == "" {
			continue
		}
		if shown == maxSuggestions {
			more++
			continue
		}
		if shown == 0 {
			fmt.Fprintln(w, "\nsuggested rules:")
		}
		shown++
		text := ansi.Wordwrap(p.Path+": "+p.Suggestion, outputWidth-4, " ")
		fmt.Fprintln(w, "  - "+strings.ReplaceAll(text, "\n", "\n    "))
	}
	if more > 0 {
		fmt.Fprintf(w, "  (%s more: oink diffs paths --json shows each path's suggestion)\n", human.Count(more))
	}
}

// suggestRule proposes a rule for a path whose numeric differences stay
// small or constant: differences always within a small tolerance, or a
// fixed offset.
func suggestRule(p diffstore.PathStat) string {
	if p.Divergent == 0 || p.MinDelta == nil || p.MaxDelta == nil {
		return ""
	}
	lo, hi := *p.MinDelta, *p.MaxDelta
	bound := max(-lo, hi)
	switch {
	case lo == hi:
		return fmt.Sprintf("a fixed offset of %g: explain it, or accept it with tolerance %g on %s", lo, bound, p.Path)
	case bound <= 5:
		return fmt.Sprintf("always within ±%g: tolerance {%q: %g}, or an accept rule with when: {tolerance: %g}", bound, p.Path, bound, bound)
	}
	return ""
}
