package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/user"
	"strings"
	"time"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/internal/human"
	"github.com/spf13/cobra"
)

// cutoverOptions are the flags of every `oink cutover` subcommand; verb says
// which one runs.
type cutoverOptions struct {
	verb        string // apply, status, history, or a cutover.Action
	run         string
	file        string // apply
	actor       string // default: the OS user
	reason      string
	dryRun      bool
	yes         bool // abort
	limit       int  // history
	aliveWithin time.Duration
	watch       bool          // status
	interval    time.Duration // status --watch
	json        bool
}

// cutoverVerb describes one subcommand.
type cutoverVerb struct {
	name, short, example string
	changes              bool // takes --actor, --reason, --dry-run
	needsReason          bool
}

var cutoverVerbs = []cutoverVerb{
	{name: "apply", short: "Store a plan (a new version) for its run; never starts it", changes: true,
		example: "  oink cutover apply -f testdata/plans/example.yaml\n  oink cutover apply -f plan.yaml --dry-run --json"},
	{name: "status", short: "Show the stage, percent, gate progress and why the cutover waits (--watch: until Ctrl-C)",
		example: "  oink cutover status --run shadow-2026-11\n  oink cutover status --run shadow-2026-11 --watch\n  oink cutover status --run shadow-2026-11 --json | jq .waiting"},
	{name: "start", short: "Start a pending cutover at its first step", changes: true,
		example: "  oink cutover start --run shadow-2026-11 --reason \"change CHG-1234\""},
	{name: "advance", short: "Move to the next step now, skipping the gate (recorded)", changes: true, needsReason: true,
		example: "  oink cutover advance --run shadow-2026-11 --reason \"holds verified by hand\""},
	{name: "pause", short: "Hold the current stage; the controller waits", changes: true, needsReason: true,
		example: "  oink cutover pause --run shadow-2026-11 --reason \"peak hour\""},
	{name: "resume", short: "Resume a paused stage, or restart a rolled back cutover at its first step", changes: true, needsReason: true,
		example: "  oink cutover resume --run shadow-2026-11 --reason \"divergence explained: v1 bug\""},
	{name: "rollback", short: "Give all traffic back to v1 (0%); resume can start again", changes: true, needsReason: true,
		example: "  oink cutover rollback --run shadow-2026-11 --reason \"latency alarm\""},
	{name: "abort", short: "End the cutover at 0% from any phase (asks for confirmation)", changes: true, needsReason: true,
		example: "  oink cutover abort --run shadow-2026-11 --reason \"postponed\" --yes"},
	{name: "history", short: "List the cutover's decisions and commands, newest first",
		example: "  oink cutover history --run shadow-2026-11 --limit 20"},
}

func newCutoverCmd(d deps, g *globalOptions, runF runFunc[cutoverOptions]) *cobra.Command {
	cmd := groupCmd(&cobra.Command{
		Use:   "cutover",
		Short: "Move live traffic to v2 in stages gated on zero divergence",
		Long: `A cutover walks a plan's steps (percent of key buckets owned by v2, hold
time, minimum compared pairs). The controller (oink controller) advances a
stage only when its gate passes: enough pairs compared in the stage's window,
zero divergent, none missing from v2, the comparator alive and caught up, and
the hold passed. A divergence rolls back to 0% or pauses, as the plan says.

apply stores a plan and leaves the cutover pending; start (or a controller
with --auto-start) begins it. Every change records who (--actor, default the
OS user) and why (--reason).`,
		Example: "  oink cutover apply -f testdata/plans/example.yaml\n  oink cutover start --run shadow-2026-11\n  oink cutover status --run shadow-2026-11",
	})
	for _, v := range cutoverVerbs {
		cmd.AddCommand(newCutoverVerbCmd(d, g, v, runF))
	}
	return cmd
}

