package main

import (
	"context"
	"math"
	"runtime/debug"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"48MiB": 48 << 20, "64MB": 64e6, "1GiB": 1 << 30, "512KiB": 512 << 10,
		"50331648": 50331648, "0": 0, " 2 GiB ": 2 << 30, "100B": 100} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "MiB", "-1MiB", "48 megabytes", "1.5GiB", "99999999999TiB"} {
		if _, err := parseSize(in); err == nil {
			t.Errorf("parseSize(%q): no error", in)
		}
	}
}

// TestMemoryLimitDuringTheCommand runs a long-running command (its work
// replaced) and reads the runtime's limit while it runs: the default,
// the flag, its environment twin, 0 for none, and GOMEMLIMIT left alone.
// Not parallel: the limit is the whole process's.
func TestMemoryLimitDuringTheCommand(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want int64
	}{
		{"compare's default", []string{"compare"}, nil, defaultMemoryLimit},
		{"the switch's default", []string{"switch"}, nil, switchMemoryLimit},
		{"the flag", []string{"switch", "--memory-limit", "100MiB"}, nil, 100 << 20},
		{"the environment twin", []string{"switch"}, map[string]string{"OINK_SWITCH_MEMORY_LIMIT": "64MB"}, 64e6},
		{"0 is none", []string{"compare", "--memory-limit", "0"}, nil, math.MaxInt64},
		{"GOMEMLIMIT wins over the default", []string{"compare"}, map[string]string{"GOMEMLIMIT": "1GiB"}, before},
		{"the flag wins over GOMEMLIMIT", []string{"compare", "--memory-limit", "40MiB"}, map[string]string{"GOMEMLIMIT": "1GiB"}, 40 << 20},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, _, errb := testDeps(false, tc.env)
			root, g := newBareRoot(d)
			got := int64(-1)
			root.AddCommand(newSwitchCmd(d, g, func(context.Context, deps, *globalOptions, *switchOptions) error {
				got = debug.SetMemoryLimit(-1)
				return nil
			}), newCompareCmd(d, g, func(context.Context, deps, *globalOptions, *compareOptions) error {
				got = debug.SetMemoryLimit(-1)
				return nil
			}))
			if code := execute(t, d, root, tc.args...); code != exitOK {
				t.Fatalf("oink %v: exit %d, stderr %s", tc.args, code, errb)
			}
			if got != tc.want {
				t.Errorf("limit during the command = %d, want %d", got, tc.want)
			}
			if after := debug.SetMemoryLimit(-1); after != before {
				t.Errorf("limit after the command = %d, want %d restored", after, before)
			}
		})
	}
}

func TestMemoryLimitBadValueNamesTheFlag(t *testing.T) {
	t.Parallel()
	d, _, errb := testDeps(false, map[string]string{"OINK_COMPARE_MEMORY_LIMIT": "lots"})
	root, g := newBareRoot(d)
	root.AddCommand(newCompareCmd(d, g, func(context.Context, deps, *globalOptions, *compareOptions) error { return nil }))
	if code := execute(t, d, root, "compare"); code != exitUsage || !strings.Contains(errb.String(), "--memory-limit") {
		t.Errorf("exit %d, stderr %q; want %d naming --memory-limit", code, errb, exitUsage)
	}
}
