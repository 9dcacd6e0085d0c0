package tui

import (
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/google/go-cmp/cmp"

	"github.com/oinkhq/oink/diffstore"
)

// newModel returns a model over src and act at 80×24 that has read its
// first refresh.
func newModel(t *testing.T, src Source, act Actions) Model {
	t.Helper()
	cfg := Config{Run: "shadow-1", Source: src, Actor: "dashboard:test", Now: stepClock(), Refresh: time.Hour}
	if act != nil { // a nil *fakeActions must stay a nil interface
		cfg.Actions = act
	}
	m, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	m, _ = send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	m, _ = run(t, m, m.Init())
	return m
}

// send is one call of Update.
func send(m Model, msg tea.Msg) (Model, tea.Cmd) {
	next, cmd := m.Update(msg)
	return next.(Model), cmd
}

// run runs cmd, which must not be a tick, and sends its message.
func run(t *testing.T, m Model, cmd tea.Cmd) (Model, tea.Cmd) {
	t.Helper()
	if cmd == nil {
		t.Fatal("no command to run")
	}
	return send(m, cmd())
}

// keyMsg returns the message of a key: "enter", "esc", "tab", "ctrl+c", or
// runes.
func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// press sends keys one by one and runs every command but the last key's,
// which it returns: prompts answer through commands.
func press(t *testing.T, m Model, keys ...string) (Model, tea.Cmd) {
	t.Helper()
	var cmd tea.Cmd
	for i, k := range keys {
		m, cmd = send(m, keyMsg(k))
		if cmd != nil && i < len(keys)-1 {
			m, _ = run(t, m, cmd)
		}
	}
	return m, cmd
}

// settle runs cmd and every command it leads to until none is left.
func settle(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	for range 10 {
		if cmd == nil {
			return m
		}
		m, cmd = run(t, m, cmd)
	}
	t.Fatal("commands did not settle")
	return m
}

func TestCutoverKeysAskAReasonAndConfirmation(t *testing.T) {
	t.Parallel()
	paused := *fixtureSource().cutover
	paused.Phase, paused.Gate = diffstore.PhasePaused, nil
	tests := []struct {
		name       string
		cutover    *CutoverStatus // nil: the fixture's, running
		key        string
		wantAction string
	}{
		{"a advances", nil, "a", "advance"},
		{"p pauses a running cutover", nil, "p", "pause"},
		{"p resumes a paused cutover", &paused, "p", "resume"},
		{"r rolls back", nil, "r", "rollback"},
		{"x aborts", nil, "x", "abort"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			src, act := fixtureSource(), &fakeActions{}
			if tc.cutover != nil {
				src.cutover = tc.cutover
			}
			m := newModel(t, src, act)

			m, _ = press(t, m, tc.key)
			if !m.prompt.Active() || m.prompt.ID() != tc.wantAction {
				t.Fatalf("after %q the prompt is active %v for %q; want it asking for %q", tc.key, m.prompt.Active(), m.prompt.ID(), tc.wantAction)
			}
			m, _ = press(t, m, "peak hour", "enter")
			if !m.prompt.Confirming() || !strings.Contains(m.View(), "[y/N]") {
				t.Fatalf("after a reason and enter the prompt does not ask y/N:\n%s", m.View())
			}
			m, cmd := press(t, m, "y")
			m = settle(t, m, cmd)

			want := []call{{tc.wantAction, "shadow-1", Request{Actor: "dashboard:test", Reason: "peak hour"}}}
			if diff := cmp.Diff(want, act.recorded(), cmp.AllowUnexported(call{})); diff != "" {
				t.Errorf("commands run (-want +got):\n%s", diff)
			}
			if m.prompt.Active() {
				t.Error("the prompt is still open after the command")
			}
			if want := tc.wantAction + ": stage 2 (5%) running → stage 3 (25%) running"; !strings.Contains(m.status.text, want) {
				t.Errorf("status = %q, want it to contain %q", m.status.text, want)
			}
		})
	}
}