// newCutoverVerbCmd builds one subcommand: its flags fill the options.
func newCutoverVerbCmd(d deps, g *globalOptions, v cutoverVerb, runF runFunc[cutoverOptions]) *cobra.Command {
	cmd, o := newCommand(d, g, runF, runCutover, &cobra.Command{
		Use: v.name, Short: v.short, Example: v.example, Args: usageArgs(cobra.NoArgs),
	})
	o.verb = v.name
	f := cmd.Flags()
	if v.name == "apply" {
		f.StringVarP(&o.file, "file", "f", "", "plan YAML file (required)")
	} else {
		f.StringVar(&o.run, "run", "", "name of the shadow run (required)")
	}
	if v.changes {
		f.StringVar(&o.actor, "actor", "", "who asks, recorded in the audit log (default: the OS user)")
		reasonHelp := "why, recorded in the audit log"
		if v.needsReason {
			reasonHelp += " (required)"
		}
		f.StringVar(&o.reason, "reason", "", reasonHelp)
		f.BoolVar(&o.dryRun, "dry-run", false, "print what would change without changing it")
	}
	switch v.name {
	case "abort":
		f.BoolVar(&o.yes, "yes", false, "do not ask for confirmation")
	case "history":
		f.IntVar(&o.limit, "limit", 50, "show at most this many entries")
	case "status":
		f.DurationVar(&o.aliveWithin, "alive-within", cutover.DefaultAliveWithin, "a comparator heartbeat older than this counts as dead")
		f.BoolVar(&o.watch, "watch", false, "show the status again every --interval until Ctrl-C: redrawn on a terminal, "+
			"one block per interval otherwise (one JSON document per line with --json)")
		f.DurationVar(&o.interval, "interval", 2*time.Second, "time between two status reads with --watch")
	}
	f.BoolVar(&o.json, "json", false, "print JSON")
	return cmd
}

// validate checks the options of o.verb.
func (o *cutoverOptions) validate() error {
	var v cutoverVerb
	for _, x := range cutoverVerbs {
		if x.name == o.verb {
			v = x
		}
	}
	switch {
	case o.verb == "apply" && o.file == "":
		return usageError{errors.New("--file (-f) is required: name the plan YAML, e.g. -f testdata/plans/example.yaml")}
	case o.verb != "apply" && o.run == "":
		return errRunRequired
	case v.needsReason && strings.TrimSpace(o.reason) == "":
		return usageError{fmt.Errorf("--reason is required for %s: say why, e.g. --reason \"latency alarm\"", o.verb)}
	case o.limit < 0:
		return usageError{fmt.Errorf("--limit %d: want 0 or more", o.limit)}
	case o.aliveWithin < 0:
		return usageError{fmt.Errorf("--alive-within %v: want a positive duration such as 5s", o.aliveWithin)}
	case o.watch && o.interval <= 0:
		return usageError{fmt.Errorf("--interval %v: want a positive duration such as 2s", o.interval)}
	}
	return nil
}

func runCutover(ctx context.Context, d deps, g *globalOptions, o *cutoverOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	var plan cutover.Plan
	if o.verb == "apply" {
		p, err := cutover.LoadPlan(o.file)
		if err != nil {
			return usageError{fmt.Errorf("--file: %w", err)}
		}
		plan, o.run = p, p.Run
	}
	if o.verb == "abort" && !o.yes && !o.dryRun {
		if err := confirmRun(d, o.run, "aborting the cutover of run "+o.run,
			"Abort the cutover of run "+o.run+" (v2 back to 0%, the plan ends)?", "nothing changed"); err != nil {
			return err
		}
	}
	return withStore(ctx, g, func(s *diffstore.Store) error {
		if o.verb != "apply" {
			if err := requireCutover(ctx, s, o.run); err != nil {
				return err
			}
		}
		c := &cutover.Controller{Store: s, RunName: o.run, AliveWithin: o.aliveWithin, Now: d.now}
		switch o.verb {
		case "status":
			if o.watch {
				return watchCutoverStatus(ctx, d, c, o)
			}
			return printCutoverStatus(ctx, d.stdout, c, o.json)
		case "history":
			return printCutoverHistory(ctx, d, s, o)
		}
		dec, err := changeCutover(ctx, d, c, plan, o)
		if err != nil {
			return err
		}
		return printDecision(d, dec, o.json)
	})
}

// changeCutover runs the changing verb o.verb.
func changeCutover(ctx context.Context, d deps, c *cutover.Controller, plan cutover.Plan, o *cutoverOptions) (cutover.Decision, error) {
	req := cutover.Request{Actor: o.actor, Reason: o.reason, DryRun: o.dryRun}
	if req.Actor == "" {
		req.Actor = currentUser(d)
	}
	if cutover.Action(o.verb) == cutover.ActionApply {
		return c.Apply(ctx, plan, req)
	}
	commands := map[cutover.Action]func(context.Context, cutover.Request) (cutover.Decision, error){
		cutover.ActionStart: c.Start, cutover.ActionAdvance: c.Advance, cutover.ActionPause: c.Pause,
		cutover.ActionResume: c.Resume, cutover.ActionRollback: c.Rollback, cutover.ActionAbort: c.Abort}
	if run, ok := commands[cutover.Action(o.verb)]; ok {
		return run(ctx, req)
	}
	return cutover.Decision{}, fmt.Errorf("cutover %s: not a command", o.verb)
}

