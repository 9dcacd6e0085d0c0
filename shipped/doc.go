// Package shipped holds the files oink ships inside its binary, so the
// commands whose defaults name them work from any directory, not only from
// the repository's root where these paths exist: the RTCIM comparison rules
// (the default identity and rules of every command that needs them) and
// the demo's cutover plan.
package shipped