func TestCutoverKeysCancelled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys []string
	}{
		{"esc at the reason", []string{"a", "late", "esc"}},
		{"n at the confirmation", []string{"r", "late", "enter", "n"}},
		{"enter at the confirmation (the default is no)", []string{"x", "late", "enter", "enter"}},
		{"esc at the confirmation", []string{"p", "late", "enter", "esc"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			act := &fakeActions{}
			m := newModel(t, fixtureSource(), act)
			m, cmd := press(t, m, tc.keys...)
			m = settle(t, m, cmd)
			if got := act.recorded(); len(got) != 0 {
				t.Errorf("commands run after cancelling: %v", got)
			}
			if m.prompt.Active() || !strings.Contains(m.status.text, "cancelled: nothing changed") {
				t.Errorf("prompt active %v, status %q; want it closed and saying nothing changed", m.prompt.Active(), m.status.text)
			}
		})
	}
}

func TestCutoverKeyRefusesAnEmptyReason(t *testing.T) {
	t.Parallel()
	act := &fakeActions{}
	m := newModel(t, fixtureSource(), act)
	m, cmd := press(t, m, "a", "enter")
	if cmd != nil || !m.prompt.Active() || m.prompt.Confirming() {
		t.Fatalf("enter without a reason: cmd %v, active %v, confirming %v; want the prompt still asking", cmd != nil, m.prompt.Active(), m.prompt.Confirming())
	}
	if !strings.Contains(m.View(), "an answer is required") {
		t.Errorf("the prompt does not say a reason is required:\n%s", m.View())
	}
}

func TestCutoverCommandErrorGoesToTheStatusBar(t *testing.T) {
	t.Parallel()
	act := &fakeActions{err: errors.New(`cannot pause run "shadow-1": it is rolled_back; only a running cutover pauses`)}
	m := newModel(t, fixtureSource(), act)
	m, cmd := press(t, m, "p", "why", "enter", "y")
	m = settle(t, m, cmd)
	if !m.status.isErr || !strings.Contains(m.status.text, "pause: cannot pause") {
		t.Errorf("status = %+v, want the command's error", m.status)
	}
	if last := lastLine(m.View()); !strings.Contains(last, "error: ") {
		t.Errorf("status bar = %q, want it to show the error", last)
	}
}

func TestCutoverKeysOnAReadOnlyDashboard(t *testing.T) {
	t.Parallel()
	m := newModel(t, fixtureSource(), nil)
	m, cmd := press(t, m, "a")
	if cmd != nil || m.prompt.Active() || !m.status.isErr || !strings.Contains(m.status.text, "read-only") {
		t.Errorf("a on a read-only dashboard: prompt %v, status %+v; want an error saying read-only", m.prompt.Active(), m.status)
	}
}

// TestSlashFiltersDivergencesByAnyPartOfAPath: / starts empty, keeps the
// divergences with a difference at a path containing the text, keeps the
// filter across refreshes, and an empty answer clears it.
func TestSlashFiltersDivergencesByAnyPartOfAPath(t *testing.T) {
	t.Parallel()
	src := fixtureSource()
	m := newModel(t, src, &fakeActions{})
	if got := m.divs.Len(); got != 12 {
		t.Fatalf("divergences before filtering = %d, want 12", got)
	}
	m, cmd := press(t, m, "/", "tax_m", "enter")
	m = settle(t, m, cmd)
	if m.filter != "tax_m" || m.divs.Len() != 6 {
		t.Errorf("after / tax_m: filter %q, %d divergences; want the filter and the 6 with a tax_minor difference", m.filter, m.divs.Len())
	}
	if v := m.View(); !strings.Contains(v, "paths containing tax_m") || !strings.Contains(v, "*totals.tax_minor") {
		t.Errorf("the panes do not show the filter and the paths it matches (*):\n%s", v)
	}

	// The next refresh keeps the filter.
	m, cmd = send(m, tickMsg{})
	m = settleRefresh(t, m, cmd)
	if m.divs.Len() != 6 {
		t.Errorf("after a refresh: %d divergences, want the filter kept (6)", m.divs.Len())
	}

	// / starts empty; an empty answer clears the filter.
	m, _ = press(t, m, "/")
	if m.prompt.Value() != "" {
		t.Errorf("the filter prompt starts with %q, want it empty", m.prompt.Value())
	}
	m, cmd = press(t, m, "enter")
	m = settle(t, m, cmd)
	if m.filter != "" || m.divs.Len() != 12 {
		t.Errorf("after clearing: filter %q, %d divergences; want none and 12", m.filter, m.divs.Len())
	}
}

