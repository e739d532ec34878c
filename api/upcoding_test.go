package api

import (
	"strings"
	"testing"
	"time"

	"medclaims/fraud"
)

// TestUpcodingRecoversTheOverpayment (FRAUD.md §5, §8.5): the demo's upcoded stay
// H3001-2026-000206 (GZ13 on two injuries no exam shows; GZ15 without them) is flagged
// unsupported_cc with its overpayment; a confirmed upcoding finding recovers that
// overpayment and nothing more, and the statement of the decision's month deducts it and
// lists the claim recovered by that amount. By hand: GZ13 7902.73 − GZ15 6281.66 = 1621.07
// (payment.TestUnsupportedCCOverpayment prices both).
func TestUpcodingRecoversTheOverpayment(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	var all flagList
	e.get("/v1/flags?rule=unsupported_cc&limit=50", "investigator").decode(t, &all)
	if len(all.Items) != 1 {
		t.Fatalf("unsupported_cc flags: %+v", all.Items)
	}
	f := all.Items[0]
	if f.ProviderID != "H3001" || f.ClaimIDs[0] != "H3001-2026-000206" || f.Evidence["overpayment"] != "1621.07" ||
		f.Evidence["drg_regrouped"] != "GZ15" || f.Evidence["standard"] != "7902.73" {
		t.Fatalf("flag %+v", f)
	}
	ftp := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = 'H3001' AND claim_id = 'H3001-2026-000206'`)
	// A finding that claims more than the overpayment's fine range is refused: the range is 1–2× 1621.07.
	bad := e.openCase("H3001", f.FlagID)
	if r := e.post("/v1/cases/"+bad+"/decision", "investigator", map[string]any{"decision": "confirm", "findings": []map[string]any{{
		"type": "upcoding", "claim_ids": []string{f.ClaimIDs[0]}, "fine": ftp.StringFixed(2)}}}); r.status != 400 || !strings.Contains(string(r.body), "1621.07–3242.14") {
		t.Fatalf("a fine of the whole fund share (%s): %d %s", ftp, r.status, r.body)
	}
	e.clock.set(time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC))
	defer e.clock.set(testNow())
	var c fraud.Case
	if r := e.post("/v1/cases/"+bad+"/decision", "investigator", map[string]any{"decision": "confirm", "findings": []map[string]any{{
		"type": "upcoding", "claim_ids": []string{f.ClaimIDs[0]}, "fine": "1621.07"}}}); r.status != 200 {
		t.Fatalf("decide: %d %s", r.status, r.body)
	} else {
		r.decode(t, &c)
	}
	if fd := c.Findings[0]; fd.Article != "art38" || fd.Recovery.String() != "1621.07" {
		t.Errorf("finding %+v", fd)
	}
	var cv claimView
	e.get("/v1/claims/H3001/H3001-2026-000206", "agency").decode(t, &cv)
	if cv.PaymentStatus != "recovered" {
		t.Errorf("payment status %q", cv.PaymentStatus)
	}
	jan := e.closePeriod("2027-01").Statement
	p := providerOf(jan, "H3001")
	if p == nil || p.Recoveries.String() != "1621.07" || p.NetPayable.String() != "-1621.07" {
		t.Fatalf("January, H3001: %+v", p)
	}
	oct := e.closePeriod("2026-10").Statement
	for _, l := range providerOf(oct, "H3001").ClaimList {
		if l.ClaimID == "H3001-2026-000206" && (l.PaymentStatus != "recovered" || l.Recovered == nil || l.Recovered.String() != "1621.07" ||
			!l.FundToProvider.Dec().Equal(ftp)) {
			t.Errorf("October's line %+v", l)
		}
	}
}

// openCase opens a case on flags, notifies the provider and records its response: the case
// is ready for a decision.
func (e *env) openCase(providerID string, flagIDs ...string) string {
	e.t.Helper()
	var c fraud.Case
	if r := e.post("/v1/cases", "investigator", map[string]any{"provider_id": providerID, "flag_ids": flagIDs}); r.status != 201 {
		e.t.Fatalf("open a case on %v: %d %s", flagIDs, r.status, r.body)
	} else {
		r.decode(e.t, &c)
	}
	for _, s := range []struct {
		path, role string
		body       any
	}{{"notice", "investigator", map[string]string{}}, {"response", "hospital:" + providerID, map[string]string{"statement": "s"}}} {
		if r := e.post("/v1/cases/"+c.CaseID+"/"+s.path, s.role, s.body); r.status != 200 {
			e.t.Fatalf("case %s %s: %d %s", c.CaseID, s.path, r.status, r.body)
		}
	}
	return c.CaseID
}
