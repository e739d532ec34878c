package api

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"medclaims/pipeline"
	"medclaims/sample"
	"medclaims/store"
	"medclaims/store/storetest"
)

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestHealthzReportsOutageAndStall: /healthz is 200 while database and broker answer; with
// PostgreSQL unreachable it is 503, names the database error and, once the consumer has
// retried for longer than the stall time, the stalled partition; then 200 again.
func TestHealthzReportsOutageAndStall(t *testing.T) {
	proxy := storetest.NewProxy(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := pipeline.StartService(ctx, pipeline.ServiceConfig{DatabaseURL: proxy.Via(storetest.NewDB(t)), BrokerAddr: "127.0.0.1:0",
		Partitions: 2, StallAfter: 300 * time.Millisecond}, log)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bundle, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store.SavePolicy(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	p := pipeline.NewProducer(s.Brokers, s.Topics.Submitted)
	defer p.Close()
	srv, err := Listen(Config{Addr: "127.0.0.1:0", Health: func(ctx context.Context) HealthReport { return s.Health(ctx) }, Registry: s.Registry, Store: s.Store, Produce: pipeline.SubmitTo(p)}, log)
	if err != nil {
		t.Fatal(err)
	}
	token, id, hash := NewToken()
	if err := s.Store.CreateToken(ctx, store.Token{ID: id, Name: "ops", Role: RoleAgency, CreatedAt: time.Now()}, hash); err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ctx)
	go s.Run(ctx)
	base := "http://" + srv.Addr()
	if code, body := get(t, base+"/healthz"); code != 200 || !strings.Contains(body, `"ok":true`) {
		t.Fatalf("healthy: %d %s", code, body)
	}
	proxy.Cut()
	if _, err := pipeline.Submit(ctx, p, sample.DemoBatch()[:3], "B-OUTAGE", nil); err != nil {
		t.Fatal(err)
	}
	var h pipeline.Health
	deadline := time.Now().Add(20 * time.Second)
	for {
		code, body := get(t, base+"/healthz")
		h = pipeline.Health{}
		json.Unmarshal([]byte(body), &h)
		if code == 503 && slices.ContainsFunc(h.Stalled, func(st pipeline.Stall) bool { return st.Topic == s.Topics.Submitted }) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no stalled partition reported: %d %s", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	var adjudication *pipeline.Stall
	for i, st := range h.Stalled {
		if st.Topic == s.Topics.Submitted {
			adjudication = &h.Stalled[i]
		}
	}
	if h.Database == "ok" || adjudication == nil || adjudication.Step != "store batch" || adjudication.Error == "" {
		t.Errorf("health during the outage: %+v", h)
	}
	proxy.Restore()
	deadline = time.Now().Add(30 * time.Second)
	for {
		code, body := get(t, base+"/healthz")
		if code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("not healthy again after the outage: %d %s", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	req, _ := http.NewRequest("GET", base+"/metrics", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if code, body := resp.StatusCode, string(b); code != 200 || !strings.Contains(body, `medclaims_retries_total{step="store batch"}`) {
		t.Errorf("metrics: %d, no retry count", code)
	}
}