// currentUser names the OS user for --actor's default.
func currentUser(d deps) string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	if name, ok := d.lookupEnv("USER"); ok && name != "" {
		return name
	}
	return "unknown"
}

// confirmRun asks question on a terminal and wants the run's name typed
// back before doing (what a refusal names, e.g. "deleting run x"); off a
// terminal it requires --yes. unchanged says what a wrong answer left as
// it was, e.g. "nothing deleted".
func confirmRun(d deps, run, doing, question, unchanged string) error {
	if !d.stderrIsTTY() {
		return usageError{fmt.Errorf("%s needs confirmation: pass --yes", doing)}
	}
	fmt.Fprintf(d.stderr, "%s Type the run name to confirm: ", question)
	line, _ := bufio.NewReader(d.stdin).ReadString('\n') // EOF: an empty answer
	if strings.TrimSpace(line) != run {
		return errors.New("not confirmed: " + unchanged)
	}
	return nil
}

// positionText shows a position, e.g. "stage 2/4 (10%) running"; stages
// 0 leaves the number of stages out.
func positionText(p cutover.Position, stages int) string {
	stage := "before the first step"
	switch {
	case p.Stage >= 0 && stages > 0:
		stage = fmt.Sprintf("stage %d/%d", p.Stage+1, stages)
	case p.Stage >= 0:
		stage = fmt.Sprintf("stage %d", p.Stage+1)
	}
	return fmt.Sprintf("%s (%s) %s", stage, human.Percent(p.Percent), strings.ReplaceAll(string(p.Phase), "_", " "))
}

// shortPosition shows a position in a table: "10% running".
func shortPosition(p cutover.Position) string {
	return human.Percent(p.Percent) + " " + strings.ReplaceAll(string(p.Phase), "_", " ")
}

// printDecision prints what a command did, or would do.
func printDecision(d deps, dec cutover.Decision, asJSON bool) error {
	if asJSON {
		return writeJSON(d.stdout, decisionToJSON(dec))
	}
	if dec.Action == cutover.ActionNone {
		_, err := fmt.Fprintf(d.stdout, "run %s is already %s: nothing to do\n", dec.Run, dec.To.Phase)
		return err
	}
	verb := string(dec.Action)
	if dec.DryRun {
		verb = "would " + verb
	}
	fmt.Fprintf(d.stdout, "%s run %s: %s -> %s\n", verb, dec.Run, positionText(dec.From, 0), positionText(dec.To, 0))
	if dec.PlanVersion > 0 {
		fmt.Fprintf(d.stdout, "plan version %d\n", dec.PlanVersion)
	}
	if tr := dec.Transition; tr != nil {
		if dec.DryRun {
			fmt.Fprintf(d.stdout, "would write a transition to %s, effective a margin after it is written\n", human.Percent(tr.Percent))
		} else {
			fmt.Fprintf(d.stdout, "transition #%d: v2 owns %s from %s (source event time)\n", tr.Seq, human.Percent(tr.Percent),
				tr.EffectiveFrom.UTC().Format("2006-01-02T15:04:05.000Z"))
		}
	}
	return nil
}

