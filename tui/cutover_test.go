package tui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/oinkhq/oink/diffstore"
)

// TestCutoverKeysThatCannotActAreHidden: the status bar lists only the
// cutover keys the phase allows (as the controller does), a hidden key
// opens no prompt but says why, and a read-only dashboard lists none.
func TestCutoverKeysThatCannotActAreHidden(t *testing.T) {
	t.Parallel()
	withPhase := func(phase string) func(*fakeSource) {
		return func(f *fakeSource) {
			c := *f.cutover
			c.Phase = phase
			f.cutover = &c
		}
	}
	tests := []struct {
		name     string
		setup    func(*fakeSource)
		readOnly bool
		shown    []string
		hidden   []string
	}{
		{"running: all four", withPhase(diffstore.PhaseRunning), false, []string{"a advance", "p pause", "r rollback", "x abort"}, nil},
		{"paused: p resumes", withPhase(diffstore.PhasePaused), false, []string{"a advance", "p resume", "r rollback", "x abort"}, []string{"p pause"}},
		{"rolled back: resume or abort", func(f *fakeSource) { rolledBack(f) }, false, []string{"p resume", "x abort"}, []string{"a advance", "r rollback"}},
		{"promoted: abort only", withPhase(diffstore.PhasePromoted), false, []string{"x abort"}, []string{"a advance", "p pause", "p resume", "r rollback"}},
		{"aborted: none", withPhase(diffstore.PhaseAborted), false, nil, []string{"a advance", "p pause", "p resume", "r rollback", "x abort"}},
		{"no plan: none", func(f *fakeSource) { f.cutover = nil }, false, nil, []string{"a advance", "p pause", "p resume", "r rollback", "x abort"}},
		{"read-only: none", withPhase(diffstore.PhaseRunning), true, nil, []string{"a advance", "p pause", "p resume", "r rollback", "x abort"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := fixtureSource()
			tc.setup(src)
			var act Actions = &fakeActions{}
			if tc.readOnly {
				act = nil
			}
			m := newModel(t, src, act)
			m.status = status{} // the keys show when there is no message
			bar := lastLine(m.View())
			for _, s := range tc.shown {
				if !strings.Contains(bar, s) {
					t.Errorf("status bar %q lacks %q", bar, s)
				}
			}
			for _, s := range tc.hidden {
				if strings.Contains(bar, s) {
					t.Errorf("status bar %q shows %q", bar, s)
				}
			}
			for _, k := range []string{"a", "p", "r", "x"} {
				if strings.Contains(bar, " "+k+" ") {
					continue
				}
				m2, _ := press(t, m, k)
				if m2.prompt.Active() || !m2.status.isErr {
					t.Errorf("hidden key %s: prompt %v, status %+v; want no prompt and a message why", k, m2.prompt.Active(), m2.status)
				}
			}
		})
	}
}

// TestConfirmationsNameTheTarget: each command's question says where the
// cutover goes from where it stands.
func TestConfirmationsNameTheTarget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(*fakeSource)
		key   string
		want  string
	}{
		{"advance", nil, "a", "Advance run shadow-1 from stage 2/4 (5%) to stage 3/4 (25%)"},
		{"advance at the last step promotes", func(f *fakeSource) {
			c := *f.cutover
			c.Stage, c.Percent = 3, 100
			f.cutover = &c
		}, "a", "Promote run shadow-1 at stage 4/4 (100%)"},
		{"pause", nil, "p", "Pause run shadow-1 at stage 2/4 (5%)"},
		{"rollback", nil, "r", "Roll back run shadow-1 from stage 2/4 (5%) to 0%"},
		{"abort", nil, "x", "Abort the cutover of run shadow-1: from stage 2/4 (5%) to 0%"},
		{"resume after a rollback starts at the first step", func(f *fakeSource) { rolledBack(f) }, "p", "Resume run shadow-1 from 0% to stage 1/4 (1%)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src := fixtureSource()
			if tc.setup != nil {
				tc.setup(src)
			}
			m := newModel(t, src, &fakeActions{})
			m, _ = press(t, m, tc.key, "why", "enter")
			if v := strings.Join(strings.Fields(m.View()), " "); !strings.Contains(v, tc.want) {
				t.Errorf("the confirmation lacks %q:\n%s", tc.want, m.View())
			}
		})
	}
}

