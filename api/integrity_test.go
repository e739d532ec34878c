package api

import (
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// openAndDecide opens a case on flags of a provider, notifies it, lets the hospital respond
// and decides; it returns the case id.
func (e *env) openAndDecide(providerID string, flagIDs []string, decision map[string]any) string {
	e.t.Helper()
	id := e.openCase(providerID, flagIDs...)
	if r := e.post("/v1/cases/"+id+"/decision", "investigator", decision); r.status != 200 {
		e.t.Fatalf("case %s decision: %d %s\n%s", id, r.status, r.body, e.log.String())
	}
	return id
}

// addFlag stores an open claim flag naming claims of a provider, as the fraud stage would.
func (e *env) addFlag(id, providerID, rule string, claimIDs ...string) {
	e.t.Helper()
	if _, err := e.svc.Store.DB().Exec(`INSERT INTO fraud_flags (flag_id, provider_id, claim_ids, rule, level, score, severity, status, evidence, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'claim', 0.9, 'high', 'open', '{}', now(), now())`, id, providerID, "{"+strings.Join(claimIDs, ",")+"}", rule); err != nil {
		e.t.Fatal(err)
	}
}

// TestDenialStandsAgainstAnotherCasesDismissal: case K1 confirms over_treatment on the held
// claim DC-1 (denied); case K2 names DC-1 too, through a duplicate_charge flag on DC-2, and
// is dismissed. DC-1 stays denied, its denial is still in the payment ledger, and no later
// statement pays it.
func TestDenialStandsAgainstAnotherCasesDismissal(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	held, _ := heldFlags(t, e)
	p, dc1 := held.ProviderID, held.ClaimIDs[0]
	var dc2, period string
	e.svc.Store.DB().Get(&dc2, `SELECT claim_id FROM claim_results WHERE provider_id = $1 AND claim_id <> $2 AND status <> 'voided' ORDER BY claim_id LIMIT 1`, p, dc1)
	e.svc.Store.DB().Get(&period, `SELECT period FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, p, dc1)
	e.addFlag("F-DUP-TEST", p, "duplicate_charge", dc2, dc1)
	ftp := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, p, dc1)
	k1 := e.openAndDecide(p, []string{held.FlagID}, map[string]any{"decision": "confirm", "findings": []map[string]any{{"type": "over_treatment",
		"claim_ids": []string{dc1}, "fine": ftp.StringFixed(2)}}})
	e.clock.set(testNow().AddDate(0, 1, 0))
	defer e.clock.set(testNow())
	k2 := e.openAndDecide(p, []string{"F-DUP-TEST"}, map[string]any{"decision": "dismiss"})
	var cv claimView
	e.get("/v1/claims/"+p+"/"+dc1, "agency").decode(t, &cv)
	if cv.PaymentStatus != "denied" {
		t.Errorf("DC-1 after K2's dismissal: payment %q, want denied", cv.PaymentStatus)
	}
	var events []string
	e.svc.Store.DB().Select(&events, `SELECT event || ' by ' || case_id FROM claim_payment_events WHERE provider_id = $1 AND claim_id = $2 ORDER BY id`, p, dc1)
	if len(events) != 1 || events[0] != "denied by "+k1 {
		t.Errorf("DC-1's payment ledger: %v (K1 %s, K2 %s)", events, k1, k2)
	}
	for _, month := range []string{period, "2026-12", "2027-01"} {
		doc := e.closePeriod(month).Statement
		for _, pd := range doc.Providers {
			for _, l := range pd.ClaimList {
				if l.ClaimID == dc1 && pd.ProviderID == p && l.PaymentStatus != "denied" {
					t.Errorf("%s: DC-1 listed %q", month, l.PaymentStatus)
				}
			}
			if pd.ProviderID == p && month != period && pd.Released.Dec().GreaterThanOrEqual(ftp) && ftp.IsPositive() {
				t.Errorf("%s: %s released %s (DC-1 is %s)", month, p, pd.Released, ftp)
			}
		}
	}
	if _, err := e.svc.Store.DB().Exec(`UPDATE claim_payment_events SET event = 'released' WHERE claim_id = $1`, dc1); err == nil {
		t.Error("the payment ledger took an UPDATE")
	}
}

// TestOneFlagOneCase: eight investigators open a case on one flag at once; exactly one
// case holds it, the others are 409.
func TestOneFlagOneCase(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	held, _ := heldFlags(t, e)
	var wg sync.WaitGroup
	codes := make([]int, 8)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = e.post("/v1/cases", "investigator", map[string]any{"provider_id": held.ProviderID, "flag_ids": []string{held.FlagID}}).status
		}()
	}
	wg.Wait()
	created := 0
	for _, c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
		default:
			t.Errorf("an opening answered %d", c)
		}
	}
	var cases int
	e.svc.Store.DB().Get(&cases, `SELECT count(*) FROM fraud_cases WHERE $1 = ANY(flag_ids)`, held.FlagID)
	if created != 1 || cases != 1 {
		t.Errorf("8 parallel openings: %d created (%v), %d cases hold the flag", created, codes, cases)
	}
	db := e.svc.Store.DB()
	if _, err := db.Exec(`INSERT INTO fraud_cases (case_id, provider_id, state, flag_ids, claim_ids, opened_at, updated_at)
		VALUES ('K-SECOND', $1, 'open', '{}', '{}', now(), now())`, held.ProviderID); err != nil {
		t.Fatal(err)
	}
	_, err := db.Exec(`INSERT INTO case_flags (case_id, flag_id) VALUES ('K-SECOND', $1)`, held.FlagID)
	if err == nil || !strings.Contains(err.Error(), "case_flags_one_undecided") {
		t.Errorf("a flag into a second undecided case, past the service: %v", err)
	}
}

// TestDecisionDatesAreBeijingDates: a bar decided at 03:00 Beijing time on 6 December runs
// until 6 December three years on, and the register dates the decision the 6th.
func TestDecisionDatesAreBeijingDates(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	held, _ := heldFlags(t, e)
	e.clock.set(time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC))
	defer e.clock.set(testNow())
	ftp := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, held.ProviderID, held.ClaimIDs[0])
	e.openAndDecide(held.ProviderID, []string{held.FlagID}, map[string]any{"decision": "confirm", "findings": []map[string]any{{
		"type": "fabricated_service", "claim_ids": held.ClaimIDs[:1], "fine": ftp.Mul(decimal.NewFromInt(3)).StringFixed(2)}}})
	var pv struct {
		BannedUntil string `json:"banned_until"`
	}
	e.get("/v1/providers/"+held.ProviderID, "agency").decode(t, &pv)
	if pv.BannedUntil != "2029-12-06" {
		t.Errorf("banned_until %s, want 2029-12-06", pv.BannedUntil)
	}
	body := e.getCSV("/v1/sanctions", "agency")
	if !strings.Contains(string(body), ",2026-12-06,2029-12-06") {
		t.Errorf("the register:\n%s", body)
	}
}
