package api

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

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
	// the qualification change is published on providers.status, keyed by the person.
	var published bool
	for _, m := range readTopic(t, e, e.svc.Topics.ProvidersStatus, 1) {
		var ev map[string]any
		_ = json.Unmarshal(m, &ev)
		published = published || ev["subject"] == "practitioner" && ev["practitioner_id"] == "D017" && ev["status"] == "suspended" &&
			ev["until"] == "2027-01-01" && ev["year_points"] == 9.0 && ev["case_id"] == c.CaseID
	}
	if !published {
		t.Errorf("no practitioner event on providers.status")
	}
	// the register: D017's row with the case's 9 points, suspended until 2027-01-01.
	if csv := string(e.getCSV("/v1/sanctions", "agency")); !strings.Contains(csv, ",D017,over_treatment,art38,"+c.CaseID+",2026-12-01,2027-01-01,") ||
		!strings.Contains(csv, ",9,suspended,\n") {
		t.Errorf("the register's row of D017:\n%s", csv)
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
	// D017's record: suspended until 2027-01-01 with 9 points this year; the case id shown
	// to D017's other hospital only when the case is its own; another hospital's staff: 404.
	var rec struct {
		Status, Until string
		YearPoints    int `json:"year_points"`
		Ledger        []struct {
			CaseID string `json:"case_id"`
			Points int
			Kind   string
		}
	}
	e.get("/v1/practitioners/D017", "agency").decode(t, &rec)
	if rec.Status != "suspended" || rec.Until != "2027-01-01" || rec.YearPoints != 9 || len(rec.Ledger) != 1 || rec.Ledger[0].CaseID != c.CaseID {
		t.Errorf("D017 for the agency: %+v", rec)
	}
	for role, want := range map[string]int{"hospital:H3001": 200, "hospital:H2001": 200, "hospital:H1001": 404} {
		r := e.get("/v1/practitioners/D017", role)
		if r.status != want {
			t.Errorf("D017 read by %s: %d, want %d", role, r.status, want)
			continue
		}
		if want == 200 {
			rec.Ledger = nil
			r.decode(t, &rec)
			if shown := rec.Ledger[0].CaseID != ""; shown != (role == "hospital:"+held.ProviderID) {
				t.Errorf("%s sees case id %q of a case of %s", role, rec.Ledger[0].CaseID, held.ProviderID)
			}
		}
	}
	var list struct {
		Items []struct {
			PractitionerID string `json:"practitioner_id"`
		}
	}
	e.get("/v1/practitioners", "hospital:H1002").decode(t, &list)
	if ids := fmtIDs(list.Items); ids != "D017 D021 D023 N002 N004" {
		t.Errorf("H1002's staff: %s", ids)
	}
	if r := e.get("/v1/practitioners?provider_id=H3001", "hospital:H1002"); r.status != http.StatusForbidden {
		t.Errorf("H1002 listing H3001's staff: %d", r.status)
	}
	e.get("/v1/practitioners?status=suspended", "investigator").decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].PractitionerID != "D017" {
		t.Errorf("suspended practitioners: %+v", list.Items)
	}

	e.clock.set(time.Date(2027, 1, 2, 2, 0, 0, 0, time.UTC))
	defer e.clock.set(testNow())
	after := post("PS-3", line("PS-3", "2027-01-01", false))
	if after.Refused.StringFixed(2) != "0.00" || after.HasReason(claim.ReasonPractitionerSuspended) {
		t.Errorf("on the end date: %s", after.AppendJSON(nil))
	}
}

