// Package report builds the one file a migration lead attaches to a ticket
// for the upstream and downstream teams: a shadow run's accounting, its
// cutover timeline, divergent and missing records over source event time,
// the top diverging paths with an example pair each, the accepted
// differences by rule, and the dead letters by error code and field.
//
// Gathering and rendering are apart. [Gather] reads a run from a [Store]
// (satisfied by *diffstore.Store) into a [Data]; [ReadDeadLetters] reads
// dead-letter topics into its DeadLetters. [HTML] renders a Data as one
// self-contained page (CSS and SVG charts inline, no script, nothing loaded
// at view time); [Markdown] renders the same sections as tables, the chart
// as a table of buckets.
//
//	d, err := report.Gather(ctx, diffstore.New(pool), "shadow-1", report.Options{})
//	if err != nil { … }
//	d.DeadLetters, err = report.ReadDeadLetters(ctx, brokers, []string{"orders.dlq"}, 15*time.Second)
//	if err != nil { … }
//	err = report.HTML(w, d)
//
// Data's Levels (the pairs at each level: identical, equivalent, accepted,
// divergent) is nil for a run without pairs, and Switch (what the switch
// forwarded, skipped and dropped per version) for a run no switch wrote;
// their sections are rendered only when they are set. Every number and
// duration is spelled by internal/human, as the CLI and the dashboard
// spell them.
package report
