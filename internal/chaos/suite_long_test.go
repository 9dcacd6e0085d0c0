//go:build chaos

package chaos

// The long suite, `go test -tags chaos -timeout 30m ./internal/chaos`
// (about 10 minutes on 2 cores): suiteTrials trials per role, more events,
// more kills, a three-step plan.
const (
	suiteTrials   = 20
	suiteEvents   = 8000
	suiteRate     = 400
	suiteKills    = 5
	suiteParallel = 5
)

var suiteSteps = []float64{10, 50, 100}