// TestBarredOwnersOtherProvider: H1001 and H1002 share an owner in the sample bundle. A
// confirmed fabricated service bars H1002; H1001's next claim is rejected provider_banned,
// the message naming the owner, the barred provider and the end; the register lists the
// owner. The finding's single 12 points terminate D017 for three years, past the next
// year's reset. After the bar, H1001 is paid again.
func TestBarredOwnersOtherProvider(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	a, b := heldFlags(t, e)
	if b.ProviderID == "H1002" {
		a = b
	}
	if a.ProviderID != "H1002" {
		t.Fatalf("no held claim of H1002 in the demo: %s %s", a.ProviderID, b.ProviderID)
	}
	ftp := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, a.ProviderID, a.ClaimIDs[0])
	e.openAndDecide("H1002", []string{a.FlagID}, map[string]any{"decision": "confirm", "findings": []map[string]any{{
		"type": "fabricated_service", "claim_ids": a.ClaimIDs[:1], "fine": ftp.Mul(decimal.NewFromInt(2)).StringFixed(2),
		"practitioner_ids": []string{"D017"}, "practitioner_points": map[string]int{"D017": 12}}}})
	visit := func(id, date string) []byte {
		return []byte(`[{"claim_id":"` + id + `","provider_id":"H1001","member_id":"M000009","care_type":"outpatient","service_date":"` + date +
			`","diagnoses":["J06.900"],"lines":[{"line_no":1,"item_code":"SRV01","service_date":"` + date +
			`","quantity":"1","unit_price":"30.00","amount":"30.00"}],"total":"30.00"}]`)
	}
	result := func(id string) claim.Result {
		t.Helper()
		if r := e.do(http.MethodPost, "/v1/batches?batch_id="+id, "hospital:H1001", "application/json", visit(id, "2026-11-30")); r.status != http.StatusAccepted {
			t.Fatalf("post: %d %s", r.status, r.body)
		}
		v := e.waitBatch(id, "hospital:H1001")
		b, _ := json.Marshal(v.Claims[0])
		var r claim.Result
		json.Unmarshal(b, &r)
		return r
	}
	r := result("OWN-1")
	if r.Status != claim.StatusRejected || !r.HasReason(claim.ReasonProviderBanned) ||
		!strings.Contains(r.Reasons[0].Message, "its owner O-150921-0042 also owns provider H1002, barred for fabricated services until 2029-12-01") {
		t.Errorf("H1001 under its owner's bar: %+v", r)
	}
	if csv := string(e.getCSV("/v1/sanctions", "agency")); !strings.Contains(csv, "H1002,,fabricated_service,art40,") || !strings.Contains(csv, ",2029-12-01,O-150921-0042") {
		t.Errorf("the register lacks the owner:\n%s", csv)
	}
	// D017's single 12 points terminate for three years; in 2027 the year's points reset to
	// 0 and the termination stands: D017's line at H3001 is refused.
	defer e.clock.set(testNow())
	e.clock.set(time.Date(2027, 1, 5, 2, 0, 0, 0, time.UTC))
	var rec struct {
		Status, Until string
		YearPoints    int `json:"year_points"`
	}
	e.get("/v1/practitioners/D017", "agency").decode(t, &rec)
	if rec.Status != "terminated" || rec.Until != "2029-12-01" || rec.YearPoints != 0 {
		t.Errorf("D017 in 2027: %+v", rec)
	}
	body := []byte(`[{"claim_id":"TERM-1","provider_id":"H3001","member_id":"M000002","care_type":"outpatient","service_date":"2027-01-04",` +
		`"diagnoses":["J06.900"],"lines":[{"line_no":1,"item_code":"SRV01","service_date":"2027-01-04","quantity":"1","unit_price":"30.00",` +
		`"amount":"30.00","practitioner_id":"D017"}],"total":"30.00"}]`)
	if r := e.do(http.MethodPost, "/v1/batches?batch_id=TERM-1", "hospital:H3001", "application/json", body); r.status != http.StatusAccepted {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	e.waitBatch("TERM-1", "hospital:H3001")
	var term claim.Result
	e.get("/v1/claims/H3001/TERM-1", "agency").decode(t, &term)
	if term.Refused.StringFixed(2) != "30.00" || !strings.Contains(term.Reasons[0].Message, "practitioner D017 is terminated until 2029-12-01") {
		t.Errorf("D017's line in 2027: %s", term.AppendJSON(nil))
	}
	e.clock.set(time.Date(2029, 12, 2, 2, 0, 0, 0, time.UTC))
	if r := result("OWN-2"); r.Status == claim.StatusRejected {
		t.Errorf("after the bar: %+v", r)
	}
}

