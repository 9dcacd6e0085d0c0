package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/charmbracelet/x/ansi"
)

// Marks in the gutter of a side-by-side view.
const (
	markSame    = " "
	markChanged = "≠" // the line differs between the sides
	markLeft    = "<" // only the left side has the line
	markRight   = ">" // only the right side has the line
)

// sideBySide writes two JSON documents next to each other in width cells,
// indented, their lines aligned so that equal lines face each other and a
// line that differs is marked in the gutter. A line too long for its half
// wraps onto the next rows. A side that is empty is shown as absent.
func sideBySide(w io.Writer, width int, leftTitle, rightTitle string, left, right []byte) {
	const gutter = 2 // the mark and a space
	const sep = " │ "
	half := max((width-gutter-len(sep))/2, 20)
	row := func(mark, l, r string) {
		line := mark + " " + l + strings.Repeat(" ", half-ansi.StringWidth(l)) + sep + r
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
	row(markSame, ansi.Truncate(leftTitle, half, "…"), ansi.Truncate(rightTitle, half, "…"))
	for _, p := range alignLines(jsonLines(left), jsonLines(right)) {
		mark := markSame
		switch {
		case p.left != nil && p.right != nil && lineKey(*p.left) != lineKey(*p.right):
			mark = markChanged
		case p.left == nil:
			mark = markRight
		case p.right == nil:
			mark = markLeft
		}
		lc, rc := wrapCells(p.left, half), wrapCells(p.right, half)
		for i := range max(len(lc), len(rc)) {
			var l, r string
			if i < len(lc) {
				l = lc[i]
			}
			if i < len(rc) {
				r = rc[i]
			}
			row(mark, l, r)
			mark = markSame
		}
	}
}

// jsonLines returns a document's lines, indented two spaces a level with
// its members in their own order; a document that is not JSON is one line;
// an empty one is the single line "(absent)".
func jsonLines(raw []byte) []string {
	if len(bytes.TrimSpace(raw)) == 0 {
		return []string{"(absent)"}
	}
	var b bytes.Buffer
	if json.Indent(&b, raw, "", "  ") != nil {
		return []string{string(raw)}
	}
	return strings.Split(b.String(), "\n")
}

// wrapCells cuts a line into pieces of at most width cells, the pieces
// after the first indented two more than the line; nil is no line at all.
func wrapCells(s *string, width int) []string {
	if s == nil {
		return nil
	}
	if ansi.StringWidth(*s) <= width {
		return []string{*s}
	}
	first := ansi.Truncate(*s, width, "")
	indent := strings.Repeat(" ", min(len(*s)-len(strings.TrimLeft(*s, " "))+2, width/2))
	rest := strings.TrimPrefix(*s, first)
	out := []string{first}
	for _, piece := range strings.Split(ansi.Hardwrap(rest, width-len(indent), false), "\n") {
		out = append(out, indent+piece)
	}
	return out
}

// lineKey is what two lines are compared by: the line without a trailing
// comma.
func lineKey(s string) string { return strings.TrimSuffix(s, ",") }

// linePair is one row of two aligned documents; nil is no line on that
// side.
type linePair struct{ left, right *string }

// alignLines pairs the lines of a and b along their longest common
// subsequence (lines compared without a trailing comma, so the last member
// of an object matches the same member elsewhere). Between two common
// lines, the lines only one side has are paired with each other in order,
// so a changed value faces its counterpart, and the rest stand alone.
func alignLines(a, b []string) []linePair {
	key := lineKey
	// lcs[i][j] is the length of the LCS of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if key(a[i]) == key(b[j]) {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []linePair
	var onlyA, onlyB []*string
	flush := func() {
		for k := range max(len(onlyA), len(onlyB)) {
			var p linePair
			if k < len(onlyA) {
				p.left = onlyA[k]
			}
			if k < len(onlyB) {
				p.right = onlyB[k]
			}
			out = append(out, p)
		}
		onlyA, onlyB = nil, nil
	}
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && key(a[i]) == key(b[j]):
			flush()
			out = append(out, linePair{&a[i], &b[j]})
			i, j = i+1, j+1
		case j == len(b) || (i < len(a) && lcs[i+1][j] >= lcs[i][j+1]):
			onlyA = append(onlyA, &a[i])
			i++
		default:
			onlyB = append(onlyB, &b[j])
			j++
		}
	}
	flush()
	return out
}
