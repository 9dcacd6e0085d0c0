package loadgen_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/oinkhq/oink/loadgen"
	"github.com/oinkhq/oink/producer"
)

// TestGeneratorIsSeededAndValid: one seed gives one sequence of events;
// every event it calls valid is one OINK v2 converts, every invalid one of
// a kind v2 rejects with that kind's code, and far-future events are
// marked so.
func TestGeneratorIsSeededAndValid(t *testing.T) {
	t.Parallel()
	cfg := loadgen.Config{Seed: 42, InvalidRatio: 0.1, FutureRatio: 0.05, Start: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC), Step: time.Second}
	a, err := loadgen.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := loadgen.New(cfg)
	var valid, invalid, future int
	for range 2000 {
		e, f := a.Next(), b.Next()
		if !bytes.Equal(e.Value, f.Value) || !bytes.Equal(e.Key, f.Key) {
			t.Fatal("two generators with one seed diverged")
		}
		ev, err := producer.Decode(e.Value)
		if err == nil {
			_, err = producer.Transform(ev)
		}
		switch {
		case e.Future:
			future++
		case e.Invalid == "":
			valid++
			if err != nil {
				t.Fatalf("a valid event is rejected: %v (%s)", err, e.Value)
			}
		default:
			invalid++
			if err == nil {
				t.Fatalf("an invalid event of kind %s is converted: %s", e.Invalid, e.Value)
			}
		}
	}
	if valid == 0 || invalid == 0 || future == 0 {
		t.Errorf("valid %d, invalid %d, future %d: want some of each", valid, invalid, future)
	}
}
