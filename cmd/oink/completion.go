package main

import (
	"context"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/pglocal"
)

// Shell completion: cobra's `oink completion bash|zsh|fish|powershell`
// writes the script; the script asks the binary (`oink __complete …`) for
// each word. Run names come from the diffstore; flags with a fixed set of
// values complete to it.

// completionTimeout bounds the database lookup of one completion: a shell
// must not hang on a server that does not answer.
const completionTimeout = 2 * time.Second

// enumFlags are the flags with a fixed set of values, by name.
var enumFlags = map[string][]string{
	"kind":       kindNames,
	"format":     {"html", "markdown"},
	"log-level":  {"debug", "info", "warn", "error"},
	"log-format": {"text", "json"},
}

// yamlFlags take a YAML file.
var yamlFlags = []string{"rules", "plan", "file"}

// registerCompletions gives every --run flag and every RUN argument the
// diffstore's run names, every flag of enumFlags its values, and YAML file
// flags the YAML files.
func registerCompletions(root *cobra.Command, d deps, g *globalOptions) {
	runs := completeRuns(d, g)
	forEachCommand(root, func(c *cobra.Command) {
		if c.Flags().Lookup("run") != nil {
			_ = c.RegisterFlagCompletionFunc("run", runs) // fails only for a flag registered twice
		}
		if strings.HasSuffix(c.Use, " RUN") {
			c.ValidArgsFunction = func(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
				if len(args) > 0 {
					return nil, cobra.ShellCompDirectiveNoFileComp
				}
				return runs(cmd, args, toComplete)
			}
		}
		for name, values := range enumFlags {
			if c.LocalFlags().Lookup(name) != nil || (c == root && c.PersistentFlags().Lookup(name) != nil) {
				_ = c.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
			}
		}
		for _, name := range yamlFlags {
			if c.LocalFlags().Lookup(name) != nil {
				_ = c.MarkFlagFilename(name, "yaml", "yml")
			}
		}
	})
}

// completeRuns completes run names (and cutovers without a run) from the
// diffstore named by --database-url or DATABASE_URL, else a local server
// that answers; never a throwaway one, and nothing on any error.
func completeRuns(d deps, g *globalOptions) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
	return func(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
		const none = cobra.ShellCompDirectiveNoFileComp
		if bindEnv(cmd, d.lookupEnv) != nil { // completion runs no PersistentPreRunE
			return nil, none
		}
		ctx, cancel := context.WithTimeout(cmd.Context(), completionTimeout)
		defer cancel()
		urls := pglocal.Candidates
		if g.databaseURL != "" {
			urls = []string{g.databaseURL}
		}
		for _, u := range urls {
			pool, err := diffstore.Open(ctx, u)
			if err != nil {
				continue
			}
			ls, err := diffstore.New(pool).RunListings(ctx)
			pool.Close()
			if err != nil {
				return nil, none
			}
			var names []string
			for _, l := range ls {
				if strings.HasPrefix(l.Name, toComplete) {
					names = append(names, l.Name)
				}
			}
			return names, none
		}
		return nil, none
	}
}
