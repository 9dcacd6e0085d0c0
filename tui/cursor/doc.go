// Package cursor is the selection and scroll position of a list pane: which
// row is selected and which rows fit on the screen. The paths and
// divergences panes share it.
package cursor
