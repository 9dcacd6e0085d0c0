package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/spf13/cobra"
)

type controllerOptions struct {
	run         string
	tick        time.Duration
	aliveWithin time.Duration
	autoStart   bool
	actor       string
	metricsAddr string
}

func newControllerCmd(d deps, g *globalOptions, runF runFunc[controllerOptions]) *cobra.Command {
	cmd, o := newCommand(d, g, runF, runController, &cobra.Command{
		Use:   "controller",
		Short: "Run the cutover control loop of a run (any number of replicas; one leads)",
		Long: `Every tick the leading controller evaluates the current stage's gate and
advances the cutover when it passes, promotes it after the last step, or rolls
back (or pauses) when the comparator finds a divergence. Every evaluation and
decision is recorded in the diffstore.

Run as many replicas as you like: one holds the run's leader lock (a Postgres
advisory lock) and the others wait, taking over within a tick when the leader
dies. The controller never starts a pending cutover unless --auto-start is
given; oink cutover start does. It runs until interrupted.`,
		Example: `  oink controller --run shadow-2026-11
  oink controller --run demo --tick 200ms --auto-start --log-format text`,
		Args: usageArgs(cobra.NoArgs),
	})
	f := cmd.Flags()
	f.StringVar(&o.run, "run", "", "name of the shadow run (required)")
	f.DurationVar(&o.tick, "tick", cutover.DefaultTick, "interval between two evaluations of the gate")
	f.DurationVar(&o.aliveWithin, "alive-within", cutover.DefaultAliveWithin, "a comparator heartbeat older than this counts as dead")
	f.BoolVar(&o.autoStart, "auto-start", false, "start a pending cutover without waiting for oink cutover start")
	f.StringVar(&o.actor, "actor", "", "name recorded for this controller's decisions (default controller@host-pid)")
	f.StringVar(&o.metricsAddr, "metrics-addr", "", "serve Prometheus /metrics and /healthz here (unhealthy while the database does not answer)")
	withMemoryLimit(cmd, d, g, defaultMemoryLimit)
	return cmd
}

func (o *controllerOptions) validate() error {
	switch {
	case o.run == "":
		return errRunRequired
	case o.tick <= 0:
		return usageError{fmt.Errorf("--tick %v: want a positive duration such as 500ms", o.tick)}
	case o.aliveWithin <= 0:
		return usageError{fmt.Errorf("--alive-within %v: want a positive duration such as 5s", o.aliveWithin)}
	}
	return nil
}

// runController runs the control loop until ctx ends.
func runController(ctx context.Context, d deps, g *globalOptions, o *controllerOptions) error {
	if err := o.validate(); err != nil {
		return err
	}
	actor := o.actor
	if actor == "" {
		host, _ := os.Hostname() // best effort: the name only labels decisions
		actor = fmt.Sprintf("controller@%s-%d", host, os.Getpid())
	}
	healthy := newHealthy()
	if err := serveMetrics(ctx, o.metricsAddr, newRegistry(), healthy, g.log); err != nil {
		return err
	}
	return withStore(ctx, g, func(s *diffstore.Store) error {
		c := &cutover.Controller{Store: s, RunName: o.run, Actor: actor, Now: d.now, Tick: o.tick,
			AliveWithin: o.aliveWithin, AutoStart: o.autoStart, Log: g.log.With("role", "controller", "actor", actor),
			Health: healthy}
		return c.Run(ctx)
	})
}
