package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"medclaims/claim"
)

// precheckClaims are H2001's claims for the pre-check test, over the demo batch's history:
// an ultrasound 8 days after the stored one at H2001 (repeat: refused) with moxibustion 3
// a day (units: the third refused); a pneumonia stay priced by DRG; a visit of 5 blood
// counts in a day (daily_cap: held); the same visit's member again the next day, to show a
// later claim of the array sees the earlier one; and a box whose traceability code a claim
// of the demo settled (trace_code_reused: held, naming that first settlement).
var precheckClaims = []string{
	`{"claim_id":"H2001-PC-1","provider_id":"H2001","member_id":"M000009","care_type":"outpatient","service_date":"2026-10-28",
	  "diagnoses":["K80.200"],"lines":[{"line_no":1,"item_code":"EXM03","service_date":"2026-10-28","quantity":"1","unit_price":"120.00","amount":"120.00"},
	  {"line_no":2,"item_code":"TCM02","service_date":"2026-10-28","quantity":"3","unit_price":"20.00","amount":"60.00"}],"total":"180.00"}`,
	`{"claim_id":"H2001-PC-2","provider_id":"H2001","member_id":"M000003","care_type":"inpatient","ward_type":"general",
	  "admitted":"2026-11-02","discharged":"2026-11-06","discharge_status":"home","diagnoses":["K22.301","K11.901","E11.900","I10.x05"],
	  "procedures":["96.0800x005"],"emergency":true,
	  "lines":[{"line_no":1,"item_code":"BED01","service_date":"2026-11-02","quantity":"1","unit_price":"60.00","amount":"60.00"},
	  {"line_no":2,"item_code":"BED01","service_date":"2026-11-03","quantity":"1","unit_price":"60.00","amount":"60.00"},
	  {"line_no":3,"item_code":"PRC01","service_date":"2026-11-03","quantity":"1","unit_price":"8200.00","amount":"8200.00"}],"total":"8320.00"}`,
	`{"claim_id":"H2001-PC-3","provider_id":"H2001","member_id":"M000002","care_type":"outpatient","service_date":"2026-11-12",
	  "diagnoses":["J06.900"],"lines":[{"line_no":1,"item_code":"LAB01","service_date":"2026-11-12","quantity":"5","unit_price":"25.00","amount":"125.00"}],"total":"125.00"}`,
	`{"claim_id":"H2001-PC-4","provider_id":"H2001","member_id":"M000002","care_type":"outpatient","service_date":"2026-11-13",
	  "diagnoses":["J06.900"],"lines":[{"line_no":1,"item_code":"SRV01","service_date":"2026-11-13","quantity":"1","unit_price":"30.00","amount":"30.00"}],"total":"30.00"}`,
	`{"claim_id":"H2001-PC-5","provider_id":"H2001","member_id":"M000010","care_type":"outpatient","service_date":"2026-11-14",
	  "diagnoses":["J06.900"],"lines":[{"line_no":1,"item_code":"XJ01DD04","service_date":"2026-11-14","quantity":"1","unit_price":"48.50","amount":"48.50",
	  "trace_codes":["86901234500000012003"]}],"total":"48.50"}`,
}

// withoutSubmission clears what only a submission has: batch, source, processing time.
func withoutSubmission(r claim.Result) string {
	r.BatchID, r.Source, r.AdjudicatedAt = "", nil, time.Time{}
	return string(r.AppendJSON(nil))
}

// tableDigest digests the tables a pre-check must not touch.
func tableDigest(t *testing.T, e *env) string {
	t.Helper()
	var out []string
	for _, table := range []string{"claim_results", "submissions", "ledger_entries", "member_totals", "claim_facts", "fraud_flags",
		"provider_ledger", "event_outbox", "api_batches", "api_batch_items", "trace_settlements"} {
		var d string
		if err := e.svc.Store.DB().Get(&d, `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM `+table+` t`); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		out = append(out, table+"="+d)
	}
	return strings.Join(out, " ")
}

