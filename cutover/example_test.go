package cutover_test

import (
	"context"
	"fmt"
	"log"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
)

// ExampleParsePlan reads a plan and shows its stages.
func ExampleParsePlan() {
	plan, err := cutover.ParsePlan("plan.yaml", []byte(`
run: shadow-2026-11
steps:
  - {percent: 1,   hold: 10m, min_pairs: 5000}
  - {percent: 10,  hold: 30m, min_pairs: 50000}
  - {percent: 100, hold: 0s,  min_pairs: 0}
on_divergence: pause
`))
	if err != nil {
		log.Fatal(err)
	}
	for i, s := range plan.Steps {
		fmt.Printf("stage %d: %v%% for at least %v and %d pairs\n", i+1, s.Percent, s.Hold, s.MinPairs)
	}
	fmt.Println("on divergence:", plan.OnDivergence, "margin:", plan.Margin)
	// Output:
	// stage 1: 1% for at least 10m0s and 5000 pairs
	// stage 2: 10% for at least 30m0s and 50000 pairs
	// stage 3: 100% for at least 0s and 0 pairs
	// on divergence: pause margin: 1s
}

// ExampleController applies a plan, starts the cutover and runs the control
// loop. It needs a Postgres (see scripts/postgres), so it is compiled but
// not run by go test.
func ExampleController() {
	ctx := context.Background()
	pool, err := diffstore.Open(ctx, "postgres:///oink?host=/var/run/postgresql")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := diffstore.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	plan, err := cutover.LoadPlan("testdata/plans/example.yaml")
	if err != nil {
		log.Fatal(err)
	}
	c := &cutover.Controller{Store: diffstore.New(pool), RunName: plan.Run}
	who := cutover.Request{Actor: "alice", Reason: "OINK v2 canary"}
	if _, err := c.Apply(ctx, plan, who); err != nil {
		log.Fatal(err)
	}
	d, err := c.Start(ctx, who)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s: v2 owns %v%% from %s\n", d.Action, d.To.Percent, d.Transition.EffectiveFrom)
	if err := c.Run(ctx); err != nil { // until ctx ends
		log.Fatal(err)
	}
}
