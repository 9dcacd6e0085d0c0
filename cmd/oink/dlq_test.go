package main

import (
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/internal/deadletter"
	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/oinkhq/oink/testkit/kafkatest"
	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kerr"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// dlqFixture is a DLQ of n letters (every third of class oink.BadJSON,
// the others oink.FutureEventTime) and a one-partition topic to replay to.
type dlqFixture struct {
	env     *kafkatest.Env
	brokers string
	dlq, to string
	future  int // letters of class oink.FutureEventTime
}

func newDLQFixture(t *testing.T, n int) *dlqFixture {
	t.Helper()
	env := kafkatest.New(t)
	f := &dlqFixture{env: env, brokers: strings.Join(env.Brokers, ","), dlq: env.Topic("orders.dlq"), to: env.Group("orders")}
	// One partition: each replay batch is one produce request.
	if err := kafkaio.EnsureTopics(t.Context(), env.Brokers, kafkaio.TopicSpec{Partitions: 1, ReplicationFactor: env.Spec.ReplicationFactor}, f.to); err != nil {
		t.Fatal(err)
	}
	letters := make([]kafka.Message, n)
	for i := range letters {
		src := kafka.Message{Topic: "orders", Partition: i % 3, Offset: int64(i), Key: []byte("O" + strconv.Itoa(i)), Value: []byte(`{"n":` + strconv.Itoa(i) + `}`)}
		code := oink.CodeFutureEventTime
		if i%3 == 0 {
			code = oink.CodeBadJSON
		} else {
			f.future++
		}
		letters[i] = deadletter.Record(src, f.dlq, "oink-v2", &oink.InputError{Code: code, Stage: oink.StageTransformation, Field: "event_time", Msg: "x"}, time.Now())
	}
	w := kafkaio.NewWriter(env.Brokers)
	defer w.Close()
	if err := kafkaio.WriteMessages(t.Context(), w, kafkaio.WritePolicy{}, letters); err != nil {
		t.Fatal(err)
	}
	return f
}

func (f *dlqFixture) replay(t *testing.T, tty bool, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	d, out, errb := testDeps(tty, nil)
	d.stdin = strings.NewReader(stdin)
	code = execute(t, d, newRootCmd(d), append([]string{"dlq", "replay", "--brokers", f.brokers, "--from", f.dlq, "--to", f.to,
		"--log-level", "warn"}, args...)...)
	return code, out.String(), errb.String()
}

// TestDLQReplayResumesWithoutDuplicates: a replay that fails partway (the
// broker refuses its third batch for good) exits 1 and prints a resume
// position; the rerun from it sends the rest, and every matching letter is
// on the target exactly once.
func TestDLQReplayResumesWithoutDuplicates(t *testing.T) {
	f := newDLQFixture(t, 300)
	if f.env.Real() {
		t.Skip("refuses produce requests in the embedded broker")
	}
	var produces, refusing atomic.Int64
	refusing.Store(1)
	c := f.env.Embedded.Cluster()
	c.ControlKey(int16(kmsg.Produce), func(r kmsg.Request) (kmsg.Response, error, bool) {
		c.KeepControl()
		req := r.(*kmsg.ProduceRequest)
		if len(req.Topics) == 0 || req.Topics[0].Topic != f.to || refusing.Load() == 0 || produces.Add(1) <= 2 {
			return nil, nil, false
		}
		resp := req.ResponseKind().(*kmsg.ProduceResponse)
		resp.Version = req.Version
		for _, rt := range req.Topics {
			st := kmsg.NewProduceResponseTopic()
			st.Topic = rt.Topic
			for _, rp := range rt.Partitions {
				sp := kmsg.NewProduceResponseTopicPartition()
				sp.Partition, sp.ErrorCode = rp.Partition, kerr.TopicAuthorizationFailed.Code
				st.Partitions = append(st.Partitions, sp)
			}
			resp.Topics = append(resp.Topics, st)
		}
		return resp, nil, true
	})
	code, _, stderr := f.replay(t, false, "", "--error-class", oink.CodeFutureEventTime, "--batch-size", "40", "--yes")
	_, resume, found := strings.Cut(stderr, "resume with: --from-offset ")
	resume, _, _ = strings.Cut(resume, "\n")
	if code != exitFailure || !found || resume == "" {
		t.Fatalf("replay with its third batch refused: exit %d, stderr %s; want exit 1 and a resume position", code, stderr)
	}
	if got := len(f.env.ReadAll(f.to)); got != 80 {
		t.Fatalf("%d letters on the target after two batches of 40, want 80", got)
	}
	refusing.Store(0)
	code, stdout, stderr := f.replay(t, false, "", "--error-class", oink.CodeFutureEventTime, "--batch-size", "40", "--yes", "--from-offset", resume)
	if code != exitOK {
		t.Fatalf("rerun from %s: exit %d, stderr %s", resume, code, stderr)
	}
	if !strings.Contains(stdout, "position: --from-offset") {
		t.Errorf("rerun stdout %q does not print the final position", stdout)
	}
	seen := map[string]int{}
	for _, m := range f.env.ReadAll(f.to) {
		seen[string(m.Key)]++
		if kafkaio.Header(m, deadletter.HeaderExceptionClass) != "" {
			t.Fatalf("replayed record %s still carries error headers", m.Key)
		}
	}
	for key, n := range seen {
		if n != 1 {
			t.Errorf("letter %s replayed %d times, want once", key, n)
		}
	}
	if len(seen) != f.future {
		t.Fatalf("%d distinct letters replayed, want the %d of class %s", len(seen), f.future, oink.CodeFutureEventTime)
	}
}

// TestDLQReplayAsksFirst: off a terminal a replay needs --yes; on a
// terminal it asks, and anything but yes replays nothing. --dry-run asks
// nothing and writes nothing.
func TestDLQReplayAsksFirst(t *testing.T) {
	f := newDLQFixture(t, 30)
	tests := []struct {
		name    string
		tty     bool
		stdin   string
		args    []string
		code    int
		written int
	}{
		{"off a terminal without --yes it refuses, naming --yes", false, "", nil, exitUsage, 0},
		{"on a terminal a no replays nothing", true, "n\n", nil, exitFailure, 0},
		{"a dry run needs no confirmation and writes nothing", false, "", []string{"--dry-run"}, exitOK, 0},
		{"on a terminal a yes replays", true, "y\n", nil, exitOK, 30},
	}
	for _, tc := range tests { // in order: the last one writes
		code, _, stderr := f.replay(t, tc.tty, tc.stdin, tc.args...)
		got := len(f.env.ReadAll(f.to))
		if code != tc.code || got != tc.written || (tc.code == exitUsage && !strings.Contains(stderr, "--yes")) {
			t.Errorf("%s: exit %d, %d written, stderr %q; want exit %d, %d written", tc.name, code, got, stderr, tc.code, tc.written)
		}
	}
}

func TestParseOffsets(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "0:10", "0:10,3:977,11:0"} {
		m, err := parseOffsets(s)
		if err != nil || formatOffsets(m) != s {
			t.Errorf("parseOffsets(%q) = %v, %v; want it to format back", s, m, err)
		}
	}
	for _, s := range []string{"0", "a:1", "0:-1", "1:2,1:3", "0:1;2:3"} {
		if _, err := parseOffsets(s); err == nil {
			t.Errorf("parseOffsets(%q) = nil error, want one", s)
		}
	}
}
