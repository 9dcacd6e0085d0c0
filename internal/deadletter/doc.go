// Package deadletter writes and reads dead-letter records in Kafka Connect's
// format: the original key, value and headers untouched, plus the
// __connect.errors.* context headers, so existing Connect tooling reads
// oink's DLQs. Every oink component with a DLQ uses it.
//
//	dl := deadletter.Record(m, "orders.dlq", "oink-v2", inputErr, time.Now())
//	info := deadletter.Parse(m)   // for listing and replay
package deadletter