// TestWithdrawnBarFreesTheOwner: an appeal withdrawing H1002's fabricated service lifts its
// bar, and the owner's other provider H1001 is paid again.
func TestWithdrawnBarFreesTheOwner(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	a, b := heldFlags(t, e)
	if b.ProviderID == "H1002" {
		a = b
	}
	ftp := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, a.ProviderID, a.ClaimIDs[0])
	caseID := e.openAndDecide("H1002", []string{a.FlagID}, map[string]any{"decision": "confirm", "findings": []map[string]any{{
		"type": "fabricated_service", "claim_ids": a.ClaimIDs[:1], "fine": ftp.Mul(decimal.NewFromInt(2)).StringFixed(2)}}})
	e.post("/v1/cases/"+caseID+"/appeal", "hospital:H1002", map[string]string{"statement": "the visits happened"})
	if r := e.post("/v1/cases/"+caseID+"/appeal/decision", "investigator", map[string]any{"outcome": "amend", "findings": []any{}}); r.status != 200 {
		t.Fatalf("amend: %d %s", r.status, r.body)
	}
	var pv struct {
		Status      string `json:"status"`
		BannedUntil string `json:"banned_until"`
	}
	e.get("/v1/providers/H1002", "agency").decode(t, &pv)
	if pv.Status != "designated" || pv.BannedUntil != "" {
		t.Errorf("H1002 after the withdrawal: %+v", pv)
	}
	body := []byte(`[{"claim_id":"OWN-3","provider_id":"H1001","member_id":"M000009","care_type":"outpatient","service_date":"2026-11-30",` +
		`"diagnoses":["J06.900"],"lines":[{"line_no":1,"item_code":"SRV01","service_date":"2026-11-30","quantity":"1","unit_price":"30.00","amount":"30.00"}],"total":"30.00"}]`)
	if r := e.do(http.MethodPost, "/v1/batches?batch_id=OWN-3", "hospital:H1001", "application/json", body); r.status != http.StatusAccepted {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	v := e.waitBatch("OWN-3", "hospital:H1001")
	if st := v.Claims[0].(map[string]any)["status"]; st == claim.StatusRejected {
		t.Errorf("H1001 after its owner's bar was withdrawn: %+v", v.Claims[0])
	}
	if csv := string(e.getCSV("/v1/sanctions", "agency")); !strings.Contains(csv, "H1002,,fabricated_service,art40,"+caseID+",2026-12-01,,O-150921-0042,,withdrawn,2026-12-01") {
		t.Errorf("the register after the withdrawal:\n%s", csv)
	}
}

