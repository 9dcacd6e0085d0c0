package main

import (
	"context"
	"fmt"

	"github.com/oinkhq/oink/internal/broker"
	"github.com/spf13/cobra"
)

type brokerOptions struct {
	listen     string
	partitions int
	dataDir    string
	json       bool
}

func newBrokerCmd(d deps, runF func(context.Context, deps, *brokerOptions) error) *cobra.Command {
	if runF == nil {
		runF = runBroker
	}
	o := &brokerOptions{}
	cmd := &cobra.Command{
		Use:   "broker",
		Short: "Run the embedded Kafka-protocol broker in the foreground",
		Long: `Runs an in-process Kafka-protocol broker (franz-go's kfake) until SIGINT or
SIGTERM, so nothing has to be installed to try oink. It creates the project's
topics (orders, orders.dlq, rtcim.v1, rtcim.v2, rtcim) and creates others on
first use. Any Kafka client can use it: kcat, kafkajs, franz-go, kafka-go.

Without --data-dir everything lives in memory and is gone when it stops; with
it, topics and committed offsets survive a restart (even kill -9).`,
		Example: `  oink broker
  oink broker --listen 127.0.0.1:19092 --partitions 6 --data-dir /tmp/oink-kafka
  kcat -b 127.0.0.1:9092 -L`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error { return runF(cmd.Context(), d, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.listen, "listen", "127.0.0.1:9092", "host:port to listen on")
	f.IntVar(&o.partitions, "partitions", 12, "partitions of each created topic")
	f.StringVar(&o.dataDir, "data-dir", "", "persist topics and offsets in this directory")
	f.BoolVar(&o.json, "json", false, "print the address as JSON")
	return cmd
}

func runBroker(ctx context.Context, d deps, o *brokerOptions) error {
	if o.partitions < 1 || o.partitions > 1000 {
		return usageError{fmt.Errorf("--partitions %d: want 1 to 1000", o.partitions)}
	}
	b, err := broker.Start(broker.Config{Listen: o.listen, Partitions: o.partitions, DataDir: o.dataDir})
	if err != nil {
		return err
	}
	defer b.Close()
	if o.json {
		if err := writeJSON(d.stdout, map[string]any{"listen": b.Addrs(), "topics": broker.Topics, "partitions": o.partitions, "dataDir": o.dataDir}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(d.stdout, "oink broker listening on %s (topics %v, %d partitions each)\n", b.Addrs()[0], broker.Topics, o.partitions)
		fmt.Fprintln(d.stdout, "Stop it with Ctrl-C.")
	}
	<-ctx.Done()
	return nil
}
