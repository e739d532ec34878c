package api

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// BenchmarkPostBatch measures intake through the API: a 1,000-claim JSON batch read,
// decoded, recorded and produced to the embedded broker, answered once acknowledged
// (the adjudication behind it runs meanwhile, as in service).
func BenchmarkPostBatch(b *testing.B) {
	e := newEnv(b, nil)
	const claims = 1000
	for i := 0; b.Loop(); i++ {
		var sb strings.Builder
		sb.WriteByte('[')
		for j := range claims {
			if j > 0 {
				sb.WriteByte(',')
			}
			fmt.Fprintf(&sb, `{"claim_id":"B%d-%d","provider_id":"H3001","member_id":"M000001","care_type":"outpatient","service_date":"2026-03-01",`+
				`"lines":[{"line_no":1,"item_code":"SRV01","category":"service","service_date":"2026-03-01","quantity":"1","unit_price":"30","amount":"30.00"}],"total":"30"}`, i, j)
		}
		sb.WriteByte(']')
		r := e.do(http.MethodPost, fmt.Sprintf("/v1/batches?batch_id=BENCH-%d", i), "hospital:H3001", "application/json", []byte(sb.String()))
		if r.status != http.StatusAccepted {
			b.Fatalf("%d %s", r.status, r.body)
		}
	}
	b.ReportMetric(float64(claims*b.N)/b.Elapsed().Seconds(), "claims/s")
}

// BenchmarkGetClaim measures reading one claim with its explanation, versions and flags.
func BenchmarkGetClaim(b *testing.B) {
	e := envWithDemoOf(b, "H3001")
	for b.Loop() {
		if r := e.get("/v1/claims/H3001/H3001-2026-000101", "agency"); r.status != 200 {
			b.Fatal(r.status, string(r.body))
		}
	}
}

// BenchmarkPrecheck measures one claim's pre-check through the API as a hospital sees it:
// the request, the read-only snapshot of its member's history, accumulators and parties,
// adjudication with edits and claim rules, the answer. p50 and p99 are of the requests.
func BenchmarkPrecheck(b *testing.B) {
	e := envWithDemoOf(b, "H2001")
	body := []byte(precheckClaims[0])
	token := e.tokens["hospital:H2001"]
	var took []time.Duration
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodPost, e.base+"/v1/precheck", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		start := time.Now()
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		took = append(took, time.Since(start))
		if resp.StatusCode != http.StatusOK {
			b.Fatal(resp.StatusCode)
		}
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*99/100].Microseconds())/1000, "p99-ms")
}

// envWithDemoOf is a fresh environment holding the demo batch's claims of one provider,
// posted by that hospital and adjudicated.
func envWithDemoOf(b *testing.B, provider string) *env {
	e := newEnv(b, nil)
	r := e.do(http.MethodPost, "/v1/batches?batch_id=B1", "hospital:"+provider, "text/csv", toCSV(b, demoClaims(b, provider)))
	if r.status != http.StatusAccepted {
		b.Fatal(r.status)
	}
	e.waitBatch("B1", "hospital:"+provider)
	return e
}
