package broker

import (
	"fmt"
	"net"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
)

// Topics are the project's topics, created at start.
var Topics = []string{"orders", "orders.dlq", "rtcim.v1", "rtcim.v2", "rtcim"}

// Config configures Start.
type Config struct {
	// Listen is the host:port to listen on; port 0 picks a free one.
	// Default "127.0.0.1:0".
	Listen string
	// Partitions of every created and auto-created topic, default 12.
	Partitions int
	// Topics to create, default Topics.
	Topics []string
	// DataDir, when set, persists topics and committed offsets there so
	// they survive a restart (even a kill -9 of the process).
	DataDir string
	// MinSessionTimeout is the smallest consumer-group session timeout the
	// broker accepts, default 1s (kfake's own default is 6s, which makes a
	// crashed member's partitions wait that long for a new owner).
	MinSessionTimeout time.Duration
}

// Broker is a running embedded broker. Close stops it.
type Broker struct {
	c *kfake.Cluster
}

// Start starts a one-node broker. It allows auto-creation of topics.
func Start(cfg Config) (*Broker, error) {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Partitions <= 0 {
		cfg.Partitions = 12
	}
	if cfg.Topics == nil {
		cfg.Topics = Topics
	}
	if cfg.MinSessionTimeout <= 0 {
		cfg.MinSessionTimeout = time.Second
	}
	if _, _, err := net.SplitHostPort(cfg.Listen); err != nil {
		return nil, fmt.Errorf("listen address %q: %w (want host:port, e.g. 127.0.0.1:9092)", cfg.Listen, err)
	}
	opts := []kfake.Opt{
		kfake.NumBrokers(1),
		kfake.ListenFn(func(network, _ string) (net.Listener, error) { return net.Listen(network, cfg.Listen) }),
		kfake.AllowAutoTopicCreation(),
		kfake.DefaultNumPartitions(cfg.Partitions),
		kfake.GroupMinSessionTimeout(cfg.MinSessionTimeout),
		kfake.SeedTopics(int32(cfg.Partitions), cfg.Topics...),
	}
	if cfg.DataDir != "" {
		opts = append(opts, kfake.DataDir(cfg.DataDir))
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("starting the embedded broker on %s: %w", cfg.Listen, err)
	}
	return &Broker{c: c}, nil
}

// Addrs returns the host:port the broker listens on.
func (b *Broker) Addrs() []string { return b.c.ListenAddrs() }

// Cluster returns the underlying kfake cluster, for tests that inject faults.
func (b *Broker) Cluster() *kfake.Cluster { return b.c }

// Close stops the broker; with a DataDir, state is flushed first.
func (b *Broker) Close() { b.c.Close() }
