package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func newDBCmd(d deps, g *globalOptions) *cobra.Command {
	cmd := groupCmd(&cobra.Command{
		Use:   "db",
		Short: "Manage the diffstore database",
	})
	cmd.AddCommand(&cobra.Command{
		Use:   "migrate",
		Short: "Apply the diffstore's migrations (idempotent; commands that need them run them too)",
		Example: `  DATABASE_URL=postgres:///oink?host=/var/run/postgresql oink db migrate
  PGPASSFILE=~/.pgpass DATABASE_URL=postgres://oink@db:5432/oink oink db migrate`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runMigrate(cmd.Context(), d, g) },
	})
	return cmd
}

func runMigrate(ctx context.Context, d deps, g *globalOptions) error {
	_, closeStore, err := openStore(ctx, g)
	if err != nil {
		return err
	}
	defer closeStore()
	fmt.Fprintln(d.stdout, "diffstore migrations applied")
	return nil
}
