package main

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
)

// parsedOptions runs `oink args…` with env as the environment, on a root
// that holds only the command newCmd builds, and returns the options its
// flags produced: the command's run function records them instead of
// running. It fails t unless the command exits 0.
func parsedOptions[O any](t *testing.T, env map[string]string,
	newCmd func(deps, *globalOptions, runFunc[O]) *cobra.Command, args ...string) O {
	t.Helper()
	d, _, errb := testDeps(false, env)
	root, g := newBareRoot(d)
	var got *O
	root.AddCommand(newCmd(d, g, func(_ context.Context, _ deps, _ *globalOptions, o *O) error {
		got = o
		return nil
	}))
	if code := execute(t, d, root, args...); code != exitOK || got == nil {
		t.Fatalf("oink %v with env %v: exit %d, stderr %s", args, env, code, errb)
	}
	return *got
}

// checkUsageError runs `oink args…` with env as the environment and fails
// t unless it exits 2 (usage) with want (the flag, or the field) named on
// stderr and nothing on stdout.
func checkUsageError(t *testing.T, env map[string]string, want string, args ...string) {
	t.Helper()
	d, out, errb := testDeps(false, env)
	if code := execute(t, d, newRootCmd(d), args...); code != exitUsage || !strings.Contains(errb.String(), want) {
		t.Errorf("oink %v: exit %d, stderr %q; want exit %d naming %q", args, code, errb, exitUsage, want)
	}
	if out.Len() != 0 {
		t.Errorf("oink %v wrote to stdout on error: %q", args, out)
	}
}

// flagCase is a row of a flags → options table: `oink <command> args…`
// with env as the environment gives want.
type flagCase[O any] struct {
	name string
	args []string
	env  map[string]string
	want O
}

// checkFlagCases runs each case as a parallel subtest against the command
// newCmd builds, named by command (its path below the root).
func checkFlagCases[O any](t *testing.T, newCmd func(deps, *globalOptions, runFunc[O]) *cobra.Command,
	command []string, cases []flagCase[O]) {
	t.Helper()
	var zero O
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := parsedOptions(t, tc.env, newCmd, append(slices.Clip(command), tc.args...)...)
			if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(zero)); diff != "" {
				t.Errorf("options of oink %v %v with env %v (-want +got):\n%s", command, tc.args, tc.env, diff)
			}
		})
	}
}

// optionCase is a row of a flags → options table that looks only at the
// options it is about: `oink <command> args…` with env as the environment
// gives options that check accepts.
type optionCase[O any] struct {
	name  string
	args  []string
	env   map[string]string
	check func(*O) bool
}

// checkOptionCases runs each case as a parallel subtest against the
// command newCmd builds, named by command (its path below the root, and
// the arguments every case has). Options with a validate method must pass
// it.
func checkOptionCases[O any](t *testing.T, newCmd func(deps, *globalOptions, runFunc[O]) *cobra.Command,
	command []string, cases []optionCase[O]) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := parsedOptions(t, tc.env, newCmd, append(slices.Clip(command), tc.args...)...)
			if v, ok := any(&got).(interface{ validate() error }); ok {
				if err := v.validate(); err != nil {
					t.Fatalf("options of oink %v %v with env %v: %v", command, tc.args, tc.env, err)
				}
			}
			if !tc.check(&got) {
				t.Errorf("options of oink %v %v with env %v = %+v", command, tc.args, tc.env, got)
			}
		})
	}
}

// usageCase is a row of a usage-errors table: `oink args…` exits 2 naming
// want.
type usageCase struct {
	name string
	args []string
	want string
}

// checkUsageCases runs each case as a parallel subtest (checkUsageError),
// its arguments after prefix.
func checkUsageCases(t *testing.T, prefix []string, cases []usageCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			checkUsageError(t, nil, tc.want, append(slices.Clip(prefix), tc.args...)...)
		})
	}
}
