//go:build !chaos

package chaos

// The CI-sized suite: `go test ./tools/chaos` (and scripts/test) runs
// suiteTrials trials per role. `go test -tags chaos` runs the long one
// (suite_long_test.go).
const (
	suiteTrials   = 3
	suiteEvents   = 3000
	suiteRate     = 250
	suiteKills    = 3
	suiteParallel = 3
)

var suiteSteps = []float64{50, 100}
