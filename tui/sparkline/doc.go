// Package sparkline is the dashboard's divergence-rate pane: for each minute
// of source event time, the share of that minute's comparisons that the gate
// would not pass (divergent pairs and records missing from the candidate),
// drawn as a one-line sparkline, or as a chart of several lines when there is
// room.
package sparkline
