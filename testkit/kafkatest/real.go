package kafkatest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// Script drives scripts/kafka for tests that kill and restart nodes of a
// real cluster: node K is broker node.id K.
type Script struct{ path string }

// nodeTimeout is how long scripts/kafka may wait for a restarted node
// (OINK_KAFKA_TIMEOUT; scripts/kafka's own default is the same): after a SIGKILL a node recovers
// every log it holds, which took 91 s on a loaded machine.
const nodeTimeout = "300"

// RealCluster returns the real 3-node cluster named by OINK_TEST_BROKERS and
// the script that runs it (OINK_TEST_KAFKA_SCRIPT), with a replication
// factor of 3 for the test's topics, or skips the test when either is
// unset: the default suite runs on the embedded broker, which cannot lose
// a node.
func RealCluster(t *testing.T) (*Env, Script) {
	t.Helper()
	path := os.Getenv("OINK_TEST_KAFKA_SCRIPT")
	if path == "" || os.Getenv("OINK_TEST_BROKERS") == "" {
		t.Skip("needs a real Kafka cluster whose nodes it can kill: run " +
			"`export OINK_TEST_BROKERS=$(scripts/kafka up 3) OINK_TEST_KAFKA_SCRIPT=$PWD/scripts/kafka`, then `go test -run TestRealKafka`")
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("OINK_TEST_KAFKA_SCRIPT=%s: %v (give the absolute path of scripts/kafka)", path, err)
	}
	holdClusterLock(t, os.Getenv("OINK_TEST_BROKERS"))
	env := New(t)
	env.Spec.ReplicationFactor = 3
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	if err := WaitLiveBrokers(ctx, env.Brokers, 3); err != nil {
		t.Fatalf("%v; these tests kill one broker of 3 (scripts/kafka up 3)", err)
	}
	return env, Script{path: path}
}

// holdClusterLock takes, for the rest of the test, an exclusive lock on
// the cluster named by brokers, shared by every test process on this
// machine: go test runs packages in parallel (one process each), and two
// tests that each kill a different node of 3 leave the cluster without a
// quorum or an in-sync minimum, so neither can pass. The lock waits as
// long as the test's context allows.
func holdClusterLock(t *testing.T, brokers string) {
	t.Helper()
	name := filepath.Join(os.TempDir(), "oink-kill-"+strings.NewReplacer(":", "_", ",", "+", "/", "_").Replace(brokers)+".lock")
	f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatalf("cluster lock %s: %v", name, err)
	}
	t0 := time.Now()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		t.Fatalf("cluster lock %s: %v", name, err)
	}
	if d := time.Since(t0); d > time.Second {
		t.Logf("waited %s for another test process to finish with the cluster", d.Round(time.Second))
	}
	t.Cleanup(func() { f.Close() }) // closing the file releases the lock
}

// Kill SIGKILLs node.
func (s Script) Kill(ctx context.Context, node int) error {
	return s.run(ctx, "kill", fmt.Sprint(node))
}

// Start restarts node and waits until the cluster lists 3 live brokers. A
// failed start is tried once more: under load scripts/kafka can report a
// node still exec'ing java as exited during startup.
func (s Script) Start(ctx context.Context, t *testing.T, brokers []string, node int) error {
	if err := s.run(ctx, "start", fmt.Sprint(node)); err != nil {
		t.Logf("%v; trying once more", err)
		if err := s.run(ctx, "start", fmt.Sprint(node)); err != nil {
			return err
		}
	}
	return WaitLiveBrokers(ctx, brokers, 3)
}

func (s Script) run(ctx context.Context, args ...string) error {
	cmd := exec.CommandContext(ctx, s.path, args...)
	cmd.WaitDelay = 10 * time.Second
	if os.Getenv("OINK_KAFKA_TIMEOUT") == "" {
		cmd.Env = append(os.Environ(), "OINK_KAFKA_TIMEOUT="+nodeTimeout)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s %s: %w\n%s", s.path, strings.Join(args, " "), err, out)
	}
	return nil
}

// WaitLiveBrokers waits until the cluster's metadata lists n live brokers.
func WaitLiveBrokers(ctx context.Context, brokers []string, n int) error {
	live, lastErr := 0, error(nil)
	for {
		md, err := FreshMetadata(ctx, brokers, nil)
		if err == nil {
			if live = len(md.Brokers); live >= n {
				return nil
			}
		}
		lastErr = err
		select {
		case <-ctx.Done():
			return fmt.Errorf("the cluster at %v lists %d live brokers, want %d (last error: %v)", brokers, live, n, lastErr)
		case <-time.After(200 * time.Millisecond): // polling interval
		}
	}
}

// FreshMetadata reads metadata from the cluster itself. kafka.Client with
// the default transport answers Metadata from a cache refreshed only every
// few seconds, which would hide a leader change.
func FreshMetadata(ctx context.Context, brokers []string, topics []string) (*kafka.MetadataResponse, error) {
	c, done := freshClient(brokers)
	defer done()
	return c.Metadata(ctx, &kafka.MetadataRequest{Topics: topics})
}

// freshClient is a kafka.Client on a transport of its own, so that it
// caches no metadata; done closes the transport's connections.
func freshClient(brokers []string) (c *kafka.Client, done func()) {
	tr := &kafka.Transport{}
	return &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 5 * time.Second, Transport: tr}, tr.CloseIdleConnections
}

// Leaders returns the leader's node id of each partition of topic; -1
// where the partition has no live leader.
func Leaders(ctx context.Context, brokers []string, topic string) (map[int]int, error) {
	md, err := FreshMetadata(ctx, brokers, []string{topic})
	if err != nil {
		return nil, err
	}
	for _, tp := range md.Topics {
		if tp.Name != topic {
			continue
		}
		if tp.Error != nil {
			return nil, fmt.Errorf("topic %s: %w", topic, tp.Error)
		}
		leaders := make(map[int]int, len(tp.Partitions))
		for _, p := range tp.Partitions {
			// kafka-go maps a leader missing from the broker list (-1, or a
			// fenced node) to the zero Broker; node ids start at 1.
			leaders[p.ID] = p.Leader.ID
			if p.Error != nil || p.Leader.ID == 0 {
				leaders[p.ID] = -1
			}
		}
		return leaders, nil
	}
	return nil, fmt.Errorf("topic %s is not in the metadata", topic)
}

// Coordinator returns the node id of group's coordinator, asked of the
// cluster itself (see FreshMetadata).
func Coordinator(ctx context.Context, brokers []string, group string) (int, error) {
	c, done := freshClient(brokers)
	defer done()
	resp, err := c.FindCoordinator(ctx, &kafka.FindCoordinatorRequest{Key: group, KeyType: kafka.CoordinatorKeyTypeConsumer})
	if err != nil {
		return 0, err
	}
	if resp.Error != nil {
		return 0, resp.Error
	}
	return resp.Coordinator.NodeID, nil
}
