package api

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"medclaims/claim"
	"medclaims/pipeline"
	"medclaims/store"
)

// TestTokensAndRoles: every endpoint but /healthz and /openapi.json needs a token; a
// missing, malformed, unknown or revoked one is 401, a role that may not is 403.
func TestTokensAndRoles(t *testing.T) {
	e := newEnv(t, nil)
	body := []byte(`[{"claim_id":"C1","provider_id":"H3001"}]`)
	endpoints := []struct{ method, path string }{
		{"POST", "/v1/batches"}, {"GET", "/v1/batches/B1"}, {"GET", "/v1/claims/H3001/C1"}, {"GET", "/v1/providers/H3001"},
		{"GET", "/v1/flags"}, {"GET", "/metrics"}, {"POST", "/v1/cases"}, {"GET", "/v1/cases"}, {"GET", "/v1/cases/K1"},
		{"POST", "/v1/cases/K1/notice"}, {"POST", "/v1/cases/K1/response"}, {"POST", "/v1/cases/K1/decision"}, {"GET", "/v1/sanctions"},
	}
	revoked := e.token("investigator")
	if _, err := e.svc.Store.RevokeToken(context.Background(), e.ids["investigator"], testNow()); err != nil {
		t.Fatal(err)
	}
	e.token("investigator") // a live one again for the rest
	for _, ep := range endpoints {
		for _, auth := range []string{"", "raw:Basic dXNlcjpwYXNz", "raw:Bearer", "raw:Bearer mct_unknown", "raw:Bearer " + revoked} {
			r := e.do(ep.method, ep.path, auth, "application/json", body)
			if r.status != 401 || r.errorCode(t) != codeUnauthorized || r.header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s %s with %q: %d %s", ep.method, ep.path, auth, r.status, r.body)
			}
		}
	}
	if r := e.do("GET", "/v1/flags", "raw:Bearer "+revoked, "", nil); !strings.Contains(string(r.body), "revoked") {
		t.Errorf("a revoked token is not said to be revoked: %s", r.body)
	}
	forbidden := []struct{ role, method, path string }{
		{"investigator", "POST", "/v1/batches"}, {"agency", "POST", "/v1/batches"},
		{"hospital:H3001", "GET", "/v1/flags"}, {"hospital:H3001", "GET", "/metrics"}, {"investigator", "GET", "/metrics"},
		{"hospital:H3001", "POST", "/v1/cases"}, {"agency", "POST", "/v1/cases"}, {"hospital:H3001", "GET", "/v1/sanctions"},
		{"hospital:H3001", "POST", "/v1/cases/K1/notice"}, {"investigator", "POST", "/v1/cases/K1/response"},
		{"agency", "POST", "/v1/cases/K1/decision"},
	}
	for _, f := range forbidden {
		r := e.do(f.method, f.path, f.role, "application/json", body)
		if r.status != 403 || r.errorCode(t) != codeForbidden {
			t.Errorf("%s %s as %s: %d %s", f.method, f.path, f.role, r.status, r.body)
		}
	}
	for _, open := range []string{"/healthz", "/openapi.json"} {
		if r := e.get(open, ""); r.status != 200 {
			t.Errorf("%s without a token: %d", open, r.status)
		}
	}
	if r := e.get("/metrics", "agency"); r.status != 200 || !strings.Contains(string(r.body), `medclaims_http_requests_total{route="GET /v1/flags",status="401"}`) {
		t.Errorf("metrics by route and status: %d %.300s", r.status, r.body)
	}
	// Use is recorded; the token is stored only as its hash.
	toks, err := e.svc.Store.Tokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var used int
	for _, tk := range toks {
		if tk.LastUsedAt != nil {
			used++
		}
	}
	if used == 0 {
		t.Errorf("no token has a last-used time: %+v", toks)
	}
	var leaked int
	if err := e.svc.Store.DB().Get(&leaked, `SELECT count(*) FROM api_tokens WHERE position($1 in encode(hash, 'escape')) > 0`, e.tokens["agency"]); err != nil {
		t.Fatalf("look for the token in the table: %v", err)
	}
	if leaked != 0 {
		t.Error("a token is stored in the clear")
	}
	if strings.Contains(e.log.String(), e.tokens["agency"]) || strings.Contains(e.log.String(), revoked) {
		t.Error("the log holds a token")
	}
	if !strings.Contains(e.log.String(), `token="test agency"`) || !strings.Contains(e.log.String(), "role=hospital:H3001") {
		t.Errorf("the access log does not name tokens and roles:\n%.2000s", e.log.String())
	}
	// A hospital token needs a loaded provider.
	if err := e.svc.Store.CreateToken(context.Background(), store.Token{ID: "tok_x", Name: "x", Role: RoleHospital, ProviderID: "H9999",
		CreatedAt: testNow()}, HashToken("x")); err == nil || !strings.Contains(err.Error(), "H9999") {
		t.Errorf("token for an unknown provider: %v", err)
	}
}

