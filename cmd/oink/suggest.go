package main

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"
)

// subcommandArgs is the Args check of a command that only groups
// subcommands (oink, oink diffs, oink cutover, …): no argument, or the
// name of a subcommand; anything else is an unknown command, with the
// subcommands it is close to.
func subcommandArgs(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	return unknownCommand(cmd, args[0])
}

// unknownCommand is the usage error for name, a word that is not a
// subcommand of cmd: "did you mean" the close ones, and where to look.
func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra's own default, set only on its own path
	}
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += "; did you mean " + strings.Join(quoteAll(s), " or ") + "?"
	}
	return usageError{fmt.Errorf("%s (see %s --help)", msg, cmd.CommandPath())}
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// flagError makes a flag error a usage error, unless a word before the bad
// flag names no subcommand: then that unknown command is the mistake to
// report (oink comapre --run x), not the flag the mistyped command would
// have known.
func flagError(cmd *cobra.Command, err error) error {
	if cmd.HasAvailableSubCommands() {
		if words := cmd.Flags().Args(); len(words) > 0 {
			return unknownCommand(cmd, words[0])
		}
	}
	return usageError{err}
}
