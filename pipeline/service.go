package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/segmentio/kafka-go"

	"medclaims/store"
)

// ServiceConfig is what a running medclaims needs.
type ServiceConfig struct {
	DatabaseURL string // the owner's (the service migrates, then works as store.ServiceRole), or the service role's
	// ServicePassword is given to store.ServiceRole when the service migrates (empty: the
	// server's authentication needs none, e.g. trust on a local socket or loopback).
	ServicePassword string
	Brokers         []string // empty: start the embedded broker at BrokerAddr
	BrokerAddr      string   // default 127.0.0.1:9092; "127.0.0.1:0" picks a free port
	TopicPrefix     string
	Partitions      int           // of the topics medclaims creates, default 8
	BatchSize       int           // adjudication micro-batch, default 500
	StallAfter      time.Duration // see ConsumerConfig.StallAfter
	Now             func() time.Time
}

// Validate fills defaults and checks the configuration.
func (c *ServiceConfig) Validate() error {
	if c.BrokerAddr == "" {
		c.BrokerAddr = "127.0.0.1:9092"
	}
	if c.Partitions == 0 {
		c.Partitions = 8
	}
	if c.Partitions < 1 || c.Partitions > 1000 {
		return fmt.Errorf("partitions %d: want 1 to 1000", c.Partitions)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Service is a running medclaims: broker connection (or the embedded broker), database,
// topics and the adjudication consumer, with its metrics registry.
type Service struct {
	Brokers  []string
	Embedded *Broker // nil on a real cluster
	Store    *store.Store
	Topics   Topics
	Registry *prometheus.Registry

	log         *slog.Logger
	adjudicator *Adjudicator
	scorer      *Scorer
	groups      []*groupWatch // how the consumer groups cover their topics
}

// StartService connects everything: the broker (starting the embedded one when no brokers
// are configured; a busy address is an error), the database (created and migrated when
// needed, then worked on as the least-privileged store.ServiceRole) and the topics.
func StartService(ctx context.Context, cfg ServiceConfig, log *slog.Logger) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Service{log: log, Topics: NewTopics(cfg.TopicPrefix), Registry: prometheus.NewRegistry(), Brokers: cfg.Brokers}
	s.Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	if len(s.Brokers) == 0 {
		b, err := StartBroker(cfg.BrokerAddr, cfg.Partitions)
		if err != nil {
			return nil, fmt.Errorf("%w (is another broker or medclaims running there? choose another with --broker-addr, or 127.0.0.1:0 for a free port)", err)
		}
		s.Embedded, s.Brokers = b, b.Addrs
		log.Info("embedded Kafka-protocol broker started", "addr", b.Addrs)
	}
	st, err := store.OpenService(ctx, cfg.DatabaseURL, cfg.ServicePassword)
	if err != nil {
		s.Close()
		return nil, err
	}
	s.Store = st
	log.Info("database connected", "role", store.ServiceRole)
	if err := EnsureTopics(ctx, s.Brokers, s.Topics.All(), cfg.Partitions, 1); err != nil {
		s.Close()
		return nil, err
	}
	a, err := NewAdjudicator(AdjudicatorConfig{Brokers: s.Brokers, Topics: s.Topics, BatchSize: cfg.BatchSize, StallAfter: cfg.StallAfter,
		Now: cfg.Now}, st, log, NewMetrics(s.Registry))
	if err != nil {
		s.Close()
		return nil, err
	}
	s.adjudicator = a
	s.groups = []*groupWatch{newGroupWatch(s.Brokers, a.consumer.cfg.GroupID, s.Topics.Submitted, SessionTimeout)}
	if s.scorer, err = NewScorer(ScorerConfig{Brokers: s.Brokers, Topics: s.Topics, StallAfter: cfg.StallAfter, Now: cfg.Now},
		st, log, a.metrics); err != nil {
		s.Close()
		return nil, err
	}
	s.groups = append(s.groups, newGroupWatch(s.Brokers, s.scorer.consumer.cfg.GroupID, s.Topics.Adjudicated, SessionTimeout))
	return s, nil
}

// Close releases the database and stops the embedded broker.
func (s *Service) Close() {
	if s.Store != nil {
		s.Store.Close()
	}
	if s.Embedded != nil {
		s.Embedded.Close()
	}
}

// Run runs the consumers (adjudication and provider scoring) until ctx ends or one fails.
// It warns loudly at start when no policy version is loaded, since every claim is then
// rejected.
func (s *Service) Run(ctx context.Context) error {
	if v, err := s.Store.PolicyHashes(ctx); err == nil && len(v) == 0 {
		s.log.Warn("NO POLICY VERSION IS LOADED: every claim will be rejected no_policy_in_force; load a bundle with: medclaims load DIR")
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, g := range s.groups {
		go g.run(ctx, 2*time.Second)
	}
	errc := make(chan error, 2)
	go func() { errc <- s.adjudicator.Run(ctx) }()
	go func() { errc <- s.scorer.Run(ctx) }()
	first := <-errc
	cancel()
	return errors.Join(first, <-errc)
}

// Health is what /healthz reports.
type Health struct {
	OK             bool          `json:"ok"`
	Database       string        `json:"database"`
	Broker         string        `json:"broker"`
	PolicyVersions int           `json:"policy_versions"`
	Stalled        []Stall       `json:"stalled_partitions,omitempty"`
	Groups         []GroupHealth `json:"consumer_groups"`
	Warnings       []string      `json:"warnings,omitempty"`
}

// Healthy reports whether all is well.
func (h Health) Healthy() bool { return h.OK }

// Health checks the database and the broker and lists stalled partitions.
func (s *Service) Health(ctx context.Context) Health {
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	h := Health{OK: true, Database: "ok", Broker: "ok"}
	if err := s.Store.Ping(ctx); err != nil {
		h.OK, h.Database = false, err.Error()
	} else if v, err := s.Store.PolicyHashes(ctx); err == nil {
		h.PolicyVersions = len(v)
		if len(v) == 0 {
			h.Warnings = append(h.Warnings, "no policy version is loaded: every claim is rejected no_policy_in_force")
		}
	}
	if err := brokerReachable(ctx, s.Brokers, s.Topics.Submitted); err != nil {
		h.OK, h.Broker = false, err.Error()
	}
	if h.Stalled = append(s.adjudicator.Stalled(), s.scorer.Stalled()...); len(h.Stalled) > 0 {
		h.OK = false
	}
	h.Groups = []GroupHealth{}
	for _, g := range s.groups {
		gh := g.Health()
		if len(gh.Unserved) > 0 {
			h.OK = false
			h.Warnings = append(h.Warnings, fmt.Sprintf("group %s: partitions %v of %s have had no live consumer for over %s", gh.Group, gh.Unserved, gh.Topic, SessionTimeout))
		}
		h.Groups = append(h.Groups, gh)
	}
	return h
}

func brokerReachable(ctx context.Context, brokers []string, topic string) error {
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 2 * time.Second}
	meta, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return fmt.Errorf("broker %v: %w", brokers, err)
	}
	if len(meta.Brokers) == 0 {
		return errors.New("broker: no brokers in the cluster metadata")
	}
	return nil
}
