// Package producer is OINK v2: it turns upstream order events into RTCIMs
// (retail transaction messages) for the finance systems, and every event it
// cannot turn into one into a dead letter naming the field at fault.
//
// [Decode] and [Transform] are pure: the same event always gives the same
// RTCIM (its rtcim_id included), which is what makes a redelivered batch
// harmless. [Run] is the service: a consumer group on the orders topic
// that decodes, transforms and writes each batch (RTCIMs to the v2 topic,
// rejects to the DLQ with Kafka Connect's context headers) and commits the
// batch's offsets only after every write is acknowledged, so a crash at
// any moment loses nothing (invariant 1; [CheckNoLoss] checks it from the
// topics). [Serve] is that loop over any [Converter]: the v1 simulator
// (package legacy) runs in it too. An event dated further ahead than
// Config.MaxFutureSkew is dead-lettered ([FutureCheck]); a write error
// that no retry can fix stops the run (internal/kafkaio.Write).
//
//	stats, err := producer.Run(ctx, producer.Config{Brokers: brokers, From: "orders",
//	    To: "rtcim.v2", DLQ: "orders.dlq", Group: "oink-v2"})
package producer
