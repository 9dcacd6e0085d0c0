// Package identity reads what one record is: its identity and its event
// time, from the top level of its JSON value (or its Kafka key and
// timestamp). The comparator joins the two versions' records by it, the
// switch decides and deduplicates by it, and the live-topic checks count
// by it; all of them take the same Spec, the rules' (comparator.Rules.
// Identity), so that they agree on what one record is.
//
// A Spec names the key fields, whose values joined with "|" are the
// identity, and the event-time field (RFC 3339). For RTCIMs:
// order_id|source_event_id and source_event_time — never the Kafka key
// alone, which an order's sale and return share.
//
//	spec := identity.New([]string{"order_id", "source_event_id"}, "source_event_time")
//	id, at, err := spec.Identify(m.Key, m.Value, m.Time)
//	var de *identity.DecodeError // a record that cannot be read: errors.As(err, &de)
package identity
