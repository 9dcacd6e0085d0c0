package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/human"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
	"github.com/spf13/cobra"
)

func newDLQCmd(d deps, g *globalOptions) *cobra.Command {
	cmd := groupCmd(&cobra.Command{
		Use:   "dlq",
		Short: "Inspect and replay dead letters",
		Long: `Dead letters keep the original key and value bytes and carry Kafka Connect's
error headers (__connect.errors.*): the source topic, partition and offset,
the stage, the error class (a stable code such as oink.InvalidMoney) and a
message naming the field.`,
	})
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
	fmt.Fprintf(d.stderr, "%s shown from %s\n", human.Counted(int64(len(infos)), "dead letter"), o.topic)
	return nil
}

type dlqReplayOptions struct {
	from, to   string
	errorClass string
	fromOffset string
	batchSize  int
	yes        bool
	dryRun     bool
	json       bool
}

func newDLQReplayCmd(d deps, g *globalOptions) *cobra.Command {
	o := &dlqReplayOptions{}
	cmd := &cobra.Command{
		Use:   "replay",
		Short: "Send dead letters' original bytes back to a topic after a fix",
		Long: `Writes the original key, value, timestamp and headers of each matching dead
letter (error headers removed) to --to, in batches of --batch-size, each
acknowledged by all in-sync replicas before the next is read.

Progress goes to stderr, with the resume position: the next offset of each
partition of --from. If the replay stops (a broker error, Ctrl-C), rerun it
with --from-offset set to the position it printed last: every letter before
it was written, none after it, so the rerun sends no duplicate (only a batch
cut off in the middle of its write, by Ctrl-C or a broker lost mid-batch,
may have been written in part and be sent again: at most --batch-size). A letter of
another --error-class is passed over, not sent, and the position moves past
it. v2 turns a replayed event into the same RTCIM (same rtcim_id), so a
letter replayed twice by hand is still harmless downstream.

It asks for confirmation on a terminal; otherwise pass --yes.`,
		Example: `  oink dlq replay --error-class oink.UnknownTimeZone --dry-run
  oink dlq replay --from orders.dlq --to orders --error-class oink.FutureEventTime --yes
  oink dlq replay --from orders.dlq --to orders --from-offset 0:1200,3:977 --yes`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runDLQReplay(cmd.Context(), d, g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.from, "from", "orders.dlq", "dead-letter topic")
	f.StringVar(&o.to, "to", "orders", "topic to send the originals to")
	f.StringVar(&o.errorClass, "error-class", "", "replay only letters of this error class (e.g. oink.InvalidMoney)")
	f.StringVar(&o.fromOffset, "from-offset", "", "resume position printed by an earlier replay: partition:offset,… of --from (others start at the beginning)")
	f.IntVar(&o.batchSize, "batch-size", 1000, "letters written per batch; the resume position moves after each")
	f.BoolVar(&o.yes, "yes", false, "do not ask for confirmation (needed when stdin is not a terminal)")
	f.BoolVar(&o.dryRun, "dry-run", false, "count what would be replayed, write nothing")
	f.BoolVar(&o.json, "json", false, "print the counts as JSON")
	return cmd
}

// replayResult is what `dlq replay` did; Resume is where a rerun starts.
type replayResult struct {
	Read       int    `json:"read"`
	Matched    int    `json:"matched"`
	Replayed   int    `json:"replayed"`
	SkippedCut int    `json:"skippedCut"`
	To         string `json:"to"`
	DryRun     bool   `json:"dryRun"`
	// Resume is the next offset of each partition of the DLQ read, as
	// --from-offset takes it.
	Resume string `json:"resume"`
}

func runDLQReplay(ctx context.Context, d deps, g *globalOptions, o *dlqReplayOptions) error {
	if o.from == o.to {
		return usageError{fmt.Errorf("--from and --to are both %q: replaying a DLQ into itself loops", o.from)}
	}
	if o.batchSize < 1 || o.batchSize > 100000 {
		return usageError{fmt.Errorf("--batch-size %d: want 1 to 100000", o.batchSize)}
	}
	start, err := parseOffsets(o.fromOffset)
	if err != nil {
		return usageError{fmt.Errorf("--from-offset %q: %w (example: --from-offset 0:1200,3:977)", o.fromOffset, err)}
	}
	if !o.dryRun && !o.yes {
		if err := confirmReplay(d, o); err != nil {
			return err
		}
	}
	rp := &replayer{o: o, d: d, g: g, pos: start, res: replayResult{To: o.to, DryRun: o.dryRun},
		progress: newProgress(d, o.json)}
	err = rp.run(ctx)
	rp.progress.Done()
	rp.res.Resume = formatOffsets(rp.pos)
	if err != nil {
		fmt.Fprintf(d.stderr, "replay stopped after %s replayed; resume with: --from-offset %s\n",
			human.Counted(rp.res.Replayed, "letter"), rp.res.Resume)
		return err
	}
	if o.json {
		return writeJSON(d.stdout, rp.res)
	}
	verb := "replayed"
	if o.dryRun {
		verb = "would replay"
	}
	fmt.Fprintf(d.stdout, "%s %s of %s dead letters from %s to %s\n", verb, human.Count(rp.res.Matched), human.Count(rp.res.Read), o.from, o.to)
	if rp.res.SkippedCut > 0 {
		fmt.Fprintf(d.stdout, "skipped %s dead letters that hold only the start of their value (larger than %s); replay them from their source position\n",
			human.Count(rp.res.SkippedCut), human.Bytes(deadletter.MaxValueBytes))
	}
	fmt.Fprintf(d.stdout, "position: --from-offset %s\n", rp.res.Resume)
	return nil
}

// confirmReplay asks on a terminal; off a terminal it requires --yes.
func confirmReplay(d deps, o *dlqReplayOptions) error {
	what := "every dead letter"
	if o.errorClass != "" {
		what = "the dead letters of class " + o.errorClass
	}
	if !d.stdinIsTTY() {
		return usageError{fmt.Errorf("replaying %s of %s to %s needs confirmation: pass --yes (or --dry-run to count first)", what, o.from, o.to)}
	}
	fmt.Fprintf(d.stderr, "Send %s of %s back to %s? [y/N] ", what, o.from, o.to)
	line, _ := bufio.NewReader(d.stdin).ReadString('\n') // EOF: an empty answer
	if a := strings.ToLower(strings.TrimSpace(line)); a != "y" && a != "yes" {
		return errors.New("not confirmed: nothing replayed")
	}
	return nil
}

// replayer replays a DLQ in bounded batches. pos is the resume position:
// every letter below it is written (or passed over), none at or above it.
type replayer struct {
	o        *dlqReplayOptions
	d        deps
	g        *globalOptions
	w        *kafka.Writer
	batch    []kafka.Message
	read     map[int]int64 // next offset per partition, read so far
	pos      map[int]int64 // next offset per partition, durably handled
	res      replayResult
	progress *progress
}

func (rp *replayer) run(ctx context.Context) error {
	if rp.pos == nil {
		rp.pos = map[int]int64{}
	}
	rp.read = maps.Clone(rp.pos)
	if !rp.o.dryRun {
		rp.w = kafkaio.NewWriter(rp.g.brokers)
		defer rp.w.Close()
	}
	err := kafkaio.ReadTopicFrom(ctx, rp.g.brokers, rp.o.from, rp.pos, func(m kafka.Message) error {
		rp.res.Read++
		rp.read[m.Partition] = m.Offset + 1
		info := deadletter.Parse(m)
		switch {
		case rp.o.errorClass != "" && info.ErrorCode != rp.o.errorClass:
		case info.OriginalSize > 0:
			// Only the value's start is here: replaying it would send a
			// different record. Its original is at info.Source.
			rp.res.SkippedCut++
		default:
			rp.res.Matched++
			rp.batch = append(rp.batch, deadletter.Original(m, rp.o.to))
		}
		if len(rp.batch) >= rp.o.batchSize {
			return rp.flush(ctx)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return rp.flush(ctx)
}

// flush writes the batch and then moves the resume position to what was
// read: a letter is behind the position only once it is acknowledged.
func (rp *replayer) flush(ctx context.Context) error {
	if len(rp.batch) > 0 && !rp.o.dryRun {
		err := kafkaio.WriteMessages(ctx, rp.w, kafkaio.WritePolicy{Topic: rp.o.to,
			OnRetry: func(err error, class kafkaio.Class, wait time.Duration) {
				rp.g.log.Warn("replay write failed, retrying", "topic", rp.o.to, "class", class, "backoff", wait, "err", err)
			}}, rp.batch)
		if err != nil {
			return fmt.Errorf("replaying to %s: %w", rp.o.to, err)
		}
		rp.res.Replayed += len(rp.batch)
	}
	rp.batch = rp.batch[:0]
	maps.Copy(rp.pos, rp.read)
	rp.progress.Update("dlq replay: %s of %s letters read replayed to %s; position %s", human.Count(rp.res.Replayed),
		human.Count(rp.res.Read), rp.o.to, formatOffsets(rp.pos))
	return nil
}

// parseOffsets parses "partition:offset,…"; "" is none.
func parseOffsets(s string) (map[int]int64, error) {
	out := map[int]int64{}
	if strings.TrimSpace(s) == "" {
		return out, nil
	}
	for _, part := range strings.Split(s, ",") {
		ps, offs, ok := strings.Cut(strings.TrimSpace(part), ":")
		p, err1 := strconv.Atoi(ps)
		off, err2 := strconv.ParseInt(offs, 10, 64)
		if !ok || err1 != nil || err2 != nil || p < 0 || off < 0 {
			return nil, fmt.Errorf("%q is not partition:offset", part)
		}
		if _, dup := out[p]; dup {
			return nil, fmt.Errorf("partition %d given twice", p)
		}
		out[p] = off
	}
	return out, nil
}

// formatOffsets is the inverse of parseOffsets, partitions in order.
func formatOffsets(m map[int]int64) string {
	parts := make([]string, 0, len(m))
	for _, p := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, strconv.Itoa(p)+":"+strconv.FormatInt(m[p], 10))
	}
	return strings.Join(parts, ",")
}