// TestAppealWithdrawsFindings: a decision on 2026-12-01 denies a held claim and recovers a
// paid one, giving D017 11 points; December's statement shows the recovery. The hospital
// appeals on 12-10; on 2027-01-05 the investigator withdraws both findings: the held claim
// is released and the recovery given back on January's statement, D017's points are
// reversed (normal again), and the trail shows the appeal and its decision. A second appeal,
// or a second decision of it, is 409.
func TestAppealWithdrawsFindings(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	a, _ := heldFlags(t, e)
	p, held := a.ProviderID, a.ClaimIDs[0]
	var paid string
	if err := e.svc.Store.DB().Get(&paid, `SELECT claim_id FROM claim_results WHERE provider_id = $1 AND status = 'adjudicated'
		AND fund_to_provider > 0 AND period = '2026-12' ORDER BY claim_id LIMIT 1`, p); err != nil {
		paid = "" // the demo has no December claim: one is posted below
	}
	if paid == "" {
		paid = "APPEAL-PAID"
		body := []byte(`[{"claim_id":"` + paid + `","provider_id":"` + p + `","member_id":"M000002","care_type":"outpatient","service_date":"2026-11-30",` +
			`"diagnoses":["J06.900"],"lines":[{"line_no":1,"item_code":"LAB02","service_date":"2026-11-30","quantity":"1","unit_price":"180.00","amount":"180.00"}],"total":"180.00"}]`)
		if r := e.do(http.MethodPost, "/v1/batches?batch_id=AP-1", "hospital:"+p, "application/json", body); r.status != http.StatusAccepted {
			t.Fatalf("post: %d %s", r.status, r.body)
		}
		e.waitBatch("AP-1", "hospital:"+p)
	}
	ftpPaid := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, p, paid)
	ftpHeld := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, p, held)
	caseID := e.openAndDecide(p, []string{a.FlagID}, map[string]any{"decision": "confirm", "findings": []map[string]any{
		{"type": "over_treatment", "claim_ids": []string{paid}, "practitioner_ids": []string{"D017"}, "practitioner_points": map[string]int{"D017": 9},
			"fine": ftpPaid.StringFixed(2)},
		{"type": "duplicate_charge", "claim_ids": []string{held}, "practitioner_ids": []string{"D017"}, "practitioner_points": map[string]int{"D017": 2},
			"fine": ftpHeld.StringFixed(2)}}})
	defer e.clock.set(testNow())
	e.clock.set(time.Date(2026, 12, 10, 2, 0, 0, 0, time.UTC))
	if r := e.post("/v1/cases/"+caseID+"/appeal", "hospital:"+p, map[string]string{"statement": "the services were needed"}); r.status != 200 {
		t.Fatalf("appeal: %d %s\n%s", r.status, r.body, e.log.String())
	}
	if r := e.post("/v1/cases/"+caseID+"/appeal", "hospital:"+p, map[string]string{"statement": "again"}); r.status != http.StatusConflict {
		t.Errorf("a second appeal: %d %s", r.status, r.body)
	}
	e.clock.set(time.Date(2027, 1, 1, 2, 0, 0, 0, time.UTC))
	dec := providerOf(e.closePeriod("2026-12").Statement, p)
	if dec == nil || dec.Recoveries.StringFixed(2) != ftpPaid.StringFixed(2) {
		t.Fatalf("December's statement: %+v", dec)
	}
	e.clock.set(time.Date(2027, 1, 5, 2, 0, 0, 0, time.UTC))
	if r := e.post("/v1/cases/"+caseID+"/appeal/decision", "hospital:"+p, map[string]any{"outcome": "uphold"}); r.status != http.StatusForbidden {
		t.Errorf("a hospital deciding the appeal: %d", r.status)
	}
	if r := e.post("/v1/cases/"+caseID+"/appeal/decision", "investigator", map[string]any{"outcome": "amend", "note": "not shown", "findings": []any{}}); r.status != 200 {
		t.Fatalf("amend: %d %s", r.status, r.body)
	}
	if r := e.post("/v1/cases/"+caseID+"/appeal/decision", "investigator", map[string]any{"outcome": "uphold"}); r.status != http.StatusConflict {
		t.Errorf("deciding the appeal twice: %d %s", r.status, r.body)
	}
	var cv struct {
		PaymentStatus string `json:"payment_status"`
	}
	for _, id := range []string{held, paid} {
		e.get("/v1/claims/"+p+"/"+id, "agency").decode(t, &cv)
		if cv.PaymentStatus != "released" {
			t.Errorf("claim %s after the amendment: %s", id, cv.PaymentStatus)
		}
	}
	var rec struct {
		Status     string
		YearPoints int `json:"year_points"`
		Ledger     []struct {
			Points int
			Kind   string
		}
	}
	e.get("/v1/practitioners/D017", "agency").decode(t, &rec)
	reversed := 0
	for _, l := range rec.Ledger {
		if l.Kind == "reversed" {
			reversed += l.Points
		}
	}
	if rec.Status != "normal" || reversed != -11 {
		t.Errorf("D017 after the amendment: %+v", rec)
	}
	var c struct {
		Events []struct{ Event string }
		Appeal struct{ Outcome string }
	}
	e.get("/v1/cases/"+caseID, "hospital:"+p).decode(t, &c)
	var trail []string
	for _, ev := range c.Events {
		trail = append(trail, ev.Event)
	}
	if strings.Join(trail, ",") != "opened,notified,responded,decided,appealed,appeal_decided" || c.Appeal.Outcome != "amend" {
		t.Errorf("the trail: %v, appeal %+v", trail, c.Appeal)
	}
	// the register keeps the rows, marked amended; D017's shows the case's points reversed to 0.
	if csv := string(e.getCSV("/v1/sanctions", "agency")); !strings.Contains(csv, ",D017,over_treatment,art38,"+caseID+",2026-12-01,,") ||
		!strings.Contains(csv, ",0,normal,2027-01-05\n") {
		t.Errorf("the register after the amendment:\n%s", csv)
	}
	e.clock.set(time.Date(2027, 2, 1, 2, 0, 0, 0, time.UTC))
	jan := providerOf(e.closePeriod("2027-01").Statement, p)
	if want := ftpPaid.Add(ftpHeld).StringFixed(2); jan == nil || jan.Released.StringFixed(2) != want {
		t.Errorf("January's statement: released %v, want %s (the recovery given back and the held claim paid)", jan, want)
	}
}

