package api

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/fraud"
)

// readTopic reads n messages from every partition of a topic, waiting up to 30 s.
func readTopic(t *testing.T, e *env, topic string, n int) [][]byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out [][]byte
	for len(out) < n {
		for part := range 2 {
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: e.svc.Brokers, Topic: topic, Partition: part, MaxWait: 100 * time.Millisecond})
			r.SetOffset(kafka.FirstOffset)
			for {
				pctx, pcancel := context.WithTimeout(ctx, 300*time.Millisecond)
				m, err := r.ReadMessage(pctx)
				pcancel()
				if err != nil {
					break
				}
				out = append(out, m.Value)
			}
			r.Close()
		}
		if len(out) >= n || ctx.Err() != nil {
			break
		}
		out = out[:0]
	}
	if len(out) < n {
		t.Fatalf("%s: %d messages, want %d", topic, len(out), n)
	}
	return out
}

func (e *env) post(path, role string, body any) response {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(http.MethodPost, path, role, "application/json", b)
}

// heldFlags finds two open flags whose first claims are held, of two providers.
func heldFlags(t *testing.T, e *env) (held fraud.Flag, other fraud.Flag) {
	t.Helper()
	var all flagList
	e.get("/v1/flags?status=open&limit=500", "investigator").decode(t, &all)
	var found []fraud.Flag
	for _, f := range all.Items {
		var cv claimView
		if r := e.get("/v1/claims/"+f.ProviderID+"/"+f.ClaimIDs[0], "agency"); r.status == 200 {
			r.decode(t, &cv)
		}
		if cv.Status == claim.StatusHeld && (len(found) == 0 || found[0].ProviderID != f.ProviderID) && len(found) < 2 {
			found = append(found, f)
		}
	}
	if len(found) < 2 {
		t.Fatalf("the demo batch does not give held claims' flags of two providers: %+v", all.Items)
	}
	return found[0], found[1]
}

// TestCaseNamesOnlyItsProvidersClaims: an overlapping_stay flag names the other hospital's
// stay; the case opened on it lists only the flagged provider's claim, for the investigator
// and for the hospital.
func TestCaseNamesOnlyItsProvidersClaims(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	var all flagList
	e.get("/v1/flags?status=open&rule=overlapping_stay", "investigator").decode(t, &all)
	if len(all.Items) == 0 || len(all.Items[0].ClaimIDs) < 2 {
		t.Fatalf("the demo batch gives no overlapping_stay flag naming another stay: %+v", all.Items)
	}
	f := all.Items[0]
	r := e.post("/v1/cases", "investigator", map[string]any{"provider_id": f.ProviderID, "flag_ids": []string{f.FlagID}})
	var kase fraud.Case
	r.decode(t, &kase)
	if r.status != 201 || !slices.Equal(kase.ClaimIDs, f.ClaimIDs[:1]) {
		t.Fatalf("open on %v: %d, claims %v, want %v", f.ClaimIDs, r.status, kase.ClaimIDs, f.ClaimIDs[:1])
	}
	seen := e.get("/v1/cases/"+kase.CaseID, "hospital:"+f.ProviderID)
	for _, other := range f.ClaimIDs[1:] {
		if seen.status != 200 || strings.Contains(string(seen.body), other) {
			t.Errorf("the hospital's view of the case names %s: %d %s", other, seen.status, seen.body)
		}
	}
}

