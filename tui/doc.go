// Package tui is oink's terminal dashboard over the diffstore: the run and
// where its cutover stands (stage, percent, phase, the gate's progress), the
// comparator's health, the totals and rates with the accounting identity,
// the divergence rate per minute, the top diverging field paths, and the
// recent divergences, each of which opens side by side with its differing
// fields marked. Keys advance, pause or resume, roll back and abort the
// cutover, each after a reason and a confirmation.
//
// The root [Model] (model.go) dispatches in Update (update.go) and renders
// in View (view.go); each pane is a component of its own under tui/
// (header, totals, sparkline, paths, divlist, detail, prompt), with sizes and
// styles passed down. Update never does I/O: reads run in tea.Cmds against a
// [Source] and commands against [Actions], both interfaces declared here and
// satisfied in cmd/oink by *diffstore.Store and the cutover controller.
//
//	err := tui.Run(ctx, tui.Config{Run: "shadow-1", Source: src, Actions: act, Actor: "dashboard:alice"})
package tui