// printCutoverStatus prints the run's status on w.
func printCutoverStatus(ctx context.Context, w io.Writer, c *cutover.Controller, asJSON bool) error {
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		return writeJSON(w, statusToJSON(st))
	}
	fmt.Fprintf(w, "run:         %s (plan v%d, on divergence: %s)\n", st.Run, st.PlanVersion, st.Plan.OnDivergence)
	fmt.Fprintf(w, "stage:       %s\n", positionText(st.Position, st.Stages))
	if st.StageStartedAt != nil {
		fmt.Fprintf(w, "since:       %s (source event time)\n", st.StageStartedAt.UTC().Format(time.RFC3339))
	}
	if next := st.Stage + 1; next < st.Stages && !st.Phase.Completed() {
		fmt.Fprintf(w, "next:        %s\n", human.Percent(st.Plan.Steps[next].Percent))
	}
	fmt.Fprintf(w, "last change: %s by %s (%s)\n", st.UpdatedAt.UTC().Format(time.RFC3339), st.UpdatedBy, st.Reason)
	fmt.Fprintf(w, "controller:  %s\n", map[bool]string{true: "one is leading", false: "none running"}[st.ControllerActive])
	if st.Control != nil && st.Candidate != nil {
		fmt.Fprintf(w, "v1:          %s\n", strings.TrimPrefix(cutover.DescribeSide("v1", *st.Control), "v1 "))
		fmt.Fprintf(w, "v2:          %s\n", strings.TrimPrefix(cutover.DescribeSide("v2", *st.Candidate), "v2 "))
	} else {
		fmt.Fprintf(w, "v1, v2:      pace unknown (no live comparator instance)\n")
	}
	if g := st.Gate; g != nil {
		fmt.Fprintf(w, "gate:        %s\n\n", g.Verdict)
		rows := make([][]string, len(g.Checks))
		for i, ch := range g.Checks {
			rows[i] = []string{ch.Name, string(ch.Verdict), ch.Detail}
		}
		table(w, []string{"CHECK", "VERDICT", "DETAIL"}, rows)
	}
	if l := st.Live; l != nil {
		t, n := l.Totals, human.Count[int64]
		fmt.Fprintf(w, "live:        forwarded %s (v1 %s, v2 %s); dropped %s duplicates; %s identity collisions; %s parked\n",
			n(t.Forwarded[0]+t.Forwarded[1]), n(t.Forwarded[0]), n(t.Forwarded[1]), n(t.Duplicates[0]+t.Duplicates[1]),
			n(t.Collisions[0]+t.Collisions[1]), n(int64(l.Parked)))
	}
	if len(st.Waiting) > 0 {
		fmt.Fprintln(w, "\nwaiting on:")
		for _, why := range st.Waiting {
			fmt.Fprintf(w, "  - %s\n", why)
		}
	}
	return nil
}

// printCutoverHistory prints the audit log.
func printCutoverHistory(ctx context.Context, d deps, s *diffstore.Store, o *cutoverOptions) error {
	h, err := s.History(ctx, o.run, o.limit)
	if err != nil {
		return err
	}
	if o.json {
		if h == nil {
			h = []diffstore.AuditEntry{}
		}
		return writeJSON(d.stdout, h)
	}
	rows := make([][]string, len(h))
	for i, e := range h {
		var det struct{ From, To *cutover.Position }
		move := ""
		if json.Unmarshal(e.Details, &det) == nil && det.From != nil && det.To != nil {
			move = shortPosition(*det.From) + " -> " + shortPosition(*det.To)
		}
		rows[i] = []string{e.At.UTC().Format(time.RFC3339), e.Actor, e.Action, move, e.Reason}
	}
	table(d.stdout, []string{"AT", "ACTOR", "ACTION", "CHANGE", "REASON"}, rows)
	return nil
}

// gateJSON is the stable JSON of a gate evaluation; durations in seconds.
type gateJSON struct {
	Verdict                 cutover.Verdict `json:"verdict"`
	Stage                   int             `json:"stage"`
	Percent                 float64         `json:"percent"`
	EventFrom               time.Time       `json:"eventFrom"`
	Pairs                   int64           `json:"pairs"`
	MinPairs                int64           `json:"minPairs"`
	PairsFrom               time.Time       `json:"pairsFrom"`
	Divergent               int64           `json:"divergent"`
	MissingInCandidate      int64           `json:"missingInCandidate"`
	InstancesAlive          int             `json:"instancesAlive"`
	Partitions              int             `json:"partitions"`
	LagSeconds              *float64        `json:"lagSeconds"`
	MaxComparatorLagSeconds float64         `json:"maxComparatorLagSeconds"`
	HoldSeconds             float64         `json:"holdSeconds"`
	HoldLeftSeconds         float64         `json:"holdLeftSeconds"`
	Checks                  []cutover.Check `json:"checks"`
}

func gateToJSON(g *cutover.Gate) *gateJSON {
	if g == nil {
		return nil
	}
	return &gateJSON{Verdict: g.Verdict, Stage: g.Stage, Percent: g.Percent, EventFrom: g.EventFrom,
		Pairs: g.Stats.Pairs, MinPairs: g.MinPairs, PairsFrom: g.Stats.PairsFrom,
		Divergent: g.Stats.Divergent, MissingInCandidate: g.Stats.MissingInCandidate,
		InstancesAlive: g.Stats.Health.Alive, Partitions: g.Stats.Health.Partitions, LagSeconds: g.Stats.Health.LagSeconds,
		MaxComparatorLagSeconds: g.MaxComparatorLag.Seconds(), HoldSeconds: g.Hold.Seconds(),
		HoldLeftSeconds: g.HoldLeft.Seconds(), Checks: g.Checks}
}

