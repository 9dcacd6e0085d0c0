package childproc

import (
	"os"
	"strings"
)

// Env is this process's environment without OINK_* and DATABASE_URL:
// every flag of an oink child has an environment twin, so a variable the
// user set for the parent (OINK_BATCH_SIZE, OINK_GROUP, …) would silently
// change the child's flags. A parent passes what a child needs as flags,
// except secrets: the database URL goes as DATABASE_URL appended to this
// environment, since every user of the machine can read a process's
// command line in /proc/PID/cmdline.
func Env() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OINK_") || strings.HasPrefix(kv, "DATABASE_URL=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}
