// Package keys is the dashboard's one key map: every binding, with the help
// text the help view shows. [Default] builds a fresh Map; the root model
// passes it to the panes that read keys.
package keys
