// Package api is medclaims' HTTP side: health, metrics and (growing) the API of
// CONTRACT.md. It speaks HTTP only; the pipeline and the store do the work.
package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"medclaims/pipeline"
)

// Config configures the HTTP server.
type Config struct {
	Addr     string // listen address, default 127.0.0.1:8080
	Health   func(context.Context) pipeline.Health
	Registry *prometheus.Registry
}

// Server is the HTTP server.
type Server struct {
	cfg Config
	log *slog.Logger
	srv *http.Server
	ln  net.Listener
}

// Listen binds the address (a busy address is an error now, not later) and returns the
// server, ready to Serve.
func Listen(cfg Config, log *slog.Logger) (*Server, error) {
	if cfg.Addr == "" {
		cfg.Addr = "127.0.0.1:8080"
	}
	if cfg.Health == nil || cfg.Registry == nil {
		return nil, errors.New("api: health check and metrics registry are required")
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("HTTP listen on %s: %w (set MEDCLAIMS_HTTP_ADDR to another address)", cfg.Addr, err)
	}
	s := &Server{cfg: cfg, log: log, ln: ln}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.healthz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(cfg.Registry, promhttp.HandlerOpts{}))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute, WriteTimeout: time.Minute}
	return s, nil
}

// Addr is the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until ctx ends, then shuts down gracefully (in-flight requests finish).
func (s *Server) Serve(ctx context.Context) error {
	errc := make(chan error, 1)
	go func() {
		s.log.Info("HTTP listening", "addr", s.Addr())
		if err := s.srv.Serve(s.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
		close(errc)
	}()
	select {
	case err := <-errc:
		return fmt.Errorf("HTTP server: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.srv.Shutdown(sctx)
}

// healthz reports database, broker and stalled partitions; 503 when any is not well.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	h := s.cfg.Health(r.Context())
	w.Header().Set("Content-Type", "application/json")
	if !h.OK {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(h)
}
