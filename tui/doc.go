// Package tui is oink's terminal dashboard over the diffstore: the run and
// where its cutover stands (stage, percent, phase, the gate's progress), the
// last rollback whole with advice naming the side at fault, the
// comparator's health, the totals and rates with the accounting identity,
// the divergence chart over source event time with stage changes and
// rollbacks marked, the top diverging field paths, and the recent
// divergences, each of which opens side by side with its differing fields
// marked; with Config.Story, the narration of a scripted run (oink demo).
// The status bar announces each change of the cutover (an automatic
// rollback first) and lists only the cutover keys the phase allows: they
// advance, pause or resume, roll back and abort, each after a reason and a
// confirmation naming where the cutover goes.
//
// The root [Model] (model.go) dispatches in Update (update.go) and renders
// in View (view.go); each pane is a component of its own under tui/
// (header, story, totals, chart, paths and divlist over the one list pane
// tui/list, detail, prompt), with sizes and styles passed down. Update never does I/O: reads run in tea.Cmds against a
// [Source] and commands against [Actions], both interfaces declared here and
// satisfied in cmd/oink by *diffstore.Store and the cutover controller.
//
//	err := tui.Run(ctx, tui.Config{Run: "shadow-1", Source: src, Actions: act, Actor: "dashboard:alice"})
package tui
