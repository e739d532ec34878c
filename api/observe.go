package api

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"medclaims/claim"
)

// httpMetrics counts requests and times them by route and status.
type httpMetrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "medclaims_http_requests_total",
			Help: "HTTP requests by route and status."}, []string{"route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "medclaims_http_request_duration_seconds",
			Help: "HTTP request latency by route and status.", Buckets: prometheus.ExponentialBuckets(0.001, 2.5, 12)},
			[]string{"route", "status"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// recorder remembers the status and size a handler wrote.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += n
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// observe logs every request (route, status, size, time, the token's name and role, never
// the token; member ids masked) and counts it by route and status.
func (s *Server) observe(route string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		p := &Principal{}
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), principalKey{}, p)))
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		d := time.Since(start)
		status := strconv.Itoa(rec.status)
		s.metrics.requests.WithLabelValues(route, status).Inc()
		s.metrics.duration.WithLabelValues(route, status).Observe(d.Seconds())
		attrs := []slog.Attr{slog.String("method", r.Method), slog.String("route", route), slog.String("path", maskedPath(r.URL)),
			slog.Int("status", rec.status), slog.Int("bytes", rec.bytes), slog.Float64("ms", float64(d.Microseconds())/1000)}
		if p.Role != "" {
			attrs = append(attrs, slog.String("token", p.Name), slog.String("token_id", p.TokenID), slog.String("role", p.RoleString()))
		}
		level := slog.LevelInfo
		if rec.status >= 500 {
			level = slog.LevelError
		}
		s.log.LogAttrs(r.Context(), level, "http request", attrs...)
	})
}

// maskedPath is the request path and query with member ids masked.
func maskedPath(u *url.URL) string {
	if u.RawQuery == "" {
		return u.Path
	}
	q := u.Query()
	for k, vs := range q {
		if strings.Contains(k, "member") {
			for i := range vs {
				vs[i] = claim.MaskMember(vs[i])
			}
		}
	}
	return u.Path + "?" + strings.ReplaceAll(q.Encode(), "%2A%2A%2A%2A", "****")
}
