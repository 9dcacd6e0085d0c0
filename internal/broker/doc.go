// Package broker runs the embedded Kafka-protocol broker (franz-go's kfake)
// that `oink broker`, `oink demo` and the tests use, so nothing has to be
// installed to try or test oink. It speaks the real wire protocol: kcat,
// kafkajs, franz-go and kafka-go all use it.
//
//	b, err := broker.Start(broker.Config{Listen: "127.0.0.1:9092", Partitions: 12})
//	defer b.Close()
//	fmt.Println(b.Addrs())
package broker
