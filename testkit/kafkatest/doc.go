// Package kafkatest gives tests a real Kafka-protocol broker: by default an
// in-process kfake broker per test, or, when OINK_TEST_BROKERS is set, the
// cluster it names (a real Apache Kafka, see scripts/kafka). Tests name their
// topics through Env.Topic so that tests sharing a real cluster never see
// each other's records.
//
//	env := kafkatest.New(t)
//	orders := env.Topic("orders")     // created, 12 partitions
//	w := kafkaio.NewWriter(env.Brokers)
package kafkatest
