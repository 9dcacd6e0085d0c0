package producer_test

import (
	"slices"
	"testing"

	"github.com/oinkhq/oink"
	"github.com/oinkhq/oink/producer"
	"github.com/oinkhq/oink/testkit/codectest"
)

// benchGenerated is how many generated events each benchmark cycles over:
// enough for a realistic mix of types, stores, currencies and line counts.
const benchGenerated = 10000

// benchInputs returns the raw bytes of the shared test events (sorted by
// name, so runs are comparable) or of benchGenerated valid events from the
// load generator with seed 1.
func benchInputs(b *testing.B, source string) [][]byte {
	b.Helper()
	switch source {
	case "testdata":
		files := eventFiles(b)
		var out [][]byte
		for _, name := range slices.Sorted(func(yield func(string) bool) {
			for k := range files {
				if !yield(k) {
					return
				}
			}
		}) {
			out = append(out, files[name])
		}
		return out
	case "generated":
		return codectest.Events(b, benchGenerated, 0)
	}
	b.Fatalf("unknown input source %q", source)
	return nil
}

// BenchmarkTransform measures producer.Transform alone, one event per iteration, over
// events decoded before the loop. The goal (issue) is ≥ 300,000 events/s on
// one core: run with -cpu 1.
func BenchmarkTransform(b *testing.B) {
	for _, source := range []string{"testdata", "generated"} {
		b.Run(source, func(b *testing.B) {
			raws := benchInputs(b, source)
			events := make([]oink.OrderEvent, len(raws))
			for i, raw := range raws {
				events[i] = mustDecode(b, raw)
			}
			n := codectest.Cycle(b, len(events), func(i int) error {
				_, err := producer.Transform(events[i])
				return err
			})
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// BenchmarkDecodeTransformEncode measures what OINK v2 does per record
// between fetch and write: bytes in, producer.Decode, producer.Transform, producer.Record (JSON encoding
// and the timestamp) out.
func BenchmarkDecodeTransformEncode(b *testing.B) {
	for _, source := range []string{"testdata", "generated"} {
		b.Run(source, func(b *testing.B) {
			raws := benchInputs(b, source)
			var bytesIn int64
			for _, raw := range raws {
				bytesIn += int64(len(raw))
			}
			b.SetBytes(bytesIn / int64(len(raws))) // the mean input record
			n := codectest.Cycle(b, len(raws), func(i int) error {
				ev, err := producer.Decode(raws[i])
				if err != nil {
					return err
				}
				rt, err := producer.Transform(ev)
				if err != nil {
					return err
				}
				_, err = producer.Record(rt)
				return err
			})
			b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
