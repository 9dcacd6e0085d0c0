// Package story is the dashboard's narration pane: the notes a scripted run
// (oink demo) sends as its story unfolds, newest at the bottom, each
// stamped with its time and wrapped to the width, as many as fit.
package story
