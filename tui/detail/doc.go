// Package detail is the dashboard's side-by-side view of one divergence:
// the differing fields, then both records pretty-printed next to each other
// (control left, candidate right) with the lines of every differing field
// marked: » and bold reverse for a divergence, ~ for a difference an accept
// rule explains. Esc sends CloseMsg.
package detail
