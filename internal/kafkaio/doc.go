// Package kafkaio holds the project's one way of talking to Kafka with
// segmentio/kafka-go: writers and group readers with settings fit for a
// service (kafka-go's defaults are not: see docs/kafka.md), the one
// write-and-retry loop (Write, WriteMessages: errors classified by
// Classify, temporary ones retried with jittered capped backoff, permanent
// ones returned as *PermanentWriteError), topic creation, group lag,
// batched fetching, verification reads with a deadline on every fetch
// (ReadTopic, ReadRange), and header helpers.
//
//	w := kafkaio.NewWriter(brokers)           // acks=all, murmur2, batches
//	err := kafkaio.WriteMessages(ctx, w, kafkaio.WritePolicy{OnRetry: warn}, msgs)
//	r := kafkaio.NewGroupReader(kafkaio.ReaderConfig{Brokers: brokers, Group: "oink-v2", Topics: []string{"orders"}})
//	batch, err := kafkaio.NextBatch(ctx, r, 5000, 5*time.Millisecond, time.Second)
//
// A transactional writer (franz-go) uses Write with a closure that sends
// and commits one whole transaction, aborting it on failure:
//
//	err := kafkaio.Write(ctx, kafkaio.WritePolicy{Topic: live}, func(ctx context.Context) error {
//		return sendTransaction(ctx, records) // aborted and resent whole on a temporary error
//	})
package kafkaio
