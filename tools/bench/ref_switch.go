package bench

import (
	"context"
	"fmt"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/oinkhq/oink/cutover"
	"github.com/oinkhq/oink/diffstore"
	"github.com/twmb/franz-go/pkg/kgo"
)

// Bounds of the reference switch, as in `oink switch`.
const (
	// refRouteEvery is how often it reads the route again.
	refRouteEvery = 250 * time.Millisecond
	// refSwitchDedupe is how many identities per partition it remembers to
	// drop a version's duplicates (`oink switch --dedupe`).
	refSwitchDedupe = cutover.DefaultDedupe
)

// refSwitch is the work of RefModeSwitch.
type refSwitch struct {
	cfg   RefConfig
	route diffstore.Route
	read  time.Time
	seen  map[int32]*cutover.Dedupe
}

func newRefSwitch(ctx context.Context, cfg RefConfig) (*refSwitch, error) {
	s := &refSwitch{cfg: cfg, seen: map[int32]*cutover.Dedupe{}}
	return s, s.refresh(ctx)
}

func (s *refSwitch) refresh(ctx context.Context) error {
	r, err := s.cfg.Store.Route(ctx, s.cfg.Run)
	if err != nil {
		return err
	}
	s.route, s.read = r, time.Now()
	return nil
}

// covering reads the route again until its horizon lies past t: like the
// switch, it never decides a record past what the route read covers.
func (s *refSwitch) covering(ctx context.Context, t time.Time) error {
	for time.Since(s.read) > refRouteEvery || !t.Before(s.route.Horizon) {
		if err := s.refresh(ctx); err != nil {
			return err
		}
		if t.Before(s.route.Horizon) {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return nil
}

func (s *refSwitch) handle(ctx context.Context, in []*kgo.Record, out []kgo.Record, st *RefStats) ([]kgo.Record, error) {
	for _, r := range in {
		if err := s.covering(ctx, r.Timestamp); err != nil {
			return out, fmt.Errorf("reading the route of run %s: %w", s.cfg.Run, err)
		}
		v := 0
		if r.Topic == s.cfg.From[1] {
			v = 1
		}
		if cutover.Owner(s.route, r.Key, r.Timestamp) != v {
			continue
		}
		id, _, err := s.cfg.Rules.Identify(r.Key, r.Value, r.Timestamp)
		if err != nil {
			id = string(r.Key) + "\x00" + hashBytes(r.Value)
		}
		seen, ok := s.seen[r.Partition]
		if !ok {
			seen = cutover.NewDedupe(refSwitchDedupe)
			s.seen[r.Partition] = seen
		}
		if seen.Check(id, r.Value) == cutover.Duplicate {
			continue
		}
		out = append(out, s.forwarded(v, r))
		st.RecordsOut++
	}
	return out, nil
}

// forwarded is the live record of r from version v: r unchanged, on its
// partition, as the switch forwards it (the reference writes without
// transactions, so its ratio is an upper bound of what they cost).
func (s *refSwitch) forwarded(_ int, r *kgo.Record) kgo.Record {
	return kgo.Record{Topic: s.cfg.To, Partition: r.Partition, Key: r.Key, Value: r.Value, Headers: r.Headers, Timestamp: r.Timestamp}
}

// hashBytes identifies a record whose identity cannot be read, as the
// switch does: by its key and a hash of its bytes.
func hashBytes(b []byte) string {
	h := fnv.New64a()
	h.Write(b)
	return strconv.FormatUint(h.Sum64(), 16)
}
