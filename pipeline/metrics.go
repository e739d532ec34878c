package pipeline

import "github.com/prometheus/client_golang/prometheus"

// Metrics are the pipeline's Prometheus metrics.
type Metrics struct {
	Results      *prometheus.CounterVec
	Flags        *prometheus.CounterVec
	Published    *prometheus.CounterVec
	Parked       *prometheus.CounterVec
	Retries      *prometheus.CounterVec
	BatchSeconds prometheus.Histogram
	BatchSize    prometheus.Histogram
	// Lag is how many records each consumer's partition is behind; ScoringPending the
	// providers waiting for evaluation plus the flags waiting to be published.
	Lag            *prometheus.GaugeVec
	ScoringPending prometheus.Gauge
}

// NewMetrics creates the metrics and registers them on reg (nil: not registered).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		Results: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "medclaims_results_total",
			Help: "Adjudication results produced, by status."}, []string{"status"}),
		Flags: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "medclaims_flags_total",
			Help: "Fraud flags raised or updated, by rule (held claims are medclaims_results_total{status=\"held\"})."}, []string{"rule"}),
		Published: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "medclaims_published_total",
			Help: "Messages published by the consumers, by topic."}, []string{"topic"}),
		Parked: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "medclaims_parked_total",
			Help: "Records parked on the DLQ, by stage (decode: undecodable; process: failed permanently; publish: output refused by the broker)."},
			[]string{"stage"}),
		Retries: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "medclaims_retries_total",
			Help: "Retried pipeline steps after a transient failure, by step."}, []string{"step"}),
		BatchSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "medclaims_batch_seconds",
			Help: "Time to process one micro-batch (decode, store, publish, commit).", Buckets: prometheus.ExponentialBuckets(0.001, 2, 14)}),
		BatchSize: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "medclaims_batch_messages",
			Help: "Messages per micro-batch.", Buckets: prometheus.ExponentialBuckets(1, 2, 12)}),
		Lag: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "medclaims_consumer_lag",
			Help: "Records a consumer's partition is behind the end of its topic, after its last batch."}, []string{"group", "partition"}),
		ScoringPending: prometheus.NewGauge(prometheus.GaugeOpts{Name: "medclaims_scoring_pending",
			Help: "Providers waiting for fraud scoring plus provider flags waiting to be published."}),
	}
	if reg != nil {
		reg.MustRegister(m.Results, m.Flags, m.Published, m.Parked, m.Retries, m.BatchSeconds, m.BatchSize, m.Lag, m.ScoringPending)
	}
	return m
}
