// Package list is the dashboard's one list pane: a title line (marked ▸
// when the pane has the keys, with a note and column headings), then one
// row per item, of which as many as fit are shown around the selection.
// Keys move the selection; Enter sends the message the pane's owner builds
// for the selected item. The top-paths pane (tui/paths) and the
// recent-divergences pane (tui/divlist) are lists: each says only how its
// items look.
//
//	l := list.New(st, km, list.Spec[diffstore.PathStat]{Title: "top diverging paths",
//		Same: func(a, b diffstore.PathStat) bool { return a.Path == b.Path },
//		Open: func(p diffstore.PathStat) tea.Msg { return SelectMsg{Path: p.Path} }})
//	l.SetItems(paths)
//	view := l.View(list.Frame{Note: "(4)"}, func(p diffstore.PathStat) string { return p.Path })
package list