// TestIsolation: hospital A cannot read, list or submit hospital B's claims, batches or
// provider standing, nor reach flags; B's own token can.
func TestIsolation(t *testing.T) {
	e := newEnv(t, nil)
	a, b := "hospital:H3001", "hospital:H2001"
	r := e.do("POST", "/v1/batches?batch_id=B-OF-B", b, "text/csv", toCSV(t, demoClaims(t, "H2001")))
	if r.status != 202 {
		t.Fatalf("B posts its batch: %d %s", r.status, r.body)
	}
	v := e.waitBatch("B-OF-B", b)
	var one struct {
		Claims []struct {
			ClaimID string `json:"claim_id"`
		}
	}
	r = e.get("/v1/batches/B-OF-B", b)
	r.decode(t, &one)
	claimB := one.Claims[0].ClaimID
	// Another route to B's data: a batch produced straight to Kafka (medclaims submit).
	p := pipeline.NewProducer(e.svc.Brokers, e.svc.Topics.Submitted)
	defer p.Close()
	if _, err := pipeline.Submit(context.Background(), p, demoClaims(t, "H2001")[:1], "B-KAFKA-B", nil); err != nil {
		t.Fatal(err)
	}
	e.waitBatch("B-KAFKA-B", "agency")
	checks := []struct {
		name         string
		method, path string
		ctype        string
		body         []byte
		status       int
	}{
		{"B's batch", "GET", "/v1/batches/B-OF-B", "", nil, 404},
		{"B's batch produced to Kafka", "GET", "/v1/batches/B-KAFKA-B", "", nil, 404},
		{"B's claim", "GET", "/v1/claims/H2001/" + claimB, "", nil, 403},
		{"B's provider", "GET", "/v1/providers/H2001", "", nil, 403},
		{"flags", "GET", "/v1/flags?provider_id=H2001", "", nil, 403},
		{"submit B's claims", "POST", "/v1/batches", "text/csv", toCSV(t, demoClaims(t, "H2001")), 403},
	}
	for _, c := range checks {
		if r := e.do(c.method, c.path, a, c.ctype, c.body); r.status != c.status {
			t.Errorf("A: %s: %d %s, want %d", c.name, r.status, r.body, c.status)
		}
	}
	for _, path := range []string{"/v1/batches/B-OF-B", "/v1/batches/B-KAFKA-B", "/v1/claims/H2001/" + claimB, "/v1/providers/H2001"} {
		for _, role := range []string{b, "agency", "investigator"} {
			if r := e.get(path, role); r.status != 200 {
				t.Errorf("%s reads %s: %d %s", role, path, r.status, r.body)
			}
		}
	}
	if len(v.Claims) == 0 {
		t.Fatal("B's batch is empty")
	}
	// Not-found and the right 404s.
	for _, c := range []struct{ path, role string }{{"/v1/batches/NOPE", "agency"}, {"/v1/claims/H3001/NOPE", a},
		{"/v1/providers/H9999", "agency"}} {
		if r := e.get(c.path, c.role); r.status != 404 || r.errorCode(t) != codeNotFound {
			t.Errorf("%s: %d %s", c.path, r.status, r.body)
		}
	}
	if r := e.do("DELETE", "/v1/flags", "agency", "", nil); r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET" ||
		r.errorCode(t) != codeMethodNotAllowed {
		t.Errorf("DELETE /v1/flags: %d %v %s", r.status, r.header, r.body)
	}
	if r := e.get("/v2/anything", "agency"); r.status != 404 || r.errorCode(t) != codeNotFound {
		t.Errorf("unknown path: %d %s", r.status, r.body)
	}
}

func TestMaskedPath(t *testing.T) {
	u, _ := url.Parse("/v1/flags?member_id=M000042&rule=daily_cap")
	if got := maskedPath(u); got != "/v1/flags?member_id=M00****42&rule=daily_cap" {
		t.Errorf("masked path %s", got)
	}
	for id, want := range map[string]string{"M000042": "M00****42", "M1": "****", "S0000123": "S00****23"} {
		if got := claim.MaskMember(id); got != want {
			t.Errorf("MaskMember(%s) = %s, want %s", id, got, want)
		}
	}
}
