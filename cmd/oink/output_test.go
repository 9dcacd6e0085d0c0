package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"
)

// TestTableMeasuresDisplayWidth: a cell with multi-byte or double-width
// characters leaves the next column where it is on every line.
func TestTableMeasuresDisplayWidth(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	table(&b, []string{"FIELD", "MARK", "NOTE"}, [][]string{
		{"business_date", "≠", "a"},
		{"store_name", "~ é", "b"},
		{"名前", "~", "c"},
	})
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	col := -1
	for _, l := range lines {
		i := strings.LastIndex(l, "  ")
		at := ansi.StringWidth(l[:i+2])
		if col == -1 {
			col = at
		}
		if at != col {
			t.Errorf("the last column starts at cell %d on %q, want %d like the header:\n%s", at, l, col, b.String())
		}
	}
}

// TestTableFitsItsWidth: a table with a long cell fits the width by
// cutting the shrinking column, never another.
func TestTableFitsItsWidth(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	long := strings.Repeat("lines[line_no=1].discount_minor, ", 6)
	tableLayout{Width: 60, Shrink: []int{2}, Right: []bool{false, true}}.write(&b, []string{"IDENTITY", "N", "PATHS"},
		[][]string{{"O1-000000042|E1-000000042", "1,234", long}, {"O2", "5", "x"}})
	out := b.String()
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if w := ansi.StringWidth(l); w > 60 {
			t.Errorf("line %q takes %d cells, want at most 60", l, w)
		}
	}
	if !strings.Contains(out, "O1-000000042|E1-000000042") || !strings.Contains(out, "…") || !strings.Contains(out, "    5") {
		t.Errorf("want the identity whole, the paths cut with … and the numbers right-aligned:\n%s", out)
	}
}
