package diffstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
)

// BenchmarkCommitBatch commits batches the size a comparator commits under
// load: the counts of 5000 pairs over two minutes, and 50 divergences with two
// field diffs each, on one partition, against a real Postgres.
func BenchmarkCommitBatch(b *testing.B) {
	const pairs, divergences, diffsPer = 5000, 50, 2
	st := diffstore.New(pgtest.Schema(b))
	ensureRun(b, st, "bench")
	cp := claim(b, st, "bench", 0, "bench")

	// Inputs are built once; each iteration only renames the identities,
	// so that every divergence is a new row as it would be in a run.
	at := baseTime()
	counts := []diffstore.MinuteCounts{
		{Minute: at, Counts: diffstore.Counts{ReadControl: pairs / 2, ReadCandidate: pairs / 2, Pairs: pairs / 2,
			Equal: pairs/2 - divergences/2 - 10, Accepted: 10, Divergent: divergences / 2},
			AcceptedByRule: map[string]int64{"utc-date": 10}},
		{Minute: at.Add(time.Minute), Counts: diffstore.Counts{ReadControl: pairs / 2, ReadCandidate: pairs / 2,
			Pairs: pairs / 2, Equal: pairs/2 - divergences/2, Divergent: divergences / 2}},
	}
	template := make([]diffstore.Divergence, divergences)
	for i := range template {
		template[i] = divergent("", at.Add(time.Duration(i)*time.Second),
			fd("totals.tax_minor", "1250", "1249", ""), fd("business_date", `"2025-03-01"`, `"2025-02-28"`, "utc-date"))
		template[i].Control = raw(`{"rtcim_id":"x","totals":{"gross_minor":10000,"tax_minor":1250},"lines":[{"line_no":1,"sku":"SKU-1","qty":2}]}`)
		template[i].Candidate = raw(`{"rtcim_id":"x","totals":{"gross_minor":10000,"tax_minor":1249},"lines":[{"line_no":1,"sku":"SKU-1","qty":2}]}`)
	}
	// Rows written per batch: checkpoint, count and accepted rows, divergences, field diffs.
	rows := 1 + len(counts) + 1 + divergences + divergences*diffsPer

	b.ReportAllocs()
	n := 0
	for b.Loop() {
		divs := make([]diffstore.Divergence, len(template))
		for i, d := range template {
			d.Identity = fmt.Sprintf("o-%d-%d", n, i)
			divs[i] = d
		}
		n++
		commit(b, st, diffstore.CommitBatch{Run: "bench", Partition: 0, Epoch: cp.Epoch,
			ControlOffset: int64(n * pairs), CandidateOffset: int64(n * pairs), Counts: counts, Divergences: divs})
	}
	b.ReportMetric(float64(n*pairs)/b.Elapsed().Seconds(), "pairs/s")
	b.ReportMetric(float64(n*rows)/b.Elapsed().Seconds(), "rows/s")
}
