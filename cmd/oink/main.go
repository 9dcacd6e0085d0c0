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
