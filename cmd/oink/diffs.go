package main

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/oinkhq/oink/diffstore"
	"github.com/spf13/cobra"
)

func newDiffsCmd(d deps, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "diffs",
		Short: "Read a shadow run's results: summary, divergences, diverging paths",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newDiffsSummaryCmd(d, g), newDiffsListCmd(d, g), newDiffsShowCmd(d, g), newDiffsPathsCmd(d, g))
	return cmd
}

// withStore runs f with an open diffstore.
func withStore(ctx context.Context, g *globalOptions, f func(*diffstore.Store) error) error {
	store, closeStore, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer closeStore()
	return f(store)
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
			if run == "" {
				return usageError{fmt.Errorf("--run is required")}
			}
			return withStore(cmd.Context(), g, func(s *diffstore.Store) error {
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
	Lag                  int64            `json:"lag"`
	AccountingHolds      bool             `json:"accountingHolds"`
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

// percent renders a share as a percentage with two decimals.
func percent(f float64) string { return fmt.Sprintf("%.2f%%", 100*f) }

func printSummary(d deps, s diffstore.Summary, asJSON bool) error {
	j := toSummaryJSON(s)
	if asJSON {
		return writeJSON(d.stdout, j)
	}
	w := d.stdout
	fmt.Fprintf(w, "run %s: %s (control) vs %s (candidate)\n", s.Name, s.ControlTopic, s.CandidateTopic)
	fmt.Fprintf(w, "  read                 control %d, candidate %d\n", j.ReadControl, j.ReadCandidate)
	fmt.Fprintf(w, "  pairs                %d: %d equal (%d identical, %d equivalent), %d accepted, %d divergent\n",
		j.Pairs, j.Equal, j.Identical, j.Equivalent, j.Accepted, j.Divergent)
	levels := fmt.Sprintf("identical %s · equivalent %s · accepted %s · divergent %s",
		percent(j.Shares.Identical), percent(j.Shares.Equivalent), percent(j.Shares.Accepted), percent(j.Shares.Divergent))
	if j.Unleveled > 0 {
		levels += fmt.Sprintf(" · %d equal pairs of no known level (compared before levels were recorded)", j.Unleveled)
	}
	fmt.Fprintf(w, "  levels               %s\n", levels)
	for _, rule := range slices.Sorted(maps.Keys(j.AcceptedByRule)) {
		fmt.Fprintf(w, "    accepted by %-20s %d\n", rule, j.AcceptedByRule[rule])
	}
	fmt.Fprintf(w, "  missing              in control %d, in candidate %d\n", j.MissingInControl, j.MissingInCandidate)
	fmt.Fprintf(w, "  pending              control %d, candidate %d\n", j.PendingControl, j.PendingCandidate)
	fmt.Fprintf(w, "  duplicates           control %d, candidate %d\n", j.DuplicatesControl, j.DuplicatesCandidate)
	fmt.Fprintf(w, "  undecodable          control %d, candidate %d\n", j.UndecodableControl, j.UndecodableCandidate)
	fmt.Fprintf(w, "  lag                  %d\n", j.Lag)
	verdict := "holds"
	if !j.AccountingHolds {
		verdict = "DOES NOT HOLD"
	}
	fmt.Fprintf(w, "  accounting           %s (per side: read = paired + missing on the other side + pending + duplicates + undecodable;"+
		" pairs = identical + equivalent + accepted + divergent)\n", verdict)
	return nil
}

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
			if f.Run == "" || (kind != "" && !f.Kind.Valid()) {
				return usageError{fmt.Errorf("--run is required and --kind must be one of divergent, missing_in_control, missing_in_candidate, duplicate_control, duplicate_candidate")}
			}
			return withStore(cmd.Context(), g, func(s *diffstore.Store) error {
				divs, err := s.Divergences(cmd.Context(), f)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(d.stdout, divs)
				}
				rows := make([][]string, len(divs))
				for i, dv := range divs {
					rows[i] = []string{dv.Identity, string(dv.Kind), strconv.Itoa(dv.Partition), dv.EventTime.UTC().Format("2006-01-02T15:04:05Z"), diffPaths(dv.Diff)}
				}
				table(d.stdout, []string{"IDENTITY", "KIND", "PART", "EVENT TIME", "PATHS"}, rows)
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&f.Run, "run", "", "run name (required)")
	cmd.Flags().StringVar(&kind, "kind", "", "only this kind")
	cmd.Flags().StringVar(&f.Path, "path", "", "only divergences with a difference at this path")
	cmd.Flags().IntVar(&f.Limit, "limit", 50, "most rows")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
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
		Use:     "show IDENTITY",
		Short:   "Show one identity's records side by side, differing fields marked",
		Example: "  oink diffs show 'O1-000000042|E1-000000042' --run shadow-1",
		Args:    usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if run == "" {
				return usageError{fmt.Errorf("--run is required")}
			}
			return withStore(cmd.Context(), g, func(s *diffstore.Store) error {
				divs, err := s.Divergence(cmd.Context(), run, args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(d.stdout, divs)
				}
				for _, dv := range divs {
					showDivergence(d, dv)
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&run, "run", "", "run name (required)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	return cmd
}

// showDivergence prints the differing fields side by side, marked with ≠
// (or ~ when an accept rule explains them), then both payloads.
func showDivergence(d deps, dv diffstore.Divergence) {
	w := d.stdout
	fmt.Fprintf(w, "%s  %s  partition %d  event time %s\n", dv.Identity, dv.Kind, dv.Partition, dv.EventTime.UTC().Format("2006-01-02T15:04:05.000Z"))
	rows := [][]string{}
	for _, df := range dv.Diff {
		mark := "≠"
		if df.Rule != "" {
			mark = "~ " + df.Rule
		}
		rows = append(rows, []string{df.Path, compact(df.Control), compact(df.Candidate), mark})
	}
	if len(rows) > 0 {
		table(w, []string{"FIELD", "CONTROL", "CANDIDATE", ""}, rows)
	}
	fmt.Fprintf(w, "control:   %s\ncandidate: %s\n\n", compact(dv.Control), compact(dv.Candidate))
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
or normalises), each with its share of all pairs. Metadata paths: $key,
$timestamp, $timestamp_type, $headers.NAME, $header_order.`,
		Example: "  oink diffs paths --run shadow-1\n  oink diffs paths --run shadow-1 --json | jq '.[] | select(.equivalent > 0)'",
		Args:    usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if run == "" {
				return usageError{fmt.Errorf("--run is required")}
			}
			return withStore(cmd.Context(), g, func(s *diffstore.Store) error {
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

func printPaths(d deps, paths []diffstore.PathStat, asJSON bool) error {
	out := make([]pathJSON, len(paths))
	for i, p := range paths {
		out[i] = pathJSON{PathStat: p, Suggestion: suggestRule(p), Shares: levelShares{Equivalent: share(p.Equivalent, p.Pairs),
			Accepted: share(p.Accepted, p.Pairs), Divergent: share(p.Divergent, p.Pairs)}}
	}
	if asJSON {
		return writeJSON(d.stdout, out)
	}
	level := func(n int64, f float64) string { return fmt.Sprintf("%d (%s)", n, percent(f)) }
	rows := make([][]string, len(out))
	for i, p := range out {
		rows[i] = []string{p.Path, level(p.Divergent, p.Shares.Divergent), level(p.Accepted, p.Shares.Accepted),
			level(p.Equivalent, p.Shares.Equivalent), p.Example, p.Suggestion}
	}
	table(d.stdout, []string{"PATH", "DIVERGENT", "ACCEPTED", "EQUIVALENT", "EXAMPLE", "SUGGESTION"}, rows)
	return nil
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
