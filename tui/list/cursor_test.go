package list

import "testing"

func TestCursorKeepsTheSelectionOnScreen(t *testing.T) {
	t.Parallel()
	var c Cursor
	c.SetHeight(3)
	c.SetLen(10)
	c.Move(4)
	if from, to := c.Visible(); c.Index != 4 || from != 2 || to != 5 {
		t.Errorf("after Move(4): index %d, visible [%d, %d); want 4 in [2, 5)", c.Index, from, to)
	}
	c.Move(100)
	if c.Index != 9 || c.Offset != 7 {
		t.Errorf("after Move(100): index %d offset %d; want the last row, 9, at offset 7", c.Index, c.Offset)
	}
	c.SetLen(2)
	if from, to := c.Visible(); c.Index != 1 || from != 0 || to != 2 {
		t.Errorf("after the list shrank to 2: index %d, visible [%d, %d); want 1 in [0, 2)", c.Index, from, to)
	}
	c.SetLen(0)
	if c.Index != 0 || c.Offset != 0 {
		t.Errorf("empty list: index %d offset %d, want 0 0", c.Index, c.Offset)
	}
}
