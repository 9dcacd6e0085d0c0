// Package paths is the dashboard's top-paths pane: the field paths that
// differ most often, with their divergent count, their share of the compared
// pairs and how often an accept rule explained them, in a [list.Model].
// Enter on a path asks to filter the divergences by it (SelectMsg).
package paths
