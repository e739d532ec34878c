package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"medclaims/api"
	"medclaims/pipeline"
)

// serve runs the service's consumers and the HTTP API until ctx ends; the HTTP address
// is bound first, so a busy one fails at once. On shutdown the API finishes its in-flight
// requests (a batch being produced included) while the consumers commit what they did.
func serve(ctx context.Context, s *pipeline.Service, cfg config, log *slog.Logger) error {
	p := pipeline.NewProducer(s.Brokers, s.Topics.Submitted)
	defer p.Close()
	srv, err := api.Listen(api.Config{Addr: cfg.HTTPAddr, Health: func(ctx context.Context) api.HealthReport { return s.Health(ctx) }, Registry: s.Registry, Store: s.Store, Produce: pipeline.SubmitTo(p), Now: cfg.Now}, log)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errc := make(chan error, 2)
	go func() { errc <- s.Run(ctx) }()
	go func() { errc <- srv.Serve(ctx) }()
	first := <-errc
	cancel()
	return errors.Join(first, <-errc)
}

func cmdServe(ctx context.Context, args []string, std io3) error {
	fs := newFlags("serve", std)
	brokerAddr := fs.String("broker-addr", "127.0.0.1:9092", "listen address of the embedded broker when KAFKA_BROKERS is unset")
	if err := parseArgs(fs, args, "serve [--broker-addr HOST:PORT]", 0, 0); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := newLogger(std.err)
	s, err := pipeline.StartService(ctx, cfg.service(*brokerAddr), log)
	if err != nil {
		return err
	}
	defer s.Close()
	log.Info("serving", "brokers", s.Brokers, "topic_prefix", cfg.TopicPrefix)
	return serve(ctx, s, cfg, log)
}

func cmdBroker(ctx context.Context, args []string, std io3) error {
	fs := newFlags("broker", std)
	addr := fs.String("addr", "127.0.0.1:9092", "listen address")
	partitions := fs.Int("partitions", 8, "partitions of each medclaims topic (1 to 1000)")
	if err := parseArgs(fs, args, "broker [--addr HOST:PORT] [--partitions N]", 0, 0); err != nil {
		return err
	}
	if *partitions < 1 || *partitions > 1000 {
		return badFlag(fs, "--partitions %d: want 1 to 1000", *partitions)
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
