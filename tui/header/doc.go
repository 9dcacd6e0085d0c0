// Package header is the dashboard's header pane: the run, where its cutover
// stands (stage, percent, phase), the progress of the stage's gate, and the
// comparator's health, including a version that is behind. It only shows what the root model hands it with
// SetData.
package header
