// Package prompt is the dashboard's two-step prompt: it asks for a line of
// text (a reason, a path filter) and then, when the request asks for it, a
// y/N confirmation. It answers with SubmitMsg or CancelMsg, tagged with the
// request's ID.
package prompt
