// Command oink is the one binary of the oink toolkit: the embedded broker,
// the load generator, OINK v2, the v1 simulator, dead-letter tools and (as
// they land) the comparator, the cutover and the dashboard. Run oink --help.
package main

import (
	"os"
	_ "time/tzdata" // store time zones must resolve on machines without zoneinfo
)

func main() {
	ctx, sig, stop := signalContext()
	defer stop()
	err := executeRoot(ctx, defaultDeps())
	stop()
	os.Exit(exitCode(err, sig(), os.Stderr))
}