// decisionJSON is the stable JSON of a command's decision.
type decisionJSON struct {
	Run         string                `json:"run"`
	Action      cutover.Action        `json:"action"`
	From        cutover.Position      `json:"from"`
	To          cutover.Position      `json:"to"`
	Transition  *diffstore.Transition `json:"transition"`
	Gate        *gateJSON             `json:"gate"`
	Actor       string                `json:"actor"`
	Reason      string                `json:"reason"`
	DryRun      bool                  `json:"dryRun"`
	PlanVersion int                   `json:"planVersion,omitempty"`
}

func decisionToJSON(d cutover.Decision) decisionJSON {
	return decisionJSON{Run: d.Run, Action: d.Action, From: d.From, To: d.To, Transition: d.Transition,
		Gate: gateToJSON(d.Gate), Actor: d.Actor, Reason: d.Reason, DryRun: d.DryRun, PlanVersion: d.PlanVersion}
}

// statusJSON is the stable JSON of `cutover status`.
type statusJSON struct {
	Run              string                `json:"run"`
	PlanVersion      int                   `json:"planVersion"`
	Plan             cutover.Plan          `json:"plan"`
	Phase            cutover.Phase         `json:"phase"`
	Stage            int                   `json:"stage"`
	Stages           int                   `json:"stages"`
	Percent          float64               `json:"percent"`
	StageStartedAt   *time.Time            `json:"stageStartedAt"`
	Reason           string                `json:"reason"`
	UpdatedBy        string                `json:"updatedBy"`
	UpdatedAt        time.Time             `json:"updatedAt"`
	LastTransition   *diffstore.Transition `json:"lastTransition"`
	ControllerActive bool                  `json:"controllerActive"`
	// Control and Candidate: whether v1 and v2 keep pace (null: no live
	// comparator instance).
	Control   *diffstore.SideProgress  `json:"control"`
	Candidate *diffstore.SideProgress  `json:"candidate"`
	Gate      *gateJSON                `json:"gate"`
	Waiting   []string                 `json:"waiting"`
	Live      *diffstore.SwitchSummary `json:"live"`
}

func statusToJSON(s cutover.Status) statusJSON {
	waiting := s.Waiting
	if waiting == nil {
		waiting = []string{}
	}
	return statusJSON{Run: s.Run, PlanVersion: s.PlanVersion, Plan: s.Plan, Phase: s.Phase, Stage: s.Stage,
		Stages: s.Stages, Percent: s.Percent, StageStartedAt: s.StageStartedAt, Reason: s.Reason,
		UpdatedBy: s.UpdatedBy, UpdatedAt: s.UpdatedAt, LastTransition: s.LastTransition,
		ControllerActive: s.ControllerActive, Control: s.Control, Candidate: s.Candidate, Gate: gateToJSON(s.Gate), Waiting: waiting, Live: s.Live}
}

// watchCutoverStatus shows the status every o.interval until ctx ends
// (Ctrl-C): redrawn in place when stdout is a terminal, otherwise one block
// per interval under a line with the time, or one JSON document per line.
// An error reading the status is shown in its block; the watch goes on.
func watchCutoverStatus(ctx context.Context, d deps, c *cutover.Controller, o *cutoverOptions) error {
	redraw := d.stdoutIsTTY() && !o.json
	tick := time.NewTicker(o.interval)
	defer tick.Stop()
	for {
		var b bytes.Buffer
		if o.json {
			st, err := c.Status(ctx)
			if ctx.Err() != nil {
				return nil // interrupted while reading: a watch ends cleanly, as below
			}
			if err != nil {
				return err
			}
			line, err := json.Marshal(statusToJSON(st))
			if err != nil {
				return err
			}
			b.Write(append(line, '\n'))
		} else {
			at := d.now().UTC().Format("2006-01-02 15:04:05Z")
			if redraw {
				fmt.Fprintf(&b, "\033[H\033[2J%s · every %s · Ctrl-C to stop\n\n", at, human.Duration(o.interval))
			} else {
				fmt.Fprintf(&b, "--- %s\n", at)
			}
			if err := printCutoverStatus(ctx, &b, c, false); err != nil && ctx.Err() == nil {
				fmt.Fprintf(&b, "error: %v\n", err)
			}
			if !redraw {
				b.WriteByte('\n')
			}
		}
		if ctx.Err() != nil {
			return nil
		}
		if _, err := d.stdout.Write(b.Bytes()); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
