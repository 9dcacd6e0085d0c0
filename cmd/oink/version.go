package main

import (
	"fmt"
	"runtime/debug"
	"strings"
)

// versionText is what oink --version prints: the module version, the VCS
// revision and time it was built from (and whether the tree had changes),
// and the Go version, all from the build info the Go toolchain embeds. A
// binary built from a checkout has the module version "(devel)"; one built
// without VCS stamping (go build -buildvcs=false, go run) has no revision.
func versionText(info *debug.BuildInfo, ok bool) string {
	if !ok || info == nil {
		return "oink (no build information)"
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	var vcs []string
	if rev := settings["vcs.revision"]; rev != "" {
		vcs = append(vcs, "revision "+rev)
	}
	if at := settings["vcs.time"]; at != "" {
		vcs = append(vcs, "committed "+at)
	}
	if settings["vcs.modified"] == "true" {
		vcs = append(vcs, "with uncommitted changes")
	}
	if len(vcs) == 0 {
		vcs = append(vcs, "no VCS revision recorded")
	}
	return fmt.Sprintf("oink %s (%s)\nmodule %s, built with %s %s/%s", version, strings.Join(vcs, ", "),
		info.Main.Path, info.GoVersion, settings["GOOS"], settings["GOARCH"])
}
