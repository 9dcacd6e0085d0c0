// Package totals is the dashboard's totals pane: the records read on each
// side and what became of them (paired, missing, duplicated, undecodable),
// how the pairs compared (the share of each level: identical, equivalent,
// accepted, with the accept rules, and divergent), the rates
// between two refreshes, and whether the accounting identity holds.
package totals