// TestCommandRunsOnlyFromWhereItsConfirmationSaid: when the cutover moves
// while the operator answers, the command does nothing and says so.
func TestCommandRunsOnlyFromWhereItsConfirmationSaid(t *testing.T) {
	t.Parallel()
	src, act := fixtureSource(), &fakeActions{}
	m := newModel(t, src, act)
	m, _ = press(t, m, "a", "peak passed", "enter")
	src.mu.Lock()
	c := *src.cutover
	c.Stage, c.Percent = 2, 25 // the controller advanced meanwhile
	src.cutover = &c
	src.mu.Unlock()
	m, cmd := send(m, tickMsg{})
	m = settleRefresh(t, m, cmd)
	m, cmd = press(t, m, "y")
	m = settle(t, m, cmd)
	if got := act.recorded(); len(got) != 0 {
		t.Errorf("commands run after the cutover moved: %v", got)
	}
	if !m.status.isErr || !strings.Contains(m.status.text, "nothing done: the cutover moved") {
		t.Errorf("status = %+v, want it to say nothing was done because the cutover moved", m.status)
	}
}

// TestAutomaticRollbackIsAnnounced: a rollback the controller made between
// two refreshes replaces an earlier operator message in the status bar,
// with when, from where and what the gate counted; a command's outcome
// that arrives after it says the rollback followed.
func TestAutomaticRollbackIsAnnounced(t *testing.T) {
	t.Parallel()
	src, act := fixtureSource(), &fakeActions{}
	m := newModel(t, src, act)
	m, cmd := press(t, m, "a", "peak passed", "enter", "y")
	m, advance := run(t, m, cmd) // the advance is submitted; its outcome comes late
	src.mu.Lock()
	rolledBack(src)
	src.mu.Unlock()
	m, cmd = send(m, tickMsg{})
	m = settleRefresh(t, m, cmd)
	want := "04:27:20 automatic rollback 25% → 0%: 50 divergent (whole reason above)"
	if !m.status.alert || m.status.text != want {
		t.Errorf("status after the rollback = %+v, want the alert %q", m.status, want)
	}
	m = settle(t, m, advance)
	if !strings.Contains(m.status.text, "advance: ") || !strings.Contains(m.status.text, "then "+want) {
		t.Errorf("status after the late outcome = %q, want the outcome followed by the rollback", m.status.text)
	}
	if v := strings.Join(strings.Fields(m.View()), " "); !strings.Contains(v, "rollback automatic (controller) at 04:27:20, stage 3/4 (25%) → 0%: "+
		"gate: divergence: 50 divergent and 0 missing in candidate in the stage's window (policy: rollback)") {
		t.Errorf("the header lacks the whole rollback:\n%s", m.View())
	}
}

// TestRecentDivergencesSayWhenTheListIsCut: the pane shows at most 100
// divergences and says when that display limit hides others.
func TestRecentDivergencesSayWhenTheListIsCut(t *testing.T) {
	t.Parallel()
	for _, n := range []int{divergencesLimit, divergencesLimit + 1} {
		src := fixtureSource()
		src.divs = nil
		for i := range n {
			src.divs = append(src.divs, fixtureDivergence(i))
		}
		m := newModel(t, src, nil)
		v := m.View()
		shown := fmt.Sprintf("recent divergences (%d)", divergencesLimit)
		cut := fmt.Sprintf("recent divergences (newest %d shown: a display limit; more exist)", divergencesLimit)
		switch {
		case n == divergencesLimit && (!strings.Contains(v, shown) || strings.Contains(v, "display limit")):
			t.Errorf("%d divergences: the title does not say %q alone:\n%s", n, shown, v)
		case n > divergencesLimit && !strings.Contains(v, cut):
			t.Errorf("%d divergences: the title does not say %q:\n%s", n, cut, v)
		}
		if m.divs.Len() != divergencesLimit {
			t.Errorf("%d divergences: %d listed, want %d", n, m.divs.Len(), divergencesLimit)
		}
	}
}
