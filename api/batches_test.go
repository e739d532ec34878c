package api

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"medclaims/claim"
	"medclaims/intake"
	"medclaims/payment"
	"medclaims/sample"
)

// TestCSVBatchEndToEnd: a hospital posts its claims as CSV; the batch reaches final states
// and every claim's amounts equal `medclaims price` of the same claims (the same pricing
// path started empty, as the offline command runs it).
func TestCSVBatchEndToEnd(t *testing.T) {
	e := newEnv(t, nil)
	items := demoClaims(t, "H3001")
	r := e.do(http.MethodPost, "/v1/batches?batch_id=B-CSV-1", "hospital:H3001", "text/csv", toCSV(t, items))
	if r.status != http.StatusAccepted {
		t.Fatalf("POST: %d %s", r.status, r.body)
	}
	var ans intake.Answer
	r.decode(t, &ans)
	if ans.BatchID != "B-CSV-1" || ans.Accepted != len(items) || len(ans.Rejected) != 0 {
		t.Fatalf("answer %+v, want all %d accepted", ans, len(items))
	}
	v := e.waitBatch("B-CSV-1", "hospital:H3001")
	if len(v.Claims) != len(items) {
		t.Fatalf("%d entries, want %d", len(v.Claims), len(items))
	}
	bundle, _ := sample.Bundle()
	book := payment.NewBook(payment.NewPolicies(bundle), payment.BundleDirectory{Bundle: bundle}, testNow)
	var got []claim.Result
	r = e.get("/v1/batches/B-CSV-1", "hospital:H3001")
	var typed struct{ Claims []claim.Result }
	r.decode(t, &typed)
	got = typed.Claims
	statuses := map[string]int{}
	for i, it := range items {
		s, err := claim.DecodeSubmission(it)
		if err != nil {
			t.Fatal(err)
		}
		want := book.Process(&s, nil).Result
		g := got[i]
		statuses[g.Status]++
		if g.ClaimID != want.ClaimID || g.Status != want.Status || g.Method != want.Method ||
			strings.Join(g.ReasonCodes(), ",") != strings.Join(want.ReasonCodes(), ",") {
			t.Errorf("item %d %s: got %s %s %v, price says %s %s %v", i+1, want.ClaimID, g.Status, g.Method, g.ReasonCodes(),
				want.Status, want.Method, want.ReasonCodes())
		}
		for _, f := range []struct {
			name string
			g, w *claim.Money
		}{{"total", g.Total, want.Total}, {"eligible", g.Eligible, want.Eligible}, {"deductible", g.Deductible, want.Deductible},
			{"basic", g.Basic, want.Basic}, {"critical", g.Critical, want.Critical}, {"assistance", g.Assistance, want.Assistance},
			{"fund_total", g.FundTotal, want.FundTotal}, {"member_pays", g.MemberPays, want.MemberPays},
			{"fund_to_provider", g.FundToProvider, want.FundToProvider}} {
			if moneyText(f.g) != moneyText(f.w) {
				t.Errorf("item %d %s %s: API %s, price %s", i+1, want.ClaimID, f.name, f.g, f.w)
			}
		}
		if g.Explanation != nil {
			t.Errorf("item %d: a batch entry carries its explanation", i+1)
		}
	}
	for st, n := range statuses {
		if v.Counts[st] != n {
			t.Errorf("counts %v, entries say %v", v.Counts, statuses)
		}
	}
	if statuses[claim.StatusAdjudicated] == 0 {
		t.Errorf("no adjudicated claim among %v", statuses)
	}
	// The log (API and pipeline) never holds a member id in the clear.
	for _, it := range items {
		s, _ := claim.DecodeSubmission(it)
		if strings.Contains(e.log.String(), s.Sent.MemberID) {
			t.Errorf("the log holds member id %s", s.Sent.MemberID)
		}
	}
	// One claim's explanation, versions and payment status.
	first := got[0]
	r = e.get("/v1/claims/H3001/"+first.ClaimID, "hospital:H3001")
	var cv claimView
	r.decode(t, &cv)
	if r.status != 200 || len(cv.Explanation) == 0 || len(cv.Versions) == 0 || cv.PaymentStatus == "" || cv.Flags != nil {
		t.Errorf("GET claim: %d explanation %d steps, %d versions, payment %q, flags %v", r.status, len(cv.Explanation),
			len(cv.Versions), cv.PaymentStatus, cv.Flags)
	}
}

func moneyText(m *claim.Money) string {
	if m == nil {
		return "absent"
	}
	return m.String()
}

