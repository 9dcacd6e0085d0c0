// Package style holds the dashboard's styles and the formatting its panes
// share: counts with thousands separators, percents, durations and cells cut
// to a width. Styles are built once by [New] and passed down to every pane;
// nothing here is global.
//
// Every distinction the dashboard draws with a style (the focused pane, the
// selected row, a differing field, an error) is also drawn with a character
// (▸, >, », "error:"), so a terminal without colors or attributes loses
// nothing.
package style
