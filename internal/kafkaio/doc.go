// Package kafkaio holds the project's one way of talking to Kafka with
// segmentio/kafka-go: writers and group readers with settings fit for a
// service (kafka-go's defaults are not: see KAFKA-NOTES.md), topic creation,
// group lag, batched fetching, and header helpers.
//
//	w := kafkaio.NewWriter(brokers)           // acks=all, murmur2, batches
//	r := kafkaio.NewGroupReader(kafkaio.ReaderConfig{Brokers: brokers, Group: "oink-v2", Topics: []string{"orders"}})
//	batch, err := kafkaio.NextBatch(ctx, r, 5000, 5*time.Millisecond, time.Second)
package kafkaio
