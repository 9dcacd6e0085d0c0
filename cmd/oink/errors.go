package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/segmentio/kafka-go"

	"github.com/oinkhq/oink/comparator"
	"github.com/oinkhq/oink/cutover"
)

// An error a person reads names the flag, the bad value and the fix, never
// a driver's own words ("no rows in result set"). The types here say what
// went wrong in oink's terms; each knows its exit code.

// codedError is an error that chooses its exit code.
type codedError interface {
	error
	exitCode() int
}

func (usageError) exitCode() int  { return exitUsage }
func (checkFailed) exitCode() int { return exitCheckFailed }

// runNotFoundError says which run is unknown and how to find the right
// name, without the driver's words; it wraps diffstore.ErrNotFound. Naming
// a run that does not exist is a usage error (exit 2), in every command.
type runNotFoundError struct {
	run string
	err error
	// argument is true when the run was named by an argument, not --run.
	argument bool
}

func (e runNotFoundError) Error() string {
	msg := fmt.Sprintf("run %q not found: list runs with oink runs list", e.run)
	if e.argument {
		return msg
	}
	return "--run: " + msg
}

func (e runNotFoundError) Unwrap() error { return e.err }
func (runNotFoundError) exitCode() int   { return exitUsage }

// noCutoverError says a run has no cutover plan, and how to give it one;
// it wraps diffstore.ErrNotFound. A usage error (exit 2).
type noCutoverError struct {
	run string
	err error
}

func (e noCutoverError) Error() string {
	return fmt.Sprintf("--run: run %q has no cutover plan: apply one with oink cutover apply -f PLAN.yaml "+
		"(the plan's run: names the run; example: testdata/plans/example.yaml)", e.run)
}

func (e noCutoverError) Unwrap() error { return e.err }
func (noCutoverError) exitCode() int   { return exitUsage }

// dbConnectError is a Postgres that does not answer: where, as whom, and
// why in a few words.
type dbConnectError struct {
	addr, database, user string
	cause                string
	err                  error
}

func (e dbConnectError) Error() string {
	return fmt.Sprintf("cannot connect to Postgres at %s (database %s, user %s): %s; "+
		"set DATABASE_URL (or --database-url) to a server that answers, or start the local one with scripts/postgres",
		e.addr, e.database, e.user, e.cause)
}

func (e dbConnectError) Unwrap() error { return e.err }

// asDBConnectError turns a failed connection to Postgres into a
// dbConnectError; other errors come back as they are.
func asDBConnectError(err error) error {
	var ce *pgconn.ConnectError
	if !errors.As(err, &ce) || ce.Config == nil {
		return err
	}
	c := ce.Config
	addr := net.JoinHostPort(c.Host, strconv.Itoa(int(c.Port)))
	if strings.HasPrefix(c.Host, "/") {
		addr = fmt.Sprintf("socket %s/.s.PGSQL.%d", c.Host, c.Port)
	}
	return dbConnectError{addr: addr, database: c.Database, user: c.User, cause: netCause(ce.Unwrap()), err: err}
}

// netCause says in a few words why a connection failed: "connection
// refused", "no such host", or the server's own message.
func netCause(err error) string {
	var pe *pgconn.PgError
	var dns *net.DNSError
	var op *net.OpError
	switch {
	case errors.As(err, &pe):
		return pe.Message
	case errors.As(err, &dns):
		return "host " + dns.Name + " not found"
	case errors.As(err, &op):
		var sys *os.SyscallError
		if errors.As(op.Err, &sys) {
			return sys.Err.Error()
		}
		return op.Err.Error()
	case errors.Is(err, os.ErrDeadlineExceeded):
		return "no answer in time"
	}
	return err.Error()
}

// brokerError is a Kafka cluster that cannot be reached at all.
type brokerError struct {
	addr  string
	cause string
	err   error
}

func (e brokerError) Error() string {
	return fmt.Sprintf("cannot reach Kafka at %s: %s; is a broker listening there? "+
		"Start one with oink broker, or set --brokers (env OINK_BROKERS)", e.addr, e.cause)
}

func (e brokerError) Unwrap() error { return e.err }

// asBrokerError turns an error that means no broker answers at brokers
// into a brokerError naming the address once; other errors come back as
// they are.
func asBrokerError(err error, brokers []string) error {
	var op *net.OpError
	var db dbConnectError
	var pgc *pgconn.ConnectError
	switch {
	case errors.As(err, &db) || errors.As(err, &pgc):
		return err // Postgres's, not Kafka's
	case errors.As(err, &op) && op.Op == "dial":
		addr := strings.Join(brokers, ",")
		if op.Addr != nil {
			addr = op.Addr.String()
		}
		return brokerError{addr: addr, cause: netCause(op), err: err}
	case errors.Is(err, kafka.BrokerNotAvailable):
		return brokerError{addr: strings.Join(brokers, ","), cause: "no broker available", err: err}
	}
	return err
}

// isConfigFileError reports whether err is a problem in a rules or plan
// file: a usage error wherever the file was named.
func isConfigFileError(err error) bool {
	var re *comparator.RuleError
	var pe *cutover.PlanError
	return errors.As(err, &re) || errors.As(err, &pe)
}
