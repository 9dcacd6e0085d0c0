package list

import "testing"

func TestCursorKeepsTheSelectionOnScreen(t *testing.T) {
	t.Parallel()
	var c Cursor
	c.SetHeight(3)
	c.SetLen(10)
	steps := []struct {
		what     string
		do       func()
		index    int
		from, to int // the visible rows
	}{
		{"Move(4)", func() { c.Move(4) }, 4, 2, 5},
		{"Move(100): the last row", func() { c.Move(100) }, 9, 7, 10},
		{"the list shrank to 2", func() { c.SetLen(2) }, 1, 0, 2},
		{"the list emptied", func() { c.SetLen(0) }, 0, 0, 0},
	}
	for _, s := range steps {
		s.do()
		if from, to := c.Visible(); c.Index != s.index || from != s.from || to != s.to {
			t.Errorf("after %s: index %d, visible [%d, %d); want %d in [%d, %d)", s.what, c.Index, from, to, s.index, s.from, s.to)
		}
	}
}
