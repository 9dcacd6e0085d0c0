package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
	"github.com/spf13/cobra"
)

func newDLQCmd(d deps, g *globalOptions) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "dlq",
		Short: "Inspect and replay dead letters",
		Long: `Dead letters keep the original key and value bytes and carry Kafka Connect's
error headers (__connect.errors.*): the source topic, partition and offset,
the stage, the error class (a stable code such as oink.InvalidMoney) and a
message naming the field.`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return cmd.Help() },
	}
	cmd.AddCommand(newDLQListCmd(d, g), newDLQReplayCmd(d, g))
	return cmd
}

type dlqListOptions struct {
	topic string
	limit int
	json  bool
}

func newDLQListCmd(d deps, g *globalOptions) *cobra.Command {
	o := &dlqListOptions{}
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List dead letters with their error context",
		Example: `  oink dlq list
  oink dlq list --topic orders.dlq --limit 20 --json | jq -r '.[].errorClass' | sort | uniq -c`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runDLQList(cmd.Context(), d, g, o) },
	}
	cmd.Flags().StringVar(&o.topic, "topic", "orders.dlq", "dead-letter topic")
	cmd.Flags().IntVar(&o.limit, "limit", 50, "most letters to show (0: all)")
	cmd.Flags().BoolVar(&o.json, "json", false, "print a JSON array")
	return cmd
}

var errLimit = errors.New("limit reached")

func runDLQList(ctx context.Context, d deps, g *globalOptions, o *dlqListOptions) error {
	if o.limit < 0 {
		return usageError{fmt.Errorf("--limit %d: want 0 (all) or more", o.limit)}
	}
	infos := []deadletter.Info{}
	err := kafkaio.ReadTopic(ctx, g.brokers, o.topic, func(m kafka.Message) error {
		infos = append(infos, deadletter.Parse(m))
		if o.limit > 0 && len(infos) >= o.limit {
			return errLimit
		}
		return nil
	})
	if err != nil && !errors.Is(err, errLimit) {
		return err
	}
	if o.json {
		return writeJSON(d.stdout, infos)
	}
	rows := make([][]string, len(infos))
	for i, in := range infos {
		rows[i] = []string{in.Time.UTC().Format(time.RFC3339), in.ErrorCode,
			fmt.Sprintf("%s/%d@%d", in.Source.Topic, in.Source.Partition, in.Source.Offset), in.Key, in.Message}
	}
	table(d.stdout, []string{"TIME", "ERROR CLASS", "SOURCE", "KEY", "MESSAGE"}, rows)
	fmt.Fprintf(d.stderr, "%d dead letters shown from %s\n", len(infos), o.topic)
	return nil
}

type dlqReplayOptions struct {
	from, to   string
	errorClass string
	dryRun     bool
	json       bool
}

func newDLQReplayCmd(d deps, g *globalOptions) *cobra.Command {
	o := &dlqReplayOptions{}
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Send dead letters' original bytes back to a topic after a fix",
		Long: `Writes the original key, value, timestamp and headers of each matching dead
letter (error headers removed) to --to. Replaying twice sends twice; v2 turns
a repeated event into the same RTCIM (same rtcim_id), which downstream
deduplicates.`,
		Example: `  oink dlq replay --error-class oink.UnknownTimeZone --dry-run
  oink dlq replay --from orders.dlq --to orders --error-class oink.UnknownTimeZone`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runDLQReplay(cmd.Context(), d, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "orders.dlq", "dead-letter topic")
	f.StringVar(&o.to, "to", "orders", "topic to send the originals to")
	f.StringVar(&o.errorClass, "error-class", "", "replay only letters of this error class (e.g. oink.InvalidMoney)")
	f.BoolVar(&o.dryRun, "dry-run", false, "count what would be replayed, write nothing")
	f.BoolVar(&o.json, "json", false, "print the counts as JSON")
	return cmd
}

func runDLQReplay(ctx context.Context, d deps, g *globalOptions, o *dlqReplayOptions) error {
	if o.from == o.to {
		return usageError{fmt.Errorf("--from and --to are both %q: replaying a DLQ into itself loops", o.from)}
	}
	var out []kafka.Message
	seen, cut := 0, 0
	err := kafkaio.ReadTopic(ctx, g.brokers, o.from, func(m kafka.Message) error {
		seen++
		info := deadletter.Parse(m)
		switch {
		case o.errorClass != "" && info.ErrorCode != o.errorClass:
		case info.OriginalSize > 0:
			// Only the value's start is here: replaying it would send a
			// different record. Its original is at info.Source.
			cut++
		default:
			out = append(out, deadletter.Original(m, o.to))
		}
		return nil
	})
	if err != nil {
		return err
	}
	if !o.dryRun && len(out) > 0 {
		w := kafkaio.NewWriter(g.brokers)
		defer w.Close()
		if err := w.WriteMessages(ctx, out...); err != nil {
			return fmt.Errorf("replaying to %s: %w", o.to, err)
		}
	}
	res := map[string]any{"read": seen, "matched": len(out), "replayed": 0, "to": o.to, "dryRun": o.dryRun, "skippedCut": cut}
	if !o.dryRun {
		res["replayed"] = len(out)
	}
	if o.json {
		return writeJSON(d.stdout, res)
	}
	verb := "replayed"
	if o.dryRun {
		verb = "would replay"
	}
	fmt.Fprintf(d.stdout, "%s %s of %s dead letters from %s to %s\n", verb, strconv.Itoa(len(out)), strconv.Itoa(seen), o.from, o.to)
	if cut > 0 {
		fmt.Fprintf(d.stdout, "skipped %d dead letters that hold only the start of their value (larger than %d bytes); replay them from their source position\n", cut, deadletter.MaxValueBytes)
	}
	return nil
}
