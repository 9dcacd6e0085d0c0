package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/oinkhq/oink/internal/kafkaio"
	"github.com/segmentio/kafka-go"
)

// cleanupTimeout bounds the deletion of a step's topics.
const cleanupTimeout = 30 * time.Second

// deleteTopics deletes the run's topics once they are measured, unless
// Config.KeepTopics: the embedded broker keeps every record in memory, so
// this bounds it to the input plus one pipeline's output, and a real
// cluster is left as it was found. It runs even when ctx has ended, and a
// failure is logged, not returned: the measurement stands either way.
func (r *runner) deleteTopics(ctx context.Context, topics ...string) {
	if r.cfg.KeepTopics {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	resp, err := kafkaio.Client(r.brokers).DeleteTopics(ctx, &kafka.DeleteTopicsRequest{Topics: topics})
	if err == nil {
		var errs []error
		for t, terr := range resp.Errors {
			if terr != nil {
				errs = append(errs, fmt.Errorf("%s: %w", t, terr))
			}
		}
		err = errors.Join(errs...)
	}
	if err != nil {
		r.cfg.Log.Warn("deleting benchmark topics", "topics", topics, "err", err)
	}
}
