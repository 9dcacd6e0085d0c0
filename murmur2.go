package oink

// Murmur2 is the 32-bit murmur2 hash exactly as Apache Kafka's Java client
// computes it (org.apache.kafka.common.utils.Utils.murmur2, seed 0x9747b28c).
// The default partitioner and the cutover's key buckets both use it, so every
// client and every oink component agree on where a key belongs.
func Murmur2(data []byte) int32 {
	const (
		seed uint32 = 0x9747b28c
		m    uint32 = 0x5bd1e995
		r           = 24
	)
	length := len(data)
	h := seed ^ uint32(length)
	n := length / 4
	for i := range n {
		k := uint32(data[4*i]) | uint32(data[4*i+1])<<8 | uint32(data[4*i+2])<<16 | uint32(data[4*i+3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
	}
	tail := data[4*n:]
	switch len(tail) {
	case 3:
		h ^= uint32(tail[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(tail[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(tail[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return int32(h)
}

// toPositive is Kafka's Utils.toPositive: clears the sign bit.
func toPositive(v int32) uint32 { return uint32(v) & 0x7fffffff }

// KeyPartition returns the partition of key among n, as the Java client's
// default partitioner picks it.
func KeyPartition(key []byte, n int) int { return int(toPositive(Murmur2(key)) % uint32(n)) }

// KeyBucket returns the cutover bucket of key: murmur2(key) mod 10000, in
// [0, 10000). A version owning the buckets below percent×100 owns percent% of
// keys, and raising the percent only adds buckets.
func KeyBucket(key []byte) int { return int(toPositive(Murmur2(key)) % 10000) }
