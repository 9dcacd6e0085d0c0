package comparator

import (
	"time"

	"github.com/oinkhq/oink/diffstore"
	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the comparator's Prometheus metrics; a nil *Metrics records
// nothing.
type Metrics struct {
	records  *prometheus.CounterVec
	outcomes *prometheus.CounterVec
	commits  prometheus.Histogram
	lag      prometheus.Gauge
	behind   *prometheus.GaugeVec
	sideLag  *prometheus.GaugeVec
	inputLag *prometheus.GaugeVec
}

// NewMetrics registers the comparator's metrics on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		records: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oink_compare_records_total",
			Help: "Records read, by side and whether their identity could be read."}, []string{"side", "decoded"}),
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oink_compare_results_total",
			Help: "Committed results: identical, equivalent, accepted, divergent pairs (equal: identical + equivalent), missing and duplicate records."}, []string{"result"}),
		commits: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "oink_compare_commit_seconds",
			Help: "Time to commit one partition checkpoint with its results.", Buckets: prometheus.ExponentialBuckets(0.001, 2, 12)}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "oink_compare_lag", Help: "Records not yet compared."}),
		behind: sideGauge("oink_compare_behind",
			"1 while a side is behind: the other side's records have waited for its partners longer than the match window, with no evidence it passed them."),
		sideLag: sideGauge("oink_compare_side_lag_seconds",
			"How far a side trails the other in event time where the other's records wait for it (0 when none waits)."),
		inputLag: sideGauge("oink_compare_input_lag",
			"Input events a side's producer group has not committed (not yet converted); -1 when unknown."),
	}
	reg.MustRegister(m.records, m.outcomes, m.commits, m.lag, m.behind, m.sideLag, m.inputLag)
	return m
}

// sideGauge is a gauge per side.
func sideGauge(name, help string) *prometheus.GaugeVec {
	return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, []string{"side"})
}

func (m *Metrics) record(s side, decoded bool) {
	if m == nil {
		return
	}
	d := "true"
	if !decoded {
		d = "false"
	}
	m.records.WithLabelValues(string(s.store()), d).Inc()
}

func (m *Metrics) commit(d time.Duration, b diffstore.CommitBatch) {
	if m == nil {
		return
	}
	m.commits.Observe(d.Seconds())
	var sum diffstore.Counts
	for _, mc := range b.Counts {
		sum = sum.Add(mc.Counts)
	}
	m.outcomes.WithLabelValues("equal").Add(float64(sum.Equal))
	m.outcomes.WithLabelValues("identical").Add(float64(sum.Identical))
	m.outcomes.WithLabelValues("equivalent").Add(float64(sum.Equivalent))
	m.outcomes.WithLabelValues("accepted").Add(float64(sum.Accepted))
	m.outcomes.WithLabelValues("divergent").Add(float64(sum.Divergent))
	m.outcomes.WithLabelValues("missing_in_control").Add(float64(sum.MissingInControl))
	m.outcomes.WithLabelValues("missing_in_candidate").Add(float64(sum.MissingInCandidate))
	m.outcomes.WithLabelValues("duplicate").Add(float64(sum.DuplicatesControl + sum.DuplicatesCandidate))
}

func (m *Metrics) setLag(lag int64) {
	if m != nil {
		m.lag.Set(float64(lag))
	}
}

func (m *Metrics) setSides(sides ...diffstore.SideProgress) {
	if m == nil {
		return
	}
	for i, sp := range sides {
		name := string(side(i).store())
		b := 0.0
		if sp.Behind {
			b = 1
		}
		m.behind.WithLabelValues(name).Set(b)
		m.sideLag.WithLabelValues(name).Set(sp.LagSeconds)
		in := -1.0
		if sp.InputLag != nil {
			in = float64(*sp.InputLag)
		}
		m.inputLag.WithLabelValues(name).Set(in)
	}
}