// TestCaseWorkflow: an investigator opens a case on a held claim's flag, notifies; the
// hospital responds; the investigator confirms fabricated_service: the provider is barred
// for three years from the decision date, the held claim is denied, the audit trail has
// every step, and the provider's next claim is rejected provider_banned. A dismissed case
// releases its held claims. Every refused move answers with its status and reason.
func TestCaseWorkflow(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	held, other := heldFlags(t, e)
	p := held.ProviderID
	hosp := "hospital:" + p
	open := map[string]any{"provider_id": p, "flag_ids": []string{held.FlagID}, "note": "beds billed twice"}
	for _, c := range []struct {
		role   string
		body   any
		status int
	}{
		{hosp, open, 403}, {"agency", open, 403},
		{"investigator", map[string]any{"provider_id": p, "flag_ids": []string{"F-nope"}}, 400},
		{"investigator", map[string]any{"provider_id": other.ProviderID, "flag_ids": []string{held.FlagID}}, 400},
		{"investigator", map[string]any{"provider_id": p, "flag_ids": []string{held.FlagID}, "colour": "red"}, 400},
	} {
		if r := e.post("/v1/cases", c.role, c.body); r.status != c.status {
			t.Errorf("open as %s with %v: %d %s, want %d", c.role, c.body, r.status, r.body, c.status)
		}
	}
	r := e.post("/v1/cases", "investigator", open)
	var kase fraud.Case
	r.decode(t, &kase)
	if r.status != 201 || kase.State != fraud.CaseOpen || kase.CaseID == "" {
		t.Fatalf("open: %d %s", r.status, r.body)
	}
	id := kase.CaseID
	if r := e.post("/v1/cases", "investigator", open); r.status != 409 || !strings.Contains(string(r.body), "in_case") {
		t.Errorf("the same flag again: %d %s", r.status, r.body)
	}
	steps := []struct {
		name, role, path string
		body             any
		status           int
		why              string
	}{
		{"respond before notice", hosp, "response", map[string]string{"statement": "x"}, 409, "not been notified"},
		{"decide before notice", "investigator", "decision", map[string]string{"decision": "dismiss"}, 409, "notify the provider first"},
		{"agency notifies", "agency", "notice", map[string]string{}, 403, "may not"},
		{"hospital notifies", hosp, "notice", map[string]string{}, 403, "may not"},
		{"notify", "investigator", "notice", map[string]string{"note": "allegation sent"}, 200, ""},
		{"decide before the deadline", "investigator", "decision", map[string]string{"decision": "dismiss"}, 409, "may respond until 2026-12-16"},
		{"another hospital responds", "hospital:" + other.ProviderID, "response", map[string]string{"statement": "x"}, 404, "no case"},
		{"empty statement", hosp, "response", map[string]string{"statement": " "}, 400, "empty"},
		{"respond", hosp, "response", map[string]string{"statement": "the stays were real"}, 200, ""},
		{"respond twice", hosp, "response", map[string]string{"statement": "again"}, 409, "already responded"},
		{"hospital decides", hosp, "decision", map[string]string{"decision": "dismiss"}, 403, "may not"},
	}
	for _, s := range steps {
		r := e.post("/v1/cases/"+id+"/"+s.path, s.role, s.body)
		if r.status != s.status || (s.why != "" && !strings.Contains(string(r.body), s.why)) {
			t.Errorf("%s: %d %s, want %d %q", s.name, r.status, r.body, s.status, s.why)
		}
	}
	// The money: the held claim's fund share is the recovery; Art. 40 fine 2–5×.
	var cv claimView
	e.get("/v1/claims/"+p+"/"+held.ClaimIDs[0], "agency").decode(t, &cv)
	recovery := cv.FundToProvider.Dec()
	finding := func(fine decimal.Decimal) map[string]any {
		return map[string]any{"decision": "confirm", "note": "fabricated", "findings": []map[string]any{{"type": "fabricated_service",
			"claim_ids": []string{held.ClaimIDs[0]}, "practitioner_ids": []string{"D017"}, "fine": fine.StringFixed(2)}}}
	}
	if r := e.post("/v1/cases/"+id+"/decision", "investigator", finding(recovery.Mul(decimal.NewFromInt(6)).Add(decimal.NewFromInt(1)))); r.status != 400 ||
		!strings.Contains(string(r.body), "outside") {
		t.Errorf("a fine over 5×: %d %s", r.status, r.body)
	}
	r = e.post("/v1/cases/"+id+"/decision", "investigator", finding(recovery.Mul(decimal.NewFromInt(3))))
	r.decode(t, &kase)
	if r.status != 200 || kase.State != fraud.CaseDecided || kase.Decision != "confirm" || len(kase.Findings) != 1 ||
		kase.Findings[0].Recovery.String() != recovery.StringFixed(2) || kase.Findings[0].Article != "art40" {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	if r := e.post("/v1/cases/"+id+"/decision", "investigator", map[string]string{"decision": "dismiss"}); r.status != 409 {
		t.Errorf("decide twice: %d %s", r.status, r.body)
	}
	e.get("/v1/cases/"+id, hosp).decode(t, &kase)
	var trail []string
	for _, ev := range kase.Events {
		trail = append(trail, ev.Event+" by "+ev.Role)
	}
	if got := strings.Join(trail, ", "); got != "opened by investigator, notified by investigator, responded by hospital, decided by investigator" {
		t.Errorf("audit trail: %s", got)
	}
	// The bar: terminated from the decision date for three years; the held claim denied.
	var pv struct {
		Status      string `json:"status"`
		BannedUntil string `json:"banned_until"`
	}
	e.get("/v1/providers/"+p, "agency").decode(t, &pv)
	if pv.Status != "terminated" || pv.BannedUntil != "2029-12-01" {
		t.Errorf("provider after the confirmation: %+v", pv)
	}
	e.get("/v1/claims/"+p+"/"+held.ClaimIDs[0], "agency").decode(t, &cv)
	if cv.PaymentStatus != "denied" {
		t.Errorf("the held claim's payment: %q", cv.PaymentStatus)
	}
	var outbox int
	e.svc.Store.DB().Get(&outbox, `SELECT count(*) FROM event_outbox WHERE topic = 'providers.status' AND key = $1`, p)
	if outbox != 1 {
		t.Errorf("%d providers.status events queued for %s", outbox, p)
	}
	// Its next claim is rejected provider_banned, naming the date.
	next := fmt.Sprintf(`[{"claim_id":"%s-NEXT","provider_id":"%s","member_id":"M000001","care_type":"outpatient","service_date":"2026-11-20",`+
		`"lines":[{"line_no":1,"item_code":"SRV01","category":"service","service_date":"2026-11-20","quantity":"1","unit_price":"30","amount":"30.00"}],"total":"30"}]`, p, p)
	if r := e.do("POST", "/v1/batches?batch_id=B-AFTER-BAR", hosp, "application/json", []byte(next)); r.status != 202 {
		t.Fatalf("post after the bar: %d %s", r.status, r.body)
	}
	v := e.waitBatch("B-AFTER-BAR", hosp)
	var after struct{ Claims []claim.Result }
	e.get("/v1/batches/B-AFTER-BAR", hosp).decode(t, &after)
	if v.Counts["rejected"] != 1 || !after.Claims[0].HasReason(claim.ReasonProviderBanned) || !strings.Contains(after.Claims[0].Reasons[0].Message, "2029-12-01") {
		t.Errorf("the barred provider's next claim: %+v", after.Claims)
	}
	// Once the clock passes the bar the provider is an applicant: every claim it sends then,
	// one of service dates within the bar too (POLICY.md §9.7: the processing date decides),
	// is provider_not_designated, and it is never designated again by itself.
	e.clock.set(testNow().AddDate(3, 0, 1))
	later := strings.ReplaceAll(strings.ReplaceAll(next, "2026-11-20", "2029-12-02"), "-NEXT", "-LATER")
	old := strings.ReplaceAll(next, "-NEXT", "-OLD")
	both := strings.TrimSuffix(later, "]") + "," + strings.TrimPrefix(old, "[")
	if r := e.do("POST", "/v1/batches?batch_id=B-PAST-BAR", hosp, "application/json", []byte(both)); r.status != 202 {
		t.Fatalf("post past the bar: %d %s", r.status, r.body)
	}
	e.waitBatch("B-PAST-BAR", hosp)
	e.get("/v1/batches/B-PAST-BAR", hosp).decode(t, &after)
	for _, c := range after.Claims {
		if !c.HasReason(claim.ReasonProviderNotDesignated) || c.HasReason(claim.ReasonProviderBanned) {
			t.Errorf("claim %s past the bar: %+v", c.ClaimID, c.Reasons)
		}
	}
	if len(after.Claims) != 2 {
		t.Errorf("past the bar: %d claims, want 2", len(after.Claims))
	}
	e.get("/v1/providers/"+p, "agency").decode(t, &pv)
	if pv.Status != "applicant" || pv.BannedUntil != "2029-12-01" {
		t.Errorf("provider past the bar: %+v", pv)
	}
	e.clock.set(testNow())
	// A dismissed case releases its held claims and closes its flags.
	r = e.post("/v1/cases", "investigator", map[string]any{"provider_id": other.ProviderID, "flag_ids": []string{other.FlagID}})
	r.decode(t, &kase)
	id2 := kase.CaseID
	for _, s := range []struct {
		path, role string
		body       any
	}{
		{"notice", "investigator", map[string]string{}},
		{"response", "hospital:" + other.ProviderID, map[string]string{"statement": "explained"}},
		{"decision", "investigator", map[string]string{"decision": "dismiss", "note": "explained"}},
	} {
		if r := e.post("/v1/cases/"+id2+"/"+s.path, s.role, s.body); r.status != 200 {
			t.Fatalf("%s: %d %s", s.path, r.status, r.body)
		}
	}
	var closed flagList
	e.get("/v1/flags?status=dismissed", "agency").decode(t, &closed)
	if len(closed.Items) != 1 || closed.Items[0].FlagID != other.FlagID {
		t.Errorf("dismissed flags: %+v", closed.Items)
	}
	var released claimView
	e.get("/v1/claims/"+other.ProviderID+"/"+other.ClaimIDs[0], "agency").decode(t, &released)
	if released.Status != claim.StatusHeld || released.PaymentStatus != "released" {
		t.Errorf("the held claim %s after a dismissal: %s, payment %q", other.ClaimIDs[0], released.Status, released.PaymentStatus)
	}
	// A clean provider's claims flow untouched throughout.
	clean := strings.ReplaceAll(strings.ReplaceAll(next, p, "H3001"), "M000001", "M000002")
	if r := e.do("POST", "/v1/batches?batch_id=B-CLEAN", "hospital:H3001", "application/json", []byte(clean)); r.status != 202 {
		t.Fatalf("a clean provider's claim: %d %s", r.status, r.body)
	}
	e.waitBatch("B-CLEAN", "hospital:H3001")
	e.get("/v1/batches/B-CLEAN", "hospital:H3001").decode(t, &after)
	if c := after.Claims[0]; c.Status != claim.StatusAdjudicated || len(c.Reasons) != 0 || c.Fraud == nil || c.Fraud.Held {
		t.Errorf("a clean provider's claim: %s %+v %+v", c.Status, c.Reasons, c.Fraud)
	}
	// The events reach fraud.cases (every transition of both cases) and providers.status.
	cases := readTopic(t, e, e.svc.Topics.FraudCases, 8)
	status := readTopic(t, e, e.svc.Topics.ProvidersStatus, 1)
	var decided, bar map[string]any
	for _, m := range cases {
		var ev map[string]any
		json.Unmarshal(m, &ev)
		if ev["case_id"] == id && ev["event"] == "decided" {
			decided = ev
		}
	}
	json.Unmarshal(status[0], &bar)
	if decided == nil || decided["decision"] != "confirm" || decided["by"] == "" || bar["provider_id"] != p || bar["status"] != "terminated" ||
		bar["banned_until"] != "2029-12-01" || bar["case_id"] != id {
		t.Errorf("fraud.cases decided event %v; providers.status %v", decided, bar)
	}
	// The sanction register: the provider and the named practitioner, barred until 2029-12-01.
	var reg struct{ Items []fraud.Sanction }
	e.get("/v1/sanctions", "investigator").decode(t, &reg)
	if len(reg.Items) != 2 || reg.Items[0].ProviderID != p || reg.Items[1].PractitionerID != "D017" || reg.Items[0].Until == nil ||
		reg.Items[0].Until.Format("2006-01-02") != "2029-12-01" || reg.Items[0].CaseID != id {
		t.Errorf("sanction register: %+v", reg.Items)
	}
	csvBody := e.getCSV("/v1/sanctions", "agency")
	// the provider's row carries its bar; D017's, named without points, the person's standing:
	// no points from the case, normal, no end.
	if want := "provider_id,practitioner_id,finding,article,case_id,decided_at,until,owner_id,points,status,amended_at\n" + p + ",,fabricated_service,art40," + id +
		",2026-12-01,2029-12-01,,,terminated,\n" + p + ",D017,fabricated_service,art40," + id + ",2026-12-01,,,0,normal,\n"; string(csvBody) != want {
		t.Errorf("sanctions CSV:\n%s\nwant\n%s", csvBody, want)
	}
	if r := e.get("/v1/sanctions", hosp); r.status != 403 {
		t.Errorf("a hospital reads the register: %d", r.status)
	}
	// Lists: by state; a hospital only its own.
	var list caseList
	e.get("/v1/cases?state=decided", "agency").decode(t, &list)
	if len(list.Items) != 2 {
		t.Errorf("decided cases: %d", len(list.Items))
	}
	e.get("/v1/cases", hosp).decode(t, &list)
	if len(list.Items) != 1 || list.Items[0].ProviderID != p {
		t.Errorf("the hospital's cases: %+v", list.Items)
	}
	for _, c := range []struct {
		path, role string
		status     int
	}{
		{"/v1/cases?provider_id=" + other.ProviderID, hosp, 403}, {"/v1/cases?state=closed", "agency", 400},
		{"/v1/cases/" + id2, hosp, 404}, {"/v1/cases/K-nope", "agency", 404},
	} {
		if r := e.get(c.path, c.role); r.status != c.status {
			t.Errorf("%s as %s: %d %s", c.path, c.role, r.status, r.body)
		}
	}
}
