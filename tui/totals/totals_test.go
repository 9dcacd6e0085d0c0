package totals

import (
	"io"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/oinkhq/oink/diffstore"
	"github.com/oinkhq/oink/tui/style"
)

// TestMissingIsBadOnlyWhereItCountsAgainstTheGate: a record missing in the
// candidate counts against the gate and is drawn bad; one missing in the
// control (v1's drop) does not, and is not.
func TestMissingIsBadOnlyWhereItCountsAgainstTheGate(t *testing.T) {
	t.Parallel()
	r := lipgloss.NewRenderer(io.Discard)
	r.SetColorProfile(termenv.ANSI)
	st := style.New()
	st.Bad = r.NewStyle().Foreground(lipgloss.Color("1"))
	bad := func(s string) string { return st.Bad.Render(s) }
	m := New(st)
	m.SetSize(80, Height)
	m.SetData(Data{Summary: diffstore.Summary{Totals: diffstore.Totals{Counts: diffstore.Counts{
		ReadControl: 100, ReadCandidate: 100, Pairs: 90, Equal: 90, Identical: 90, MissingInControl: 7, MissingInCandidate: 3}}},
		Rates: NoRates()})
	var line string
	for _, l := range strings.Split(m.View(), "\n") {
		if strings.HasPrefix(l, "missing in") {
			line = l
		}
	}
	if !strings.Contains(line, bad("3")) || strings.Contains(line, bad("7")) {
		t.Errorf("missing line = %q, want 3 (in candidate) bad and 7 (in control) not", line)
	}
}
