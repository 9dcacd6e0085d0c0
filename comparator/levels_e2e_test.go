package comparator

import (
	"testing"

	"github.com/oinkhq/oink/legacy"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/testkit/pgtest"
	"github.com/oinkhq/oink/testkit/shadowtest"
)

// formatFaultPaths maps each v1 fault that changes a record's form, not its
// meaning, to the path where the comparator reports it.
var formatFaultPaths = map[string]string{
	legacy.FaultFieldOrder:     PathValueOrder,
	legacy.FaultNumberSpelling: PathValueNumbers,
	legacy.FaultHeaderExtra:    HeaderPath(legacy.TraceHeader),
	legacy.FaultTimestamp:      PathTimestamp,
	legacy.FaultReorder:        "lines", // an unordered array in another order
}

// TestInvariantLevelsMatchTheFaultLog: with v1 writing records whose form
// differs from v2's (member order, number spelling, an extra header, a late
// timestamp, reordered lines) and nothing else, the comparator's identical
// and equivalent counts and its per-path equivalent counts equal the fault
// log exactly; under rules that do not cover the header and the timestamp,
// exactly the events those faults hit diverge, at those paths (invariant 2
// for the levels).
func TestInvariantLevelsMatchTheFaultLog(t *testing.T) {
	t.Parallel()
	s := &shadow{shadowtest.NewWithFaults(t, 12000, legacy.Faults{FieldOrder: 0.03, NumberSpelling: 0.03,
		HeaderExtra: 0.03, Timestamp: 0.03, Reorder: 0.03})}
	faults := make([]string, 0, len(formatFaultPaths))
	for f := range formatFaultPaths {
		if s.Count(f) < 100 {
			t.Fatalf("the fault log has %d %s entries; want enough to count", s.Count(f), f)
		}
		faults = append(faults, f)
	}
	faulted := int64(len(s.Identities(faults...)))
	store := diffstore.New(pgtest.Schema(t))

	lenient := s.compare(t, store, "format", "testdata/rules/format-faults.yaml", 1)
	assertAccounting(t, lenient)
	if lenient.Equivalent != faulted || lenient.Identical != lenient.Pairs-faulted || lenient.Accepted != 0 || lenient.Divergent != 0 {
		t.Fatalf("levels = %d identical, %d equivalent, %d accepted, %d divergent of %d pairs; want %d equivalent (the fault log's events) and the rest identical",
			lenient.Identical, lenient.Equivalent, lenient.Accepted, lenient.Divergent, lenient.Pairs, faulted)
	}
	t.Logf("%d pairs: %d identical, %d equivalent", lenient.Pairs, lenient.Identical, lenient.Equivalent)
	paths := pathStats(t, store, "format")
	for f, path := range formatFaultPaths {
		if got := paths[path]; got.Equivalent != s.Count(f) || got.Divergent != 0 || got.Accepted != 0 {
			t.Errorf("path %s: %+v; want %d equivalent (the %s entries of the fault log)", path, got, s.Count(f), f)
		}
		t.Logf("%s: %d equivalent (%s)", path, paths[path].Equivalent, f)
		delete(paths, path)
	}
	if len(paths) != 0 {
		t.Errorf("paths no fault explains: %+v", paths)
	}

	strict := s.compare(t, store, "strict", rtcimStrictPath, 1)
	assertAccounting(t, strict)
	metadata := []string{legacy.FaultHeaderExtra, legacy.FaultTimestamp}
	shadowtest.EqualSets(t, "divergent", shadowtest.DivergenceIdentities(t, store, "strict", diffstore.KindDivergent), s.Identities(metadata...))
	strictPaths := pathStats(t, store, "strict")
	for _, f := range metadata {
		if got := strictPaths[formatFaultPaths[f]]; got.Divergent != s.Count(f) || got.Equivalent != 0 {
			t.Errorf("strict path %s: %+v; want %d divergent", formatFaultPaths[f], got, s.Count(f))
		}
	}
	if strict.Identical != lenient.Identical {
		t.Errorf("strict identical = %d, want %d: rules change the level of a difference, never whether it is one", strict.Identical, lenient.Identical)
	}
}

// pathStats returns every path of the run by path.
func pathStats(t *testing.T, store *diffstore.Store, run string) map[string]diffstore.PathStat {
	t.Helper()
	stats, err := store.TopPaths(t.Context(), run, 1000)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]diffstore.PathStat{}
	for _, p := range stats {
		out[p.Path] = p
	}
	return out
}