// TestSlashSaysWhenAPathHasOnlyAcceptedDifferences: a filter that matches
// no divergence says so, and names the matching paths where rules accepted
// differences, with how many.
func TestSlashSaysWhenAPathHasOnlyAcceptedDifferences(t *testing.T) {
	t.Parallel()
	m := newModel(t, fixtureSource(), &fakeActions{})
	m, cmd := press(t, m, "/", "unit_price", "enter")
	m = settle(t, m, cmd)
	if m.divs.Len() != 0 {
		t.Fatalf("/ unit_price: %d divergences, want none", m.divs.Len())
	}
	v := strings.Join(strings.Fields(m.View()), " ")
	for _, want := range []string{"no divergence at a path containing unit_price",
		"accepted differences (pairs a rule accepts) at lines[line_no=1].unit_price_minor 600"} {
		if !strings.Contains(v, want) {
			t.Errorf("the divergences pane lacks %q:\n%s", want, m.View())
		}
	}
}

// settleRefresh runs a refresh command and sends its result, without
// running the tick that follows.
func settleRefresh(t *testing.T, m Model, cmd tea.Cmd) Model {
	t.Helper()
	m, _ = run(t, m, cmd)
	return m
}

func TestTabSwitchesPanesAndEnterOnAPathFilters(t *testing.T) {
	t.Parallel()
	m := newModel(t, fixtureSource(), &fakeActions{})
	if m.focus != divergencesPane {
		t.Fatalf("focus = %v, want the divergences pane first", m.focus)
	}
	m, _ = press(t, m, "tab")
	if m.focus != pathsPane || !strings.Contains(m.View(), "▸ top diverging paths") {
		t.Fatalf("after tab: focus %v; want the paths pane, marked ▸", m.focus)
	}
	m, cmd := press(t, m, "down", "enter")
	m = settle(t, m, cmd)
	if m.filter != "totals.tax_minor" || m.focus != divergencesPane {
		t.Errorf("enter on the second path: filter %q, focus %v; want totals.tax_minor and the divergences pane", m.filter, m.focus)
	}
	m, _ = press(t, m, "tab", "tab")
	if m.focus != divergencesPane {
		t.Errorf("tab twice: focus %v, want back on the divergences pane", m.focus)
	}
}

func TestEnterOpensTheDivergenceSideBySide(t *testing.T) {
	t.Parallel()
	m := newModel(t, fixtureSource(), &fakeActions{})
	m, cmd := press(t, m, "down", "down", "enter")
	m = settle(t, m, cmd)
	if !m.showDetail || m.detail.Identity() != "O1-000000044|E1-000000044" {
		t.Fatalf("after enter on the third divergence: detail shown %v for %q", m.showDetail, m.detail.Identity())
	}
	v := m.View()
	// It opens on the first divergent field.
	for _, want := range []string{"control (rtcim.v1)", "candidate (rtcim.v2)", `»       "tax_minor": 145,`, `»       "tax_minor": 146,`} {
		if !strings.Contains(v, want) {
			t.Errorf("the detail view lacks %q:\n%s", want, v)
		}
	}
	// N goes back to the accepted difference above it.
	m, _ = press(t, m, "N")
	if v := m.View(); !strings.Contains(v, `~   "business_date": "2026-03-07",`) || !strings.Contains(v, `~   "business_date": "2026-03-08",`) {
		t.Errorf("after N the accepted business_date is not shown marked ~:\n%s", v)
	}
	m, cmd = press(t, m, "esc")
	m = settle(t, m, cmd)
	if m.showDetail {
		t.Error("esc did not close the detail view")
	}
}

