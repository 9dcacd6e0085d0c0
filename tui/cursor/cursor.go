package cursor

// Cursor is a selected row (Index) in a list of Len rows, of which Height
// are shown from Offset. The zero value is an empty list.
type Cursor struct {
	Index, Offset int
	Len, Height   int
}

// SetLen sets the number of rows, keeping the selection in range.
func (c *Cursor) SetLen(n int) {
	c.Len = n
	c.clamp()
}

// SetHeight sets how many rows are shown.
func (c *Cursor) SetHeight(h int) {
	c.Height = max(h, 0)
	c.clamp()
}

// Move moves the selection by delta rows, stopping at either end.
func (c *Cursor) Move(delta int) {
	c.Index += delta
	c.clamp()
}

// Top selects the first row; Bottom the last.
func (c *Cursor) Top()    { c.Index = 0; c.clamp() }
func (c *Cursor) Bottom() { c.Index = c.Len - 1; c.clamp() }

// Page is the number of rows a page up or down moves.
func (c *Cursor) Page() int { return max(c.Height-1, 1) }

// Visible returns the range [from, to) of rows to show.
func (c Cursor) Visible() (from, to int) {
	return c.Offset, min(c.Offset+c.Height, c.Len)
}

// clamp keeps Index in [0, Len) and the selected row on screen.
func (c *Cursor) clamp() {
	c.Index = min(max(c.Index, 0), max(c.Len-1, 0))
	if c.Height <= 0 {
		c.Offset = 0
		return
	}
	if c.Index < c.Offset {
		c.Offset = c.Index
	}
	if c.Index >= c.Offset+c.Height {
		c.Offset = c.Index - c.Height + 1
	}
	c.Offset = min(max(c.Offset, 0), max(c.Len-c.Height, 0))
}
