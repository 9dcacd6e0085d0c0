// Package header is the dashboard's header pane: the run, where its cutover
// stands (stage, percent, phase), the progress of the stage's gate, the
// comparator's health (including a version that is behind), what the switch
// forwarded, and, after a rollback, its whole reason with advice naming the
// side at fault. It only shows what the root model hands it with SetData.
package header
