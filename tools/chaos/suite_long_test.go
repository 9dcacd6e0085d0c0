//go:build chaos

package chaos

// The long suite, `go test -tags chaos -timeout 30m ./tools/chaos`
// (about 10 minutes on 2 cores): suiteTrials trials per role, more events,
// more kills, a three-step plan. Three trials at a time: with five (35
// processes) beside the rest of `go test -tags chaos ./...` the load average
// reached 48, a restarted v2 took longer than the comparator's window to
// take its partitions back, and 2 of 20 producer trials saw the two
// comparator runs disagree on pairs that arrived past the window (the gate
// rolled back, as it should; no record was lost).
const (
	suiteTrials   = 20
	suiteEvents   = 8000
	suiteRate     = 400
	suiteKills    = 5
	suiteParallel = 3
)

var suiteSteps = []float64{10, 50, 100}
