package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"medclaims/pipeline"
	"medclaims/store"
)

// service is a running medclaims: broker connection (or the embedded broker), database,
// topics, the adjudication consumer and the HTTP endpoints.
type service struct {
	cfg      config
	log      *slog.Logger
	brokers  []string
	embedded *pipeline.Broker
	st       *store.Store
	topics   pipeline.Topics
	reg      *prometheus.Registry
}

// startService connects everything; brokerAddr is where an embedded broker listens when
// KAFKA_BROKERS is unset.
func startService(ctx context.Context, cfg config, log *slog.Logger, brokerAddr string) (*service, error) {
	s := &service{cfg: cfg, log: log, topics: pipeline.NewTopics(cfg.TopicPrefix), reg: prometheus.NewRegistry()}
	s.reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if cfg.Brokers != "" {
		s.brokers = pipeline.ParseBrokers(cfg.Brokers)
	} else {
		b, err := pipeline.StartBroker(brokerAddr, cfg.Partitions)
		if err != nil && brokerAddr != "127.0.0.1:0" {
			log.Warn("embedded broker address busy; using a free port", "addr", brokerAddr, "error", err)
			b, err = pipeline.StartBroker("127.0.0.1:0", cfg.Partitions)
		}
		if err != nil {
			return nil, err
		}
		s.embedded, s.brokers = b, b.Addrs
		log.Info("embedded Kafka-protocol broker started", "addr", b.Addrs)
	}
	st, err := openStore(ctx, cfg.DatabaseURL)
	if err != nil {
		s.close()
		return nil, err
	}
	s.st = st
	if err := pipeline.EnsureTopics(ctx, s.brokers, s.topics.All(), cfg.Partitions, 1); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *service) close() {
	if s.st != nil {
		s.st.Close()
	}
	if s.embedded != nil {
		s.embedded.Close()
	}
}

// run serves until ctx ends: the adjudication consumer and the HTTP endpoints.
func (s *service) run(ctx context.Context) error {
	a, err := pipeline.NewAdjudicator(pipeline.Config{Brokers: s.brokers, Topics: s.topics}, s.st, s.log, pipeline.NewMetrics(s.reg))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		pctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := s.st.DB().PingContext(pctx); err != nil {
			http.Error(w, `{"status":"unavailable","database":"`+err.Error()+`"}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"ok"}`)
	})
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.reg, promhttp.HandlerOpts{}))
	srv := &http.Server{Addr: s.cfg.HTTPAddr, Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	httpErr := make(chan error, 1)
	go func() {
		s.log.Info("HTTP listening", "addr", s.cfg.HTTPAddr)
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			httpErr <- err
		}
	}()
	consumerErr := make(chan error, 1)
	go func() { consumerErr <- a.Run(ctx) }()
	var runErr error
	select {
	case <-ctx.Done():
		runErr = <-consumerErr
	case runErr = <-consumerErr:
	case err := <-httpErr:
		runErr = fmt.Errorf("HTTP server: %w", err)
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	return runErr
}

func cmdServe(ctx context.Context, args []string, std io3) error {
	fs := newFlags("serve", std)
	brokerAddr := fs.String("broker-addr", "127.0.0.1:9092", "listen address of the embedded broker when KAFKA_BROKERS is unset")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := newLogger(std.err)
	s, err := startService(ctx, cfg, log, *brokerAddr)
	if err != nil {
		return err
	}
	defer s.close()
	log.Info("serving", "brokers", s.brokers, "topic_prefix", cfg.TopicPrefix)
	return s.run(ctx)
}

func cmdBroker(ctx context.Context, args []string, std io3) error {
	fs := newFlags("broker", std)
	addr := fs.String("addr", "127.0.0.1:9092", "listen address")
	partitions := fs.Int("partitions", 8, "partitions of each medclaims topic")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	b, err := pipeline.StartBroker(*addr, *partitions)
	if err != nil {
		return err
	}
	defer b.Close()
	topics := pipeline.NewTopics(cfg.TopicPrefix)
	if err := pipeline.EnsureTopics(ctx, b.Addrs, topics.All(), *partitions, 1); err != nil {
		return err
	}
	fmt.Fprintf(std.out, "embedded Kafka-protocol broker listening on %v (topics %v, %d partitions); Ctrl-C stops it\n", b.Addrs, topics.All(), *partitions)
	<-ctx.Done()
	return nil
}