// TestPrecheckEqualsAdjudication: a hospital pre-checks a mixed set (edits, a DRG stay, a
// hold, a later claim that sees an earlier one) and gets, field for field, what submitting
// them then gives; nothing stored changes; another hospital's claim is 403; the agency may
// pre-check any provider's.
func TestPrecheckEqualsAdjudication(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	body := []byte("[" + strings.Join(precheckClaims, ",") + "]")
	before := tableDigest(t, e)

	r := e.do(http.MethodPost, "/v1/precheck", "hospital:H2001", "application/json", body)
	if r.status != http.StatusOK {
		t.Fatalf("precheck: %d %s", r.status, r.body)
	}
	var got struct{ Results []claim.Result }
	r.decode(t, &got)
	if len(got.Results) != 5 {
		t.Fatalf("%d results", len(got.Results))
	}
	pc := got.Results
	switch {
	case len(pc[0].Edits) != 2 || pc[0].Edits[0].EditID != "E0008" || pc[0].Edits[1].EditID != "E0009" || pc[0].Refused.StringFixed(2) != "140.00":
		t.Errorf("edits: %s", pc[0].AppendJSON(nil))
	case pc[1].Method != "drg" || pc[1].DRG == nil:
		t.Errorf("DRG stay: %s", pc[1].AppendJSON(nil))
	case pc[2].Status != claim.StatusHeld || !pc[2].HasReason(claim.ReasonFraudHold):
		t.Errorf("held: %s", pc[2].AppendJSON(nil))
	case pc[4].Status != claim.StatusHeld || pc[4].Fraud == nil || strings.Join(pc[4].Fraud.Rules, ",") != "trace_code_reused":
		t.Errorf("a box settled before: %s", pc[4].AppendJSON(nil))
	case strings.Contains(string(r.body), `"adjudicated_at"`) || strings.Contains(string(r.body), `"source":{`):
		t.Errorf("a pre-check result carries submission fields: %s", r.body)
	}
	if after := tableDigest(t, e); after != before {
		t.Fatalf("the pre-check changed the database:\n%s\n%s", before, after)
	}
	if r := e.do(http.MethodPost, "/v1/precheck", "hospital:H3001", "application/json", body); r.status != http.StatusForbidden || r.errorCode(t) != codeForbidden {
		t.Errorf("another hospital's claims: %d %s", r.status, r.body)
	}
	one := e.do(http.MethodPost, "/v1/precheck", "agency", "application/json", []byte(precheckClaims[1]))
	var single struct{ Results []claim.Result }
	one.decode(t, &single)
	if one.status != http.StatusOK || len(single.Results) != 1 || withoutSubmission(single.Results[0]) != withoutSubmission(pc[1]) {
		t.Errorf("the agency's pre-check of one claim: %d %s", one.status, one.body)
	}
	for _, bad := range []struct {
		ct   string
		body string
		want int
	}{{"application/json", `"a string"`, 400}, {"text/csv", "a,b\n", 415}, {"application/json", "[" + strings.Repeat(precheckClaims[3]+",", 100) + precheckClaims[3] + "]", 413}} {
		if r := e.do(http.MethodPost, "/v1/precheck", "hospital:H2001", bad.ct, []byte(bad.body)); r.status != bad.want {
			t.Errorf("%.30s: %d, want %d", bad.body, r.status, bad.want)
		}
	}

	// submitted now, one after another, with nothing else of these members in between.
	posted := e.do(http.MethodPost, "/v1/batches?batch_id=PC-SUBMIT", "hospital:H2001", "application/json", body)
	if posted.status != http.StatusAccepted {
		t.Fatalf("submit: %d %s", posted.status, posted.body)
	}
	e.waitBatch("PC-SUBMIT", "hospital:H2001")
	for i, want := range pc {
		var stored []byte
		if err := e.svc.Store.DB().Get(&stored, `SELECT result FROM claim_results WHERE provider_id = 'H2001' AND claim_id = $1`, want.ClaimID); err != nil {
			t.Fatalf("%s: %v", want.ClaimID, err)
		}
		var adjudicated claim.Result
		if err := json.Unmarshal(stored, &adjudicated); err != nil {
			t.Fatal(err)
		}
		if a, b := withoutSubmission(adjudicated), withoutSubmission(want); a != b {
			t.Errorf("claim %d: adjudicated\n%s\npre-checked\n%s", i+1, a, b)
		}
	}
}
