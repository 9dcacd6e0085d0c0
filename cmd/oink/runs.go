package main

import (
	"bufio"
	"fmt"
	"strings"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/spf13/cobra"
)

func newRunsCmd(d deps, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "runs",
		Short: "List, show and delete shadow runs",
		Args:  usageArgs(cobra.NoArgs),
		RunE:  func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	var asJSON bool
	list := &cobra.Command{
		Use: "list", Short: "List runs", Args: usageArgs(cobra.NoArgs),
		Example: "  oink runs list --json",
		RunE: func(cmd *cobra.Command, _ []string) error {
			return withStore(cmd.Context(), g, func(s *diffstore.Store) error {
				runs, err := s.ListRuns(cmd.Context())
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(d.stdout, runs)
				}
				rows := make([][]string, len(runs))
				for i, r := range runs {
					fin := "running"
					if r.FinishedAt != nil {
						fin = r.FinishedAt.UTC().Format(time.RFC3339)
					}
					rows[i] = []string{r.Name, r.ControlTopic, r.CandidateTopic, r.RulesName, r.CreatedAt.UTC().Format(time.RFC3339), fin}
				}
				table(d.stdout, []string{"RUN", "CONTROL", "CANDIDATE", "RULES", "CREATED", "FINISHED"}, rows)
				return nil
			})
		},
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	show := &cobra.Command{
		Use: "show RUN", Short: "Show a run's summary (same as diffs summary)", Args: usageArgs(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withStore(cmd.Context(), g, func(s *diffstore.Store) error {
				sum, err := s.Summary(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return printSummary(d, sum, asJSON)
			})
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	var yes bool
	del := &cobra.Command{
		Use: "delete RUN", Short: "Delete a run and everything stored for it", Args: usageArgs(cobra.ExactArgs(1)),
		Example: "  oink runs delete shadow-1 --yes",
		RunE: func(cmd *cobra.Command, args []string) error {
			if !yes {
				if !d.stderrIsTTY() {
					return usageError{fmt.Errorf("deleting run %s needs confirmation: pass --yes", args[0])}
				}
				fmt.Fprintf(d.stderr, "Delete run %s and all its results? Type the run name to confirm: ", args[0])
				line, _ := bufio.NewReader(d.stdin).ReadString('\n')
				if strings.TrimSpace(line) != args[0] {
					return fmt.Errorf("not confirmed: nothing deleted")
				}
			}
			return withStore(cmd.Context(), g, func(s *diffstore.Store) error {
				if err := s.DeleteRun(cmd.Context(), args[0]); err != nil {
					return err
				}
				fmt.Fprintf(d.stdout, "deleted run %s\n", args[0])
				return nil
			})
		},
	}
	del.Flags().BoolVar(&yes, "yes", false, "do not ask for confirmation")
	cmd.AddCommand(list, show, del)
	return cmd
}
