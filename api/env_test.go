package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"

	"medclaims/claim"
	"medclaims/pipeline"
	"medclaims/sample"
	"medclaims/store"
	"medclaims/store/storetest"
)

func testNow() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }

// testClock is the service clock of a test (MEDCLAIMS_NOW in a real run), movable.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) now() time.Time  { return time.Unix(0, c.ns.Load()).UTC() }
func (c *testClock) set(t time.Time) { c.ns.Store(t.UnixNano()) }

// lockedBuffer collects the log of a test's service and server.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// env is a running medclaims for one test: a fresh database with the sample bundle, the
// embedded broker over TCP, both consumers and the HTTP API, and a token per role.
type env struct {
	t      testing.TB
	clock  *testClock
	svc    *pipeline.Service
	srv    *Server
	base   string
	log    *lockedBuffer
	tokens map[string]string // "hospital:H3001", "agency", "investigator" → token
	ids    map[string]string // → token id
	cancel context.CancelFunc
	spec   validator.Validator
}

var (
	specOnce sync.Once
	spec     validator.Validator
	specErr  error
)

// openAPIValidator builds the validator of the served document once per test binary.
func openAPIValidator(t testing.TB) validator.Validator {
	t.Helper()
	specOnce.Do(func() {
		doc, err := libopenapi.NewDocument(openAPI)
		if err != nil {
			specErr = err
			return
		}
		v, errs := validator.NewValidator(doc)
		if len(errs) > 0 {
			specErr = fmt.Errorf("%v", errs)
			return
		}
		spec = v
	})
	if specErr != nil {
		t.Fatalf("OpenAPI document: %v", specErr)
	}
	return spec
}

func newEnv(t testing.TB, tweak func(*Config)) *env {
	t.Helper()
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	clock := &testClock{}
	clock.set(testNow())
	s, err := pipeline.StartService(ctx, pipeline.ServiceConfig{DatabaseURL: storetest.NewDB(t), BrokerAddr: "127.0.0.1:0",
		Partitions: 2, Now: clock.now}, log)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	bundle, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Store.SavePolicy(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	p := pipeline.NewProducer(s.Brokers, s.Topics.Submitted)
	t.Cleanup(func() { p.Close() })
	cfg := Config{Addr: "127.0.0.1:0", Health: func(ctx context.Context) HealthReport { return s.Health(ctx) }, Registry: s.Registry, Store: s.Store, Produce: pipeline.SubmitTo(p), Now: clock.now}
	if tweak != nil {
		tweak(&cfg)
	}
	srv, err := Listen(cfg, log)
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, clock: clock, svc: s, srv: srv, base: "http://" + srv.Addr(), log: logs, tokens: map[string]string{}, ids: map[string]string{},
		cancel: cancel, spec: openAPIValidator(t)}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx) }()
	t.Cleanup(func() { cancel(); <-served })
	go s.Run(ctx)
	for _, role := range []string{"hospital:H3001", "hospital:H2001", "agency", "investigator"} {
		e.token(role)
	}
	return e
}

// token creates a token for the role, as `medclaims token create` does.
func (e *env) token(role string) string {
	e.t.Helper()
	r, provider, err := ParseRole(role)
	if err != nil {
		e.t.Fatal(err)
	}
	tok, id, hash := NewToken()
	if err := e.svc.Store.CreateToken(context.Background(), store.Token{ID: id, Name: "test " + role, Role: r, ProviderID: provider,
		CreatedAt: testNow()}, hash); err != nil {
		e.t.Fatal(err)
	}
	e.tokens[role], e.ids[role] = tok, id
	return tok
}

// response is one answer of the API.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (r response) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorCode is the code of a JSON error answer.
func (r response) errorCode(t testing.TB) string {
	t.Helper()
	var e struct {
		Error struct{ Code, Message string }
	}
	r.decode(t, &e)
	if e.Error.Code == "" || e.Error.Message == "" {
		t.Fatalf("not the JSON error shape: %d %s", r.status, r.body)
	}
	return e.Error.Code
}

