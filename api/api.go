// Package api is medclaims' HTTP side: the API of CONTRACT.md for hospitals, the agency and
// investigators (tokens and roles, batches, claims, providers, flags, cases, periods,
// OpenAPI), health and metrics, the console with its sessions, and the hygiene every request
// passes. It speaks HTTP only: intake, casework, closing and the store do the work.
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"medclaims/intake"
	"medclaims/precheck"
	"medclaims/store"
)

// Config configures the HTTP server.
type Config struct {
	Addr     string // listen address, default 127.0.0.1:8080
	Health   func(context.Context) HealthReport
	Registry *prometheus.Registry
	Store    *store.Store
	Produce  intake.Produce // to claims.submitted
	Now      func() time.Time

	MaxBodyBytes    int64         // a request body over this is 413; default 32 MiB
	MaxBatchClaims  int           // a batch of more items is 413; default 10,000
	ShutdownTimeout time.Duration // in-flight requests get this long to finish; default 30 s
}

// Validate fills defaults and checks that the parts are there.
func (c *Config) Validate() error {
	if c.Addr == "" {
		c.Addr = "127.0.0.1:8080"
	}
	if c.Health == nil || c.Registry == nil || c.Store == nil || c.Produce == nil {
		return errors.New("api: health check, metrics registry, store and producer are required")
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 32 << 20
	}
	if c.MaxBatchClaims <= 0 {
		c.MaxBatchClaims = 10000
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 30 * time.Second
	}
	return nil
}

// Server is the HTTP server.
type Server struct {
	cfg     Config
	log     *slog.Logger
	srv     *http.Server
	ln      net.Listener
	metrics *httpMetrics
	methods map[string][]string // path pattern → methods, to tell 405 from 404
	paths   *http.ServeMux
	checker precheck.Service
}

// Listen binds the address (a busy address is an error now, not later) and returns the
// server, ready to Serve.
func Listen(cfg Config, log *slog.Logger) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("HTTP listen on %s: %w (set MEDCLAIMS_HTTP_ADDR to another address)", cfg.Addr, err)
	}
	s := &Server{cfg: cfg, log: log, ln: ln, metrics: newHTTPMetrics(cfg.Registry), methods: map[string][]string{}, paths: http.NewServeMux()}
	s.checker = precheck.Service{Store: cfg.Store, Policies: store.NewPolicyCache(cfg.Store, log), Now: cfg.Now}
	// ReadTimeout is the ceiling for an authenticated 32 MiB batch; every other request's
	// body gets bodyWait (hygiene), so an unauthenticated slow body holds nothing for long.
	s.srv = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: batchWait,
		WriteTimeout: batchWait + time.Minute, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	return s, nil
}

var (
	everyone      = []string{RoleHospital, RoleAgency, RoleInvestigator}
	hospitals     = []string{RoleHospital}
	reviewers     = []string{RoleAgency, RoleInvestigator}
	investigators = []string{RoleInvestigator}
	operators     = []string{RoleAgency}
)

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.handle(mux, "GET /healthz", http.HandlerFunc(s.healthz))
	s.handle(mux, "GET /openapi.json", http.HandlerFunc(serveOpenAPI))
	s.handle(mux, "GET /metrics", s.authenticate(operators, promhttp.HandlerFor(s.cfg.Registry, promhttp.HandlerOpts{}).ServeHTTP))
	s.handle(mux, "POST /v1/batches", s.authenticate(hospitals, s.postBatch))
	s.handle(mux, "POST /v1/precheck", s.authenticate([]string{RoleHospital, RoleAgency}, s.postPrecheck))
	s.handle(mux, "GET /v1/batches/{batch_id}", s.authenticate(everyone, s.getBatch))
	s.handle(mux, "GET /v1/claims/{provider_id}/{claim_id}", s.authenticate(everyone, s.getClaim))
	s.handle(mux, "GET /v1/providers/{provider_id}", s.authenticate(everyone, s.getProvider))
	s.handle(mux, "GET /v1/flags", s.authenticate(reviewers, s.listFlags))
	s.handle(mux, "POST /v1/cases", s.authenticate(investigators, s.openCase))
	s.handle(mux, "GET /v1/cases", s.authenticate(everyone, s.listCases))
	s.handle(mux, "GET /v1/cases/{case_id}", s.authenticate(everyone, s.getCase))
	s.handle(mux, "POST /v1/cases/{case_id}/notice", s.authenticate(investigators, s.noticeCase))
	s.handle(mux, "POST /v1/cases/{case_id}/response", s.authenticate(hospitals, s.respondCase))
	s.handle(mux, "POST /v1/cases/{case_id}/decision", s.authenticate(investigators, s.decideCase))
	s.handle(mux, "POST /v1/cases/{case_id}/appeal", s.authenticate(hospitals, s.appealCase))
	s.handle(mux, "POST /v1/cases/{case_id}/appeal/decision", s.authenticate(investigators, s.decideAppeal))
	s.handle(mux, "GET /v1/sanctions", s.authenticate(reviewers, s.listSanctions))
	s.handle(mux, "GET /v1/practitioners", s.authenticate(everyone, s.listPractitioners))
	s.handle(mux, "GET /v1/practitioners/{practitioner_id}", s.authenticate(everyone, s.getPractitioner))
	s.handle(mux, "POST /v1/periods/{period}/close", s.authenticate(operators, s.closePeriod))
	s.handle(mux, "GET /v1/statements", s.authenticate([]string{RoleAgency, RoleHospital}, s.getStatements))
	s.consoleRoutes(mux)
	mux.Handle("/", s.observe("unmatched", http.HandlerFunc(s.unmatched)))
	return hygiene(mux)
}

// handle registers a route behind the access log and metrics, and remembers its methods.
func (s *Server) handle(mux *http.ServeMux, pattern string, h http.Handler) {
	mux.Handle(pattern, s.observe(pattern, h))
	method, path, _ := strings.Cut(pattern, " ")
	if _, ok := s.methods[path]; !ok {
		s.paths.Handle(path, http.NotFoundHandler())
	}
	s.methods[path] = append(s.methods[path], method)
}

// unmatched answers a request no route takes: 405 with Allow when the path exists with
// other methods, else 404, both as JSON errors.
func (s *Server) unmatched(w http.ResponseWriter, r *http.Request) {
	if _, pattern := s.paths.Handler(r); pattern != "" {
		allow := s.methods[pattern]
		w.Header().Set("Allow", strings.Join(allow, ", "))
		writeError(w, errorf(codeMethodNotAllowed, "%s %s: use %s", r.Method, r.URL.Path, strings.Join(allow, " or ")))
		return
	}
	writeError(w, errorf(codeNotFound, "no endpoint %s %s (the API is described at /openapi.json)", r.Method, r.URL.Path))
}

// Addr is the bound address.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Serve serves until ctx ends, then shuts down gracefully: it stops accepting, and
// in-flight requests (a batch being produced included) get ShutdownTimeout to finish.
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
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	if err := s.srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("HTTP shutdown: %w", err)
	}
	s.log.Info("HTTP server stopped: in-flight requests finished")
	return nil
}

// HealthReport is what /healthz answers (its JSON), and whether all is well.
type HealthReport interface{ Healthy() bool }

// healthz reports database, broker and stalled partitions; 503 when any is not well.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	h := s.cfg.Health(r.Context())
	status := http.StatusOK
	if !h.Healthy() {
		status = http.StatusServiceUnavailable
	}
	writeJSON(w, status, h)
}
