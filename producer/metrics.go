package producer

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/segmentio/kafka-go"
)

// Metrics are a producer's Prometheus metrics. Create them with NewMetrics on
// the registry the process serves; a nil *Metrics records nothing.
type Metrics struct {
	eventsIn   prometheus.Counter
	recordsOut prometheus.Counter
	dlq        *prometheus.CounterVec
	transform  prometheus.Histogram
	lag        prometheus.Gauge
	writeFails prometheus.Counter
}

// NewMetrics registers the metrics of a producer role ("v2" or "v1") on reg.
func NewMetrics(reg prometheus.Registerer, role string) *Metrics {
	l := prometheus.Labels{"role": role}
	m := &Metrics{
		eventsIn: prometheus.NewCounter(prometheus.CounterOpts{Name: "oink_producer_events_in_total",
			Help: "Upstream events read.", ConstLabels: l}),
		recordsOut: prometheus.NewCounter(prometheus.CounterOpts{Name: "oink_producer_records_out_total",
			Help: "RTCIM records written and acknowledged.", ConstLabels: l}),
		dlq: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "oink_producer_dlq_records_total",
			Help: "Events sent to the dead-letter queue, by error code.", ConstLabels: l}, []string{"code"}),
		transform: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "oink_producer_transform_seconds",
			Help: "Time to decode and transform one event.", ConstLabels: l,
			Buckets: prometheus.ExponentialBuckets(1e-6, 4, 8)}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{Name: "oink_producer_consumer_lag",
			Help: "Records behind the end of the partitions this instance read last.", ConstLabels: l}),
		writeFails: prometheus.NewCounter(prometheus.CounterOpts{Name: "oink_producer_write_retries_total",
			Help: "Writes retried after a broker error.", ConstLabels: l}),
	}
	reg.MustRegister(m.eventsIn, m.recordsOut, m.dlq, m.transform, m.lag, m.writeFails)
	return m
}

func (m *Metrics) observeTransform(d time.Duration) {
	if m != nil {
		m.transform.Observe(d.Seconds())
	}
}

func (m *Metrics) deadLetter(code string) {
	if m != nil {
		m.dlq.WithLabelValues(code).Inc()
	}
}

func (m *Metrics) retry() {
	if m != nil {
		m.writeFails.Inc()
	}
}

func (m *Metrics) countBatch(in, out int) {
	if m != nil {
		m.eventsIn.Add(float64(in))
		m.recordsOut.Add(float64(out))
	}
}

// observeLag updates the lag gauge from the high watermarks the batch's
// messages carry; lag remembers each partition's last value.
func (m *Metrics) observeLag(lag map[int]int64, batch []kafka.Message) {
	if m == nil {
		return
	}
	for _, msg := range batch {
		lag[msg.Partition] = msg.HighWaterMark - msg.Offset - 1
	}
	var sum int64
	for _, v := range lag {
		sum += v
	}
	m.lag.Set(float64(sum))
}
