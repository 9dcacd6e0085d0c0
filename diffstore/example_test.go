package diffstore_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/oinkhq/oink/diffstore"
)

// ExampleStore shows a comparator's use of the store: create the run, claim a
// partition, commit a batch, read the totals back. It needs a Postgres (see
// scripts/postgres), so it is compiled but not run by go test.
func ExampleStore() {
	ctx := context.Background()
	pool, err := diffstore.Open(ctx, "postgres:///oink?host=/var/run/postgresql")
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	if err := diffstore.Migrate(ctx, pool); err != nil {
		log.Fatal(err)
	}
	st := diffstore.New(pool)

	run := diffstore.Run{Name: "example", ControlTopic: "rtcim.v1", CandidateTopic: "rtcim.v2"}
	if err := st.EnsureRun(ctx, run); err != nil {
		log.Fatal(err)
	}
	cp, err := st.ClaimPartition(ctx, "example", 0, "comparator-1")
	if err != nil {
		log.Fatal(err)
	}
	at := time.Date(2025, 3, 1, 12, 0, 7, 0, time.UTC)
	err = st.CommitBatch(ctx, diffstore.CommitBatch{
		Run: "example", Partition: 0, Epoch: cp.Epoch,
		ControlOffset: 2, CandidateOffset: 2, // the next offsets to read
		Counts: []diffstore.MinuteCounts{{Minute: at,
			Counts: diffstore.Counts{ReadControl: 2, ReadCandidate: 2, Pairs: 2, Equal: 1, Divergent: 1}}},
		Divergences: []diffstore.Divergence{{
			Identity: "order-1/event-9", Kind: diffstore.KindDivergent, EventTime: at,
			Control:   json.RawMessage(`{"totals": {"tax_minor": 125}}`),
			Candidate: json.RawMessage(`{"totals": {"tax_minor": 124}}`),
			Diff: []diffstore.FieldDiff{{Path: "totals.tax_minor",
				Control: json.RawMessage(`125`), Candidate: json.RawMessage(`124`)}},
		}},
	})
	if errors.Is(err, diffstore.ErrFenced) {
		return // another instance owns partition 0 now: stop working on it
	}
	if err != nil {
		log.Fatal(err) // or: claim the partition again and replay from its checkpoint
	}

	sum, err := st.Summary(ctx, "example")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("pairs %d, divergent %d\n", sum.Pairs, sum.Divergent)
}
