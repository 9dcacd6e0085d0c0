//go:build chaos

package producer_test

// chaosScale multiplies the volume of the fault-injection tests: 1 in CI,
// 10 under `go test -tags chaos`.
const chaosScale = 10
