package pipeline

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the pipeline's Prometheus metrics.
type Metrics struct {
	Results      *prometheus.CounterVec
	DLQ          prometheus.Counter
	Retries      *prometheus.CounterVec
	BatchSeconds prometheus.Histogram
	BatchSize    prometheus.Histogram
}

// NewMetrics creates the metrics and registers them on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "medclaims_results_total",
			Help: "Adjudication results published, by status."}, []string{"status"}),
		DLQ: prometheus.NewCounter(prometheus.CounterOpts{Name: "medclaims_dlq_total",
			Help: "Undecodable submissions sent to the DLQ."}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "medclaims_retries_total",
			Help: "Retried pipeline steps after a failure, by step."}, []string{"step"}),
		BatchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "medclaims_batch_seconds",
			Help: "Time to process one micro-batch (decode, store, publish, commit).", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "medclaims_batch_messages",
			Help: "Messages per micro-batch.", Buckets: prometheus.ExponentialBuckets(1, 2, 12)}),
	}
	if reg != nil {
		reg.MustRegister(m.Results, m.DLQ, m.Retries, m.BatchSeconds, m.BatchSize)
	}
	return m
}
