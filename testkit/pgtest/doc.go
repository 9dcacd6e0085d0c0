// Package pgtest gives tests a real Postgres, in the manner of river's
// riverdbtest: each test gets either a transaction that is rolled back when it
// ends ([Tx]) or a schema of its own that is dropped when it ends ([Schema]),
// both with the diffstore migrations applied.
//
// The server is the one named by OINK_TEST_DATABASE_URL, by default the local
// one that scripts/postgres prepares:
//
//	OINK_TEST_DATABASE_URL=postgres:///oink_test?host=/var/run/postgresql
//
// When no server answers, the test fails (it is never skipped) and the message
// says how to start one.
//
//	func TestX(t *testing.T) {
//		t.Parallel()
//		st := diffstore.New(pgtest.Tx(t)) // rolled back at cleanup
//		…
//	}
package pgtest
