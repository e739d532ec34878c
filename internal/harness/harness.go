// Package harness runs the whole pipeline for the benchmark, the fraud evaluation and the
// demo: one way to start a service on a fresh database, submit a stream and wait for what
// it must produce. It is the only production-side importer of package sample; nothing of
// the service itself depends on it.
package harness

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"medclaims/pipeline"
	"medclaims/policy"
	"medclaims/store"
)

// Fresh drops and recreates the database of cfg (its name must start with prefix), starts
// the service on it and loads the bundle.
func Fresh(ctx context.Context, cfg pipeline.ServiceConfig, prefix string, bundle *policy.Bundle, log *slog.Logger) (*pipeline.Service, error) {
	if err := store.DropDatabase(ctx, cfg.DatabaseURL, prefix); err != nil {
		return nil, err
	}
	s, err := pipeline.StartService(ctx, cfg, log)
	if err != nil {
		return nil, err
	}
	if _, err := s.Store.SavePolicy(ctx, bundle); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Run is a service whose work (its consumers, or serve with its HTTP API) runs in the
// background until Stop.
type Run struct {
	Service *pipeline.Service
	errc    chan error
	stop    context.CancelFunc
	once    sync.Once
	err     error // what the work returned, once stopped
}

// Start runs fn on the service in the background.
func Start(ctx context.Context, s *pipeline.Service, fn func(context.Context) error) *Run {
	runCtx, stop := context.WithCancel(ctx)
	r := &Run{Service: s, errc: make(chan error, 1), stop: stop}
	go func() { r.errc <- fn(runCtx) }()
	return r
}

// Submit produces items to claims.submitted as one batch.
func (r *Run) Submit(ctx context.Context, items [][]byte, batchID string) error {
	p := pipeline.NewProducer(r.Service.Brokers, r.Service.Topics.Submitted)
	defer p.Close()
	_, err := pipeline.Submit(ctx, p, items, batchID, nil)
	return err
}

// Wait waits for done, failing when the run stops, ctx ends or within passes (short says
// how far it got).
func (r *Run) Wait(ctx context.Context, done <-chan struct{}, within time.Duration, short func() string) error {
	select {
	case <-done:
		return nil
	case err := <-r.errc:
		r.errc <- err
		return fmt.Errorf("pipeline stopped: %w", err)
	case <-time.After(within):
		return fmt.Errorf("%s within %s", short(), within)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Poll asks ready every interval until it says yes, with Wait's failures.
func (r *Run) Poll(ctx context.Context, every, within time.Duration, ready func(context.Context) (bool, string, error)) error {
	deadline := time.Now().Add(within)
	for {
		ok, state, err := ready(ctx)
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s after %s", state, within)
		}
		tick := make(chan struct{})
		time.AfterFunc(every, func() { close(tick) })
		if err := r.Wait(ctx, tick, within, func() string { return state }); err != nil {
			return err
		}
	}
}

// Stop ends the background work and returns its error (a cancellation is none); stopping
// again returns the same.
func (r *Run) Stop() error { return r.end(true) }

// Join waits until the work ends by itself (its context ended) and returns its error.
func (r *Run) Join() error { return r.end(false) }

func (r *Run) end(cancel bool) error {
	r.once.Do(func() {
		if cancel {
			r.stop()
		}
		if err := <-r.errc; err != nil && !errors.Is(err, context.Canceled) {
			r.err = err
		}
		r.stop()
	})
	return r.err
}
