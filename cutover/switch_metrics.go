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
	waiting    *prometheus.GaugeVec
}

// NewSwitchMetrics registers the switch's metrics on reg.
func NewSwitchMetrics(reg prometheus.Registerer) *SwitchMetrics {
	m := &SwitchMetrics{
		forwarded: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oink_switch_forwarded_total",
			Help: "Records forwarded to the live topic, by source version."}, []string{"version"}),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oink_switch_not_owned_total",
			Help: "Records not forwarded because the other version owned their bucket at their source time."}, []string{"version"}),
		duplicates: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oink_switch_duplicates_dropped_total",
			Help: "A version's own duplicates dropped."}, []string{"version"}),
		waiting: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "oink_switch_waiting_on_horizon",
			Help: "Records held because their source time is past the route's horizon."}, []string{"partition"}),
	}
	reg.MustRegister(m.forwarded, m.skipped, m.duplicates, m.waiting)
	return m
}

func (m *SwitchMetrics) forward(s int) {
	if m != nil {
		m.forwarded.WithLabelValues(version(s)).Inc()
	}
}

func (m *SwitchMetrics) skip(s int) {
	if m != nil {
		m.skipped.WithLabelValues(version(s)).Inc()
	}
}

func (m *SwitchMetrics) duplicate(s int) {
	if m != nil {
		m.duplicates.WithLabelValues(version(s)).Inc()
	}
}

func (m *SwitchMetrics) holding(p, n int) {
	if m != nil {
		m.waiting.WithLabelValues(strconv.Itoa(p)).Set(float64(n))
	}
}
