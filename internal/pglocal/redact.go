package pglocal

import (
	"net/url"
	"regexp"
	"strings"
)

// dsnPassword matches the password of a key=value DSN, quoted or not.
var dsnPassword = regexp.MustCompile(`(?i)(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)`)

// Redact returns a database URL (postgres://… or a key=value DSN) fit
// for a log line or an error message: its password replaced by xxxxx,
// in the userinfo or in a password parameter. What it cannot parse it
// hides whole.
func Redact(dbURL string) string {
	if !strings.Contains(dbURL, "://") {
		return dsnPassword.ReplaceAllString(dbURL, "${1}xxxxx")
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return "(a database URL that does not parse)"
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
