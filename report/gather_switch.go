package report

import (
	"context"
	"slices"
	"strings"

	"github.com/oinkhq/oink/diffstore"
)

// levelsOf returns the pairs at each level, or nil when there are none.
func levelsOf(c diffstore.Counts) *Levels {
	if c.Pairs == 0 {
		return nil
	}
	return &Levels{Pairs: c.Pairs, Identical: c.Identical, Equivalent: c.Equivalent, Accepted: c.Accepted,
		Divergent: c.Divergent, Unleveled: c.Unleveled()}
}

// gatherSwitch reads the switch's provenance of run, or nil when no
// switch synced a state for it.
func gatherSwitch(ctx context.Context, st Store, run diffstore.Run) (*SwitchForwards, error) {
	sum, err := st.Switch(ctx, run.Name)
	if err != nil || len(sum.Partitions) == 0 {
		return nil, err
	}
	minutes, err := st.SwitchMinutes(ctx, run.Name)
	if err != nil {
		return nil, err
	}
	var live []string
	for _, p := range sum.Partitions {
		if !slices.Contains(live, p.Live) {
			live = append(live, p.Live)
		}
	}
	sw := &SwitchForwards{Live: strings.Join(live, ","), Partitions: len(sum.Partitions), Parked: sum.Parked}
	t := sum.Totals
	for v, topic := range [2]string{run.ControlTopic, run.CandidateTopic} {
		vf := VersionForwards{Version: [2]string{"v1", "v2"}[v], Topic: topic, Forwarded: t.Forwarded[v],
			NotOwned: t.NotOwned[v], Duplicates: t.Duplicates[v], Collisions: t.Collisions[v]}
		for _, m := range minutes {
			if m.Minute.IsZero() || m.Forwarded[v] == 0 {
				continue // a lost minute, or none of this version's
			}
			if vf.First.IsZero() {
				vf.First = m.Minute
			}
			vf.Last = m.Minute
		}
		sw.Versions = append(sw.Versions, vf)
	}
	return sw, nil
}
