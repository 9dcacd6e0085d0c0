package pglocal

import (
	"strings"
	"testing"
)

func TestRedactHidesThePassword(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"postgres://oink:s3cret@db:5432/oink?sslmode=disable", "postgres://oink:xxxxx@db:5432/oink?sslmode=disable"},
		{"postgres://oink@db/oink?password=s3cret", "postgres://oink@db/oink?password=xxxxx"},
		{"postgres:///oink?host=/var/run/postgresql", "postgres:///oink?host=/var/run/postgresql"},
		{"host=db user=oink password=s3cret dbname=oink", "host=db user=oink password=xxxxx dbname=oink"},
		{"host=db password='s3 cret' dbname=oink", "host=db password=xxxxx dbname=oink"},
		{"postgres://oink:s3cret@db:bad-port/%zz", "(a database URL that does not parse)"},
	}
	for _, tc := range tests {
		got := Redact(tc.in)
		if got != tc.want || strings.Contains(got, "s3") {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