func TestQuestionMarkTogglesHelp(t *testing.T) {
	t.Parallel()
	m := newModel(t, fixtureSource(), &fakeActions{})
	m, _ = press(t, m, "?")
	if !m.showHelp || !strings.Contains(m.View(), "audit log as dashboard:test") {
		t.Fatalf("after ?: help shown %v\n%s", m.showHelp, m.View())
	}
	m, _ = press(t, m, "?")
	if m.showHelp {
		t.Error("? again did not close the help")
	}
	m, _ = press(t, m, "?", "esc")
	if m.showHelp {
		t.Error("esc did not close the help")
	}
}

func TestQuitKeys(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		keys []string
	}{
		{"q", []string{"q"}},
		{"q in the detail view", []string{"enter", "q"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := newModel(t, fixtureSource(), &fakeActions{})
			_, cmd := press(t, m, tc.keys...)
			if cmd == nil {
				t.Fatal("no command")
			}
			if _, ok := cmd().(tea.QuitMsg); !ok {
				t.Errorf("keys %v do not quit", tc.keys)
			}
		})
	}
}

// TestCtrlCInterrupts: Ctrl-C is the terminal's interrupt, whatever asks:
// the program ends as interrupted (Run returns ErrInterrupted).
func TestCtrlCInterrupts(t *testing.T) {
	t.Parallel()
	for _, keys := range [][]string{{"ctrl+c"}, {"a", "ctrl+c"}, {"/", "ctrl+c"}} {
		m := newModel(t, fixtureSource(), &fakeActions{})
		_, cmd := press(t, m, keys...)
		if cmd == nil {
			t.Fatalf("keys %v: no command", keys)
		}
		if _, ok := cmd().(tea.InterruptMsg); !ok {
			t.Errorf("keys %v do not interrupt", keys)
		}
	}
}

func TestQInThePromptIsText(t *testing.T) {
	t.Parallel()
	m := newModel(t, fixtureSource(), &fakeActions{})
	m, _ = press(t, m, "/", "q")
	if !m.prompt.Active() || m.prompt.Value() != "q" {
		t.Errorf("q in the filter prompt: active %v, value %q; want it typed", m.prompt.Active(), m.prompt.Value())
	}
}

func TestRefreshErrors(t *testing.T) {
	t.Parallel()
	t.Run("before any data the screen says why and retries", func(t *testing.T) {
		t.Parallel()
		src := fixtureSource()
		src.err = errors.New(`summary of run "shadow-1": not found`)
		m := newModel(t, src, nil)
		if m.state != failed || !strings.Contains(m.View(), `error: summary of run "shadow-1": not found`) {
			t.Errorf("state %v, view:\n%s", m.state, m.View())
		}
		src.mu.Lock()
		src.err = nil
		src.mu.Unlock()
		m, cmd := send(m, tickMsg{})
		m = settleRefresh(t, m, cmd)
		if m.state != ready {
			t.Errorf("after a good refresh: state %v, want ready", m.state)
		}
	})
	t.Run("after data the status bar shows it until a refresh succeeds", func(t *testing.T) {
		t.Parallel()
		src := fixtureSource()
		m := newModel(t, src, nil)
		m, _ = send(m, errMsg{err: errors.New("connection refused"), refresh: true})
		if m.state != ready || !m.status.isErr || !strings.Contains(lastLine(m.View()), "error: ") {
			t.Fatalf("state %v, status %+v", m.state, m.status)
		}
		m, cmd := send(m, tickMsg{})
		m = settleRefresh(t, m, cmd)
		if m.status.text != "" {
			t.Errorf("status after a good refresh = %q, want it cleared", m.status.text)
		}
	})
}

func TestRatesComeFromSuccessiveRefreshes(t *testing.T) {
	t.Parallel()
	m := newModel(t, fixtureSource(), nil)
	if !strings.Contains(m.View(), "pairs 29,500 · –/s") {
		t.Errorf("after one refresh the rate is not unknown:\n%s", m.View())
	}
	m, cmd := send(m, tickMsg{})
	if _, again := send(m, tickMsg{}); again != nil {
		t.Error("a tick during a refresh started another")
	}
	m = settleRefresh(t, m, cmd)
	if !strings.Contains(m.View(), "pairs 30,000 · 250/s") {
		t.Errorf("after two refreshes 2s apart the rate is not 250/s:\n%s", m.View())
	}
}

func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	return lines[len(lines)-1]
}