func fmtIDs(items []struct {
	PractitionerID string `json:"practitioner_id"`
}) string {
	var out []string
	for _, it := range items {
		out = append(out, it.PractitionerID)
	}
	return strings.Join(out, " ")
}

// TestStaffShareSuspendsPayment: a decision suspends D017, D023 and N004, three of H1002's
// five registered staff (0.6, at or above staff_suspend_share 0.3): H1002's payment is
// suspended with a staff_suspended flag and a case the system opens on it, and its next
// claim is held provider_suspended_payment. H2001, where only D017 of seven is, is not.
func TestStaffShareSuspendsPayment(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	a, _ := heldFlags(t, e)
	ftp := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, a.ProviderID, a.ClaimIDs[0])
	e.openAndDecide(a.ProviderID, []string{a.FlagID}, map[string]any{"decision": "confirm", "findings": []map[string]any{{
		"type": "over_treatment", "claim_ids": a.ClaimIDs[:1], "fine": ftp.StringFixed(2), "practitioner_ids": []string{"D017", "D023", "N004"},
		"practitioner_points": map[string]int{"D017": 9, "D023": 9, "N004": 9}}}})
	var pv struct {
		PaymentSuspended bool `json:"payment_suspended"`
	}
	for provider, want := range map[string]bool{"H1002": true, "H2001": false} {
		e.get("/v1/providers/"+provider, "agency").decode(t, &pv)
		if pv.PaymentSuspended != want && !(provider == a.ProviderID && pv.PaymentSuspended) {
			t.Errorf("%s payment suspended %t, want %t", provider, pv.PaymentSuspended, want)
		}
	}
	var flags struct {
		Items []struct {
			FlagID   string `json:"flag_id"`
			Status   string
			Evidence map[string]any
		}
	}
	e.get("/v1/flags?rule=staff_suspended", "investigator").decode(t, &flags)
	if len(flags.Items) != 1 || flags.Items[0].Evidence["share"] != "0.6" || flags.Items[0].Status != "in_case" {
		t.Fatalf("staff_suspended flags: %+v", flags.Items)
	}
	var cases struct {
		Items []struct {
			FlagIDs []string `json:"flag_ids"`
			State   string
			Events  []struct{ By, Role string }
		}
	}
	e.get("/v1/cases?provider_id=H1002&state=open", "investigator").decode(t, &cases)
	if len(cases.Items) != 1 || cases.Items[0].FlagIDs[0] != flags.Items[0].FlagID {
		t.Errorf("the system's case: %+v", cases.Items)
	}
	body := []byte(`[{"claim_id":"STAFF-1","provider_id":"H1002","member_id":"M000003","care_type":"outpatient","service_date":"2026-11-30",` +
		`"diagnoses":["J06.900"],"lines":[{"line_no":1,"item_code":"SRV01","service_date":"2026-11-30","quantity":"1","unit_price":"30.00","amount":"30.00"}],"total":"30.00"}]`)
	if r := e.do(http.MethodPost, "/v1/batches?batch_id=STAFF-1", "hospital:H1002", "application/json", body); r.status != http.StatusAccepted {
		t.Fatalf("post: %d %s", r.status, r.body)
	}
	e.waitBatch("STAFF-1", "hospital:H1002")
	var r claim.Result
	e.get("/v1/claims/H1002/STAFF-1", "agency").decode(t, &r)
	if r.Status != claim.StatusHeld || !r.HasReason(claim.ReasonProviderSuspendedPayment) {
		t.Errorf("H1002's next claim: %s %v", r.Status, r.ReasonCodes())
	}
}
