package api

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"medclaims/claim"
)

// TestMultiSiteSuspension: an investigator confirms over_treatment at one hospital giving
// practitioner D017 9 points (a month's suspension from the decision's Beijing date). Through
// Kafka and PostgreSQL, D017's next line at another hospital, dated inside the suspension, is
// refused (payable by nobody, the reason naming D017 and the end date); an emergency claim
// is paid with the reason noted; after the month, D017's line is paid again. Points out of
// range, or for someone the finding does not name, are 400.
func TestMultiSiteSuspension(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	held, _ := heldFlags(t, e)
	other := "H3001"
	if held.ProviderID == other {
		other = "H2001"
	}
	ftp := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, held.ProviderID, held.ClaimIDs[0])
	finding := func(points map[string]int) map[string]any {
		return map[string]any{"decision": "confirm", "findings": []map[string]any{{"type": "over_treatment", "claim_ids": held.ClaimIDs[:1],
			"practitioner_ids": []string{"D017"}, "practitioner_points": points, "fine": ftp.StringFixed(2)}}}
	}
	// refused decisions first: the case stays undecided for the good one.
	var c struct {
		CaseID string `json:"case_id"`
	}
	e.post("/v1/cases", "investigator", map[string]any{"provider_id": held.ProviderID, "flag_ids": []string{held.FlagID}}).decode(t, &c)
	e.post("/v1/cases/"+c.CaseID+"/notice", "investigator", map[string]string{})
	e.post("/v1/cases/"+c.CaseID+"/response", "hospital:"+held.ProviderID, map[string]string{"statement": "s"})
	for _, bad := range []map[string]int{{"D017": 10}, {"D017": 0}, {"X1": 3}} {
		if r := e.post("/v1/cases/"+c.CaseID+"/decision", "investigator", finding(bad)); r.status != http.StatusBadRequest {
			t.Errorf("points %v: %d %s", bad, r.status, r.body)
		}
	}
	if r := e.post("/v1/cases/"+c.CaseID+"/decision", "investigator", finding(map[string]int{"D017": 9})); r.status != 200 {
		t.Fatalf("decide: %d %s", r.status, r.body)
	}
	// decided on 2026-12-01 (Beijing): suspended up to 2027-01-01, exclusive.
	line := func(id, date string, emergency bool) []byte {
		return []byte(`[{"claim_id":"` + id + `","provider_id":"` + other + `","member_id":"M000002","care_type":"outpatient","service_date":"` + date +
			`","emergency":` + map[bool]string{true: "true", false: "false"}[emergency] + `,"diagnoses":["J06.900"],"lines":[{"line_no":1,"item_code":"SRV01","service_date":"` +
			date + `","quantity":"1","unit_price":"30.00","amount":"30.00","practitioner_id":"D017"}],"total":"30.00"}]`)
	}
	post := func(batch string, body []byte) claim.Result {
		t.Helper()
		if r := e.do(http.MethodPost, "/v1/batches?batch_id="+batch, "hospital:"+other, "application/json", body); r.status != http.StatusAccepted {
			t.Fatalf("post %s: %d %s", batch, r.status, r.body)
		}
		v := e.waitBatch(batch, "hospital:"+other)
		var r claim.Result
		e.get("/v1/claims/"+other+"/"+v.Claims[0].(map[string]any)["claim_id"].(string), "agency").decode(t, &r)
		return r
	}
	refused := post("PS-1", line("PS-1", "2026-12-01", false))
	if refused.Refused.StringFixed(2) != "30.00" || refused.FundTotal.StringFixed(2) != "0.00" || !refused.HasReason(claim.ReasonPractitionerSuspended) ||
		!strings.Contains(refused.Reasons[0].Message, "practitioner D017 is suspended until 2027-01-01") {
		t.Errorf("D017's line at %s inside the suspension: %s", other, refused.AppendJSON(nil))
	}
	urgent := post("PS-2", line("PS-2", "2026-12-01", true))
	if urgent.Refused.StringFixed(2) != "0.00" || !urgent.HasReason(claim.ReasonPractitionerSuspended) {
		t.Errorf("an emergency claim: %s", urgent.AppendJSON(nil))
	}
	e.clock.set(time.Date(2027, 1, 2, 2, 0, 0, 0, time.UTC))
	defer e.clock.set(testNow())
	after := post("PS-3", line("PS-3", "2027-01-01", false))
	if after.Refused.StringFixed(2) != "0.00" || after.HasReason(claim.ReasonPractitionerSuspended) {
		t.Errorf("on the end date: %s", after.AppendJSON(nil))
	}
}
