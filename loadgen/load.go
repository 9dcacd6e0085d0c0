package loadgen

import (
	"context"
	"fmt"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// LoadConfig configures Load.
type LoadConfig struct {
	Brokers []string
	Topic   string
	Count   int
	// Rate in events per second; 0 writes as fast as the broker takes them.
	Rate   float64
	Gen    Config
	Topics kafkaio.TopicSpec
	// Progress, when set, is called after each chunk written.
	Progress func(Summary)
	// Gate, when set, is called before each chunk and may block: it lets
	// the reader of the topic set the pace (the demo holds the load while
	// its pipeline is behind, so a busy machine slows the traffic instead
	// of piling up lag). An error ends the load with it.
	Gate func(ctx context.Context) error
}

// Summary counts what Load wrote.
type Summary struct {
	Events  int            `json:"events"`
	Valid   int            `json:"valid"`
	ByType  map[string]int `json:"byType"`
	Invalid map[string]int `json:"invalidByKind"`
	// Future counts events dated FutureOffset ahead (Config.FutureRatio):
	// well-formed, but every producer dead-letters them, so they are not
	// in Valid (the events that become RTCIMs).
	Future    int     `json:"future"`
	Seconds   float64 `json:"seconds"`
	PerSecond float64 `json:"eventsPerSecond"`
	Topic     string  `json:"topic"`
}

// Load writes cfg.Count generated events to cfg.Topic, keyed by order id
// with the event time as timestamp, at cfg.Rate if set. It retries broker
// errors with capped backoff until ctx ends.
func Load(ctx context.Context, cfg LoadConfig) (Summary, error) {
	sum := Summary{ByType: map[string]int{}, Invalid: map[string]int{}, Topic: cfg.Topic}
	if cfg.Count < 0 {
		return sum, fmt.Errorf("count %d: must not be negative", cfg.Count)
	}
	if cfg.Rate < 0 {
		return sum, fmt.Errorf("rate %v: must not be negative", cfg.Rate)
	}
	gen, err := New(cfg.Gen)
	if err != nil {
		return sum, err
	}
	if err := kafkaio.EnsureTopics(ctx, cfg.Brokers, cfg.Topics, cfg.Topic); err != nil {
		return sum, err
	}
	w := kafkaio.NewWriter(cfg.Brokers)
	defer w.Close()
	chunk, tick := 10000, time.Duration(0)
	if cfg.Rate > 0 { // 20 chunks a second
		chunk, tick = max(1, int(cfg.Rate/20)), 50*time.Millisecond
	}
	start := time.Now()
	msgs := make([]kafka.Message, 0, chunk)
	for sum.Events < cfg.Count {
		if cfg.Gate != nil {
			if err := cfg.Gate(ctx); err != nil {
				return sum, err
			}
		}
		msgs = msgs[:0]
		for len(msgs) < chunk && sum.Events+len(msgs) < cfg.Count {
			e := gen.Next()
			msgs = append(msgs, kafka.Message{Topic: cfg.Topic, Key: e.Key, Value: e.Value, Time: e.Time})
			sum.ByType[e.Type]++
			switch {
			case e.Invalid != "":
				sum.Invalid[e.Invalid]++
			case e.Future:
				sum.Future++
			default:
				sum.Valid++
			}
		}
		// Broker errors are retried with backoff, as v2 retries them: a
		// broker briefly unreachable pauses the load, it does not end it.
		if err := kafkaio.WriteMessages(ctx, w, kafkaio.WritePolicy{}, msgs); err != nil {
			return sum, fmt.Errorf("writing to %s: %w", cfg.Topic, err)
		}
		sum.Events += len(msgs)
		sum.Seconds = time.Since(start).Seconds()
		sum.PerSecond = float64(sum.Events) / max(sum.Seconds, 1e-9)
		if cfg.Progress != nil {
			cfg.Progress(sum)
		}
		if tick > 0 {
			// Pace: the next chunk is due when the events so far fit the rate.
			due := start.Add(time.Duration(float64(sum.Events) / cfg.Rate * float64(time.Second)))
			select {
			case <-ctx.Done():
				return sum, ctx.Err()
			case <-time.After(time.Until(due)):
			}
		}
	}
	return sum, nil
}
