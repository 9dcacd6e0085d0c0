// Package divlist is the dashboard's recent-divergences pane: the newest
// divergences of the run (optionally only those with a difference at a
// path matching a filter), one a row, in a [list.Model]. Enter on a row
// asks to open it side by side (OpenMsg).
package divlist
