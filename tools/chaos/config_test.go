package chaos

import (
	"slices"
	"strings"
	"testing"
)

func TestParseRoles(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    []string
		want  []Role
		error string
	}{
		{"names in any order keep that order", []string{"switch", " producer"}, []Role{RoleSwitch, RoleProducer}, ""},
		{"a role named twice counts once", []string{"controller", "controller"}, []Role{RoleController}, ""},
		{"an unknown role is named with the valid ones", []string{"broker"}, nil, `unknown role "broker": want one of producer, comparator, switch, controller, zombie-switch, stall`},
		{"the stalled-side fault is a role by name", []string{"stall"}, []Role{RoleStall}, ""},
		{"no role is an error", nil, nil, "no role given"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseRoles(tc.in)
			if tc.error != "" {
				if err == nil || !strings.Contains(err.Error(), tc.error) {
					t.Fatalf("ParseRoles(%q) = %v, want an error containing %q", tc.in, err, tc.error)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Fatalf("ParseRoles(%q) = %v, %v, want %v", tc.in, got, err, tc.want)
			}
		})
	}
}

// TestATrialSeedChoosesEverything: the same seed gives the same events,
// faults and kill moments (so a printed seed replays its trial), and
// neighbouring seeds give others.
func TestATrialSeedChoosesEverything(t *testing.T) {
	t.Parallel()
	a, b, c := seedsOf(42), seedsOf(42), seedsOf(43)
	ka, kb, kc := killTargets(a.kills, 5, 3000), killTargets(b.kills, 5, 3000), killTargets(c.kills, 5, 3000)
	if a.events != b.events || a.faults != b.faults || !slices.Equal(ka, kb) {
		t.Fatalf("seed 42 twice: events %d/%d, faults %d/%d, kills %v/%v", a.events, b.events, a.faults, b.faults, ka, kb)
	}
	if a.events == c.events || a.faults == c.faults || slices.Equal(ka, kc) {
		t.Fatalf("seeds 42 and 43 agree: events %d/%d, faults %d/%d, kills %v/%v", a.events, c.events, a.faults, c.faults, ka, kc)
	}
	if !slices.IsSorted(ka) || ka[0] < 1 || ka[4] > 2700 {
		t.Fatalf("killTargets(5, 3000) = %v: want 5 sorted moments in [1, 2700]", ka)
	}
}

func TestWithSearchPath(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"postgres:///oink?host=/var/run/postgresql", "postgres:///oink?host=%2Fvar%2Frun%2Fpostgresql&search_path=s1"},
		{"postgres://u:p@h:5432/db?search_path=old", "postgres://u:p@h:5432/db?search_path=s1"},
		{"host=/tmp dbname=oink", "host=/tmp dbname=oink search_path=s1"},
	}
	for _, tc := range tests {
		if got, err := withSearchPath(tc.in, "s1"); err != nil || got != tc.want {
			t.Errorf("withSearchPath(%q) = %q, %v, want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestConfigValidateNamesTheField(t *testing.T) {
	t.Parallel()
	cfg := Config{Steps: []float64{50, 60}}
	err := cfg.Validate()
	for _, field := range []string{"Exe", "DatabaseURL", "RulesFile", "Steps"} {
		if err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Validate(%+v) = %v: want %s named", cfg, err, field)
		}
	}
}
