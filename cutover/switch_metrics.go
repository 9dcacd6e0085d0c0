package cutover

import (
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// SwitchMetrics are the switch's Prometheus metrics; nil records nothing.
type SwitchMetrics struct {
	forwarded  *prometheus.CounterVec
	skipped    *prometheus.CounterVec
	duplicates *prometheus.CounterVec
	collisions *prometheus.CounterVec
	keyless    *prometheus.CounterVec
	waiting    *prometheus.GaugeVec
}

// NewSwitchMetrics registers the switch's metrics on reg.
func NewSwitchMetrics(reg prometheus.Registerer) *SwitchMetrics {
	m := &SwitchMetrics{
		forwarded: versionCounter("oink_switch_forwarded_total",
			"Records forwarded to the live topic, by source version."),
		skipped: versionCounter("oink_switch_not_owned_total",
			"Records not forwarded because the other version owned their bucket at their source time."),
		duplicates: versionCounter("oink_switch_duplicates_dropped_total",
			"A version's own duplicates dropped."),
		collisions: versionCounter("oink_switch_identity_collisions_total",
			"Records forwarded although their identity was forwarded before, because their value bytes differ."),
		keyless: versionCounter("oink_switch_keyless_total",
			"Records without a key forwarded with --live-partitioning key: to their source partition mod the live topic's count."),
		waiting: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "oink_switch_parked",
			Help: "Records parked because their source time is past the route's horizon (they wait with their key's later records; the rest of the partition goes on)."}, []string{"partition"}),
	}
	reg.MustRegister(m.forwarded, m.skipped, m.duplicates, m.collisions, m.keyless, m.waiting)
	return m
}

// versionCounter is a counter of records by source version.
func versionCounter(name, help string) *prometheus.CounterVec {
	return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, []string{"version"})
}

// add counts a committed transaction's decisions.
func (m *SwitchMetrics) add(t SwitchTotals) {
	if m == nil {
		return
	}
	for s := range 2 {
		v := version(s)
		m.forwarded.WithLabelValues(v).Add(float64(t.Forwarded[s]))
		m.skipped.WithLabelValues(v).Add(float64(t.NotOwned[s]))
		m.duplicates.WithLabelValues(v).Add(float64(t.Duplicates[s]))
		m.collisions.WithLabelValues(v).Add(float64(t.Collisions[s]))
		m.keyless.WithLabelValues(v).Add(float64(t.Keyless[s]))
	}
}

func (m *SwitchMetrics) holding(p, n int) {
	if m != nil {
		m.waiting.WithLabelValues(strconv.Itoa(p)).Set(float64(n))
	}
}