// TestBatchRefusals: every envelope error publishes nothing and answers with its status;
// an item that cannot be decoded is listed as rejected while the rest go through.
func TestBatchRefusals(t *testing.T) {
	e := newEnv(t, func(c *Config) { c.MaxBodyBytes, c.MaxBatchClaims = 64<<10, 5 })
	h := "hospital:H3001"
	good := `{"claim_id":"C1","provider_id":"H3001","member_id":"M000001","care_type":"outpatient","service_date":"2026-03-01",` +
		`"lines":[{"line_no":1,"item_code":"SRV01","category":"service","service_date":"2026-03-01","quantity":"1","unit_price":"30","amount":"30.00"}],"total":"30"}`
	foreign := strings.Replace(strings.Replace(good, `"H3001"`, `"H2001"`, 1), `"C1"`, `"X1"`, 1)
	cases := []struct {
		name, ctype, body string
		status            int
		code              string
	}{
		{"not JSON", "application/json", `[{"claim_id": }]`, 400, codeBadRequest},
		{"not an array", "application/json", good, 400, codeBadRequest},
		{"empty", "application/json", `  `, 400, codeBadRequest},
		{"no claims", "application/json", `[]`, 400, codeBadRequest},
		{"JSON sent as CSV", "text/csv", "[" + good + "]", 400, codeBadRequest},
		{"bad CSV header", "text/csv", "claim_id,colour\nC1,red\n", 400, codeBadRequest},
		{"no content type", "", "[" + good + "]", 415, codeMediaType},
		{"XML", "application/xml", "<claims/>", 415, codeMediaType},
		{"another provider claim", "application/json", "[" + good + "," + foreign + "]", 403, codeForbidden},
		{"body over the limit", "application/json", "[" + strings.Repeat(good+",", 64<<10/len(good)) + good + "]", 413, codeTooLarge},
		{"too many claims", "application/json", "[" + strings.Repeat(good+",", 5) + good + "]", 413, codeTooLarge},
	}
	for _, c := range cases {
		r := e.do(http.MethodPost, "/v1/batches?batch_id=B-"+strings.ReplaceAll(c.name, " ", "-"), h, c.ctype, []byte(c.body))
		if r.status != c.status || r.errorCode(t) != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.body, c.status, c.code)
		}
	}
	if n, _ := e.svc.Store.CountSubmissions(context.Background()); n != 0 {
		t.Errorf("refused batches published %d submissions", n)
	}
	var batches int
	if err := e.svc.Store.DB().Get(&batches, `SELECT count(*) FROM api_batches`); err != nil {
		t.Fatalf("count recorded batches: %v", err)
	}
	if batches != 0 {
		t.Errorf("refused batches were recorded: %d", batches)
	}
	if r := e.get("/v1/batches/B-another-provider-claim", h); r.status != 404 {
		t.Errorf("a refused batch can be read: %d", r.status)
	}
	if r := e.do(http.MethodPost, "/v1/batches?batch_id=bad/id", h, "application/json", []byte("["+good+"]")); r.status != 400 {
		t.Errorf("bad batch id: %d %s", r.status, r.body)
	}
	if r := e.do(http.MethodPost, "/v1/batches?batch=B1", h, "application/json", []byte("["+good+"]")); r.status != 400 {
		t.Errorf("unknown query parameter: %d %s", r.status, r.body)
	}

	// An undecodable item is rejected and not published; the good one goes through.
	missing := `{"claim_id":"C2","provider_id":"H3001","care_type":"outpatient","lines":[],"total":"0"}`
	r := e.do(http.MethodPost, "/v1/batches?batch_id=B-MIXED", h, "application/json; charset=utf-8", []byte("["+good+","+missing+`,"text"]`))
	var ans intake.Answer
	r.decode(t, &ans)
	if r.status != 202 || ans.Accepted != 1 || len(ans.Rejected) != 2 || ans.Rejected[0].ClaimID != "C2" ||
		ans.Rejected[0].Reasons[0].Code != claim.ReasonMissingField || ans.Rejected[1].Item != 3 || ans.Rejected[1].Reasons[0].Code != claim.ReasonMalformed {
		t.Fatalf("mixed batch: %d %s", r.status, r.body)
	}
	v := e.waitBatch("B-MIXED", h)
	if v.Counts[claim.StatusAdjudicated] != 1 || v.Counts[claim.StatusRejected] != 2 || len(v.Claims) != 3 {
		t.Errorf("mixed batch view: %+v", v)
	}
	if n, _ := e.svc.Store.CountSubmissions(context.Background()); n != 1 {
		t.Errorf("%d submissions processed, want the one good claim", n)
	}
	// The same batch id again is a conflict, and publishes nothing.
	r = e.do(http.MethodPost, "/v1/batches?batch_id=B-MIXED", h, "application/json", []byte("["+good+"]"))
	if r.status != 409 || r.errorCode(t) != codeConflict {
		t.Errorf("batch id again: %d %s", r.status, r.body)
	}
}