// do sends a request as the role ("" for none, or a raw "Bearer …" header value with
// prefix "raw:"), and checks the answer against the OpenAPI document.
func (e *env) do(method, path, role, contentType string, body []byte) response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.base+path, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	switch {
	case strings.HasPrefix(role, "raw:"):
		req.Header.Set("Authorization", strings.TrimPrefix(role, "raw:"))
	case role != "":
		tok, ok := e.tokens[role]
		if !ok {
			tok = e.token(role)
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	e.conforms(req, resp, b)
	return response{status: resp.StatusCode, header: resp.Header, body: b}
}

// conforms checks a real answer against the OpenAPI document (status documented, body of
// the documented schema); /metrics, the console and the 404/405 of unknown routes are
// outside it.
func (e *env) conforms(req *http.Request, resp *http.Response, body []byte) {
	e.t.Helper()
	if resp.StatusCode == http.StatusMethodNotAllowed || (resp.StatusCode == http.StatusNotFound && !strings.HasPrefix(req.URL.Path, "/v1/")) ||
		strings.HasPrefix(req.URL.Path, "/console/") {
		return
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	ok, errs := e.spec.ValidateHttpResponse(req, resp)
	if !ok {
		var msgs []string
		for _, ve := range errs {
			msgs = append(msgs, ve.Error())
			for _, sv := range ve.SchemaValidationErrors {
				msgs = append(msgs, "  "+sv.FieldPath+": "+sv.Reason)
			}
		}
		e.t.Errorf("%s %s → %d does not match /openapi.json:\n%s\nbody: %.600s", req.Method, req.URL.Path, resp.StatusCode,
			strings.Join(msgs, "\n"), body)
	}
	_, pattern := e.srv.paths.Handler(req)
	covered.Store(req.Method+" "+pattern, true)
}

// covered holds the operations ("GET /v1/flags") whose real answers were checked.
var covered sync.Map

func (e *env) get(path, role string) response { return e.do(http.MethodGet, path, role, "", nil) }

// getCSV reads a path as CSV (Accept: text/csv) with a role's token and returns the body.
func (e *env) getCSV(path, role string) []byte {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+e.tokens[role])
	req.Header.Set("Accept", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		e.t.Fatalf("GET %s as CSV: %d %v", path, resp.StatusCode, err)
	}
	return body
}

// waitBatch polls GET /v1/batches/{id} until no submission is still "submitted".
func (e *env) waitBatch(id, role string) batchView {
	e.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		r := e.get("/v1/batches/"+id, role)
		if r.status == http.StatusNotFound && time.Now().Before(deadline) { // produced straight to Kafka: known once processed
			time.Sleep(100 * time.Millisecond)
			continue
		}
		if r.status != http.StatusOK {
			e.t.Fatalf("GET batch %s: %d %s", id, r.status, r.body)
		}
		var v batchView
		r.decode(e.t, &v)
		if v.Counts["submitted"] == 0 {
			return v
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("batch %s still has %d submitted after 30 s", id, v.Counts["submitted"])
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// demoClaims are the demo batch's items of one provider, in order.
func demoClaims(t testing.TB, provider string) [][]byte {
	t.Helper()
	var out [][]byte
	for _, it := range sample.DemoBatch() {
		s, err := claim.DecodeSubmission(it)
		if err == nil && s.Sent.ProviderID == provider {
			out = append(out, it)
		}
	}
	if len(out) == 0 {
		t.Fatalf("no demo claims of %s", provider)
	}
	return out
}

// toCSV writes submissions as the CSV medclaims submit reads: a row per line, the claim's
// columns on every row.
func toCSV(t testing.TB, items [][]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(claim.CSVColumns)
	for _, it := range items {
		var env struct {
			Kind  string         `json:"kind"`
			Claim map[string]any `json:"claim"`
		}
		if err := json.Unmarshal(it, &env); err != nil {
			t.Fatal(err)
		}
		c := env.Claim
		head := map[string]string{"kind": env.Kind}
		for k, v := range c {
			switch v := v.(type) {
			case string:
				head[k] = v
			case bool, float64:
				head[k] = fmt.Sprint(v)
			case []any:
				var parts []string
				for _, p := range v {
					parts = append(parts, fmt.Sprint(p))
				}
				head[k] = strings.Join(parts, "|")
			case map[string]any:
				for sk, sv := range v {
					head[k+"_"+sk] = fmt.Sprint(sv)
				}
			}
		}
		lines, _ := c["lines"].([]any)
		if len(lines) == 0 {
			lines = []any{map[string]any{}}
		}
		for _, l := range lines {
			row := make([]string, len(claim.CSVColumns))
			lm, _ := l.(map[string]any)
			for i, col := range claim.CSVColumns {
				row[i] = head[col]
				key := col
				if col == "line_service_date" {
					key = "service_date"
				}
				if _, isLine := map[string]bool{"line_no": true, "item_code": true, "category": true, "line_service_date": true,
					"quantity": true, "unit_price": true, "amount": true, "practitioner_id": true, "hours": true}[col]; isLine {
					row[i] = ""
					if v, ok := lm[key]; ok {
						row[i] = fmt.Sprint(v)
					}
				}
			}
			w.Write(row)
		}
	}
	w.Flush()
	return buf.Bytes()
}
