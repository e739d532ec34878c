package api

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/fraud"
	"medclaims/settlement"
)

func (e *env) closePeriod(period string) closeAnswer {
	e.t.Helper()
	r := e.do("POST", "/v1/periods/"+period+"/close", "agency", "", nil)
	if r.status != 200 {
		e.t.Fatalf("close %s: %d %s", period, r.status, r.body)
	}
	var a closeAnswer
	r.decode(e.t, &a)
	return a
}

func providerOf(doc settlement.Document, id string) *settlement.ProviderDoc {
	for i := range doc.Providers {
		if doc.Providers[i].ProviderID == id {
			return &doc.Providers[i]
		}
	}
	return nil
}

func (e *env) sum(q string, args ...any) decimal.Decimal {
	e.t.Helper()
	var s string
	if err := e.svc.Store.DB().Get(&s, `SELECT COALESCE(sum(x), 0)::text FROM (`+q+`) t(x)`, args...); err != nil {
		e.t.Fatal(err)
	}
	return decimal.RequireFromString(s)
}

// TestPeriodClose: a month of claims through Kafka closed; the statement adds up to the
// stored results plus the adjustments; a second close is unchanged; a late claim gives
// version 2 with exactly its difference; held claims are withheld, released after a
// dismissal in the month of the release, and a confirmed finding's recovery deducted; the
// CSV parses.
func TestPeriodClose(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	const period = "2026-03"
	a := e.closePeriod(period)
	doc := a.Statement
	if a.Unchanged || doc.Version != 1 || len(doc.Providers) == 0 {
		t.Fatalf("first close: %+v", a)
	}
	// Σ fund_to_provider by method (capitation aside) = the stored adjudicated results of the period.
	var byMethod, net, parts decimal.Decimal
	for _, p := range doc.Providers {
		for k, v := range p.ByMethod {
			if k != "capitation" {
				byMethod = byMethod.Add(v.Dec())
			}
		}
		n := p.Released.Dec().Sub(p.Recoveries.Dec())
		for _, v := range p.ByMethod {
			n = n.Add(v.Dec())
		}
		if p.Capitation != nil {
			n = n.Add(p.Capitation.Amount.Dec())
			if c := p.ByMethod["capitation"]; c == nil || !c.Dec().IsZero() {
				t.Errorf("%s: by-method capitation %v, want the visits' 0.00 (the per-head amount is capitation.amount)", p.ProviderID, c)
			}
		}
		if p.DRG != nil {
			n = n.Add(p.DRG.Adjustment.Dec())
		}
		if !n.Equal(p.NetPayable.Dec()) {
			t.Errorf("%s: net payable %s, its parts add up to %s", p.ProviderID, p.NetPayable, n)
		}
		net, parts = net.Add(p.NetPayable.Dec()), parts.Add(n)
	}
	stored := e.sum(`SELECT r.fund_to_provider FROM claim_results r JOIN providers p USING (provider_id) WHERE r.period = $1 AND r.status = 'adjudicated'
		AND r.method <> 'capitation' AND NOT (p.status = 'terminated' AND p.banned_until > $2)`, period, testNow())
	if !byMethod.Equal(stored) {
		t.Errorf("statement by method %s, stored results %s", byMethod, stored)
	}
	// Closing again with nothing new.
	if again := e.closePeriod(period); !again.Unchanged || again.Statement.Version != 1 {
		t.Errorf("second close: unchanged %v version %d", again.Unchanged, again.Statement.Version)
	}
	// A late claim of the period: version 2 with exactly its difference.
	late := `[{"claim_id":"H3001-LATE","provider_id":"H3001","member_id":"M000002","care_type":"outpatient","service_date":"2026-03-25",` +
		`"lines":[{"line_no":1,"item_code":"LAB02","category":"lab","service_date":"2026-03-25","quantity":"1","unit_price":"1000.00","amount":"1000.00"}],"total":"1000.00"}]`
	if r := e.do("POST", "/v1/batches?batch_id=B-LATE", "hospital:H3001", "application/json", []byte(late)); r.status != 202 {
		t.Fatalf("late claim: %d %s", r.status, r.body)
	}
	e.waitBatch("B-LATE", "hospital:H3001")
	lateFTP := e.sum(`SELECT fund_to_provider FROM claim_results WHERE claim_id = 'H3001-LATE'`)
	v2 := e.closePeriod(period).Statement
	if v2.Version != 2 {
		t.Fatalf("after a late claim: version %d", v2.Version)
	}
	for _, p := range v2.Providers {
		before := providerOf(doc, p.ProviderID)
		diff := p.NetPayable.Dec()
		if before != nil {
			diff = diff.Sub(before.NetPayable.Dec())
		}
		want := decimal.Zero
		if p.ProviderID == "H3001" {
			want = lateFTP
		}
		if !diff.Equal(want) {
			t.Errorf("%s: version 2 differs by %s, want %s", p.ProviderID, diff, want)
		}
	}
	// The CSV: a header, one row per claim, a totals row per provider.
	body := e.getCSV("/v1/statements?period="+period, "agency")
	if !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Error("the CSV has no byte-order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	lines := 0
	for _, p := range v2.Providers {
		lines += len(p.ClaimList) + 1
	}
	if strings.Join(rows[0], ",") != "period,version,provider_id,claim_id,method,fund_to_provider,payment_status,net_payable" || len(rows) != lines+1 {
		t.Errorf("CSV: %d rows, want %d; header %v", len(rows), lines+1, rows[0])
	}
	// A hospital reads its own part only; an unknown period is 404; a bad one 400.
	var own settlement.Document
	e.get("/v1/statements?period="+period, "hospital:H3001").decode(t, &own)
	if len(own.Providers) != 1 || own.Providers[0].ProviderID != "H3001" {
		t.Errorf("the hospital's statement: %+v", own.Providers)
	}
	for _, c := range []struct {
		path, role string
		status     int
	}{{"/v1/statements?period=2025-01", "agency", 404}, {"/v1/statements?period=2026-13", "agency", 400},
		{"/v1/statements?period=" + period + "&provider_id=H2001", "hospital:H3001", 403}, {"/v1/statements?period=" + period, "investigator", 403}} {
		if r := e.get(c.path, c.role); r.status != c.status {
			t.Errorf("%s as %s: %d %s", c.path, c.role, r.status, r.body)
		}
	}
	if r := e.do("POST", "/v1/periods/2026-3/close", "agency", "", nil); r.status != 400 {
		t.Errorf("a bad period: %d", r.status)
	}
	if r := e.do("POST", "/v1/periods/"+period+"/close?dry_run=true", "agency", "", nil); r.status != 200 {
		t.Errorf("dry run: %d", r.status)
	}
	holdsAndRecoveries(t, e)
	yearEndWithoutDecemberClaims(t, e)
}

// yearEndWithoutDecemberClaims: the sample year has no December claims; the 2026-12 close
// still settles the global budget of every provider with a provider_year budget.
func yearEndWithoutDecemberClaims(t *testing.T, e *env) {
	if n := e.sum(`SELECT 1 FROM claim_results WHERE period = '2026-12'`); !n.IsZero() {
		t.Fatalf("%s claims in 2026-12; this check wants none", n)
	}
	dec := e.closePeriod("2026-12").Statement
	for _, id := range []string{"H2001", "H3001"} {
		p := providerOf(dec, id)
		if p == nil || p.GlobalBudget == nil || p.GlobalBudget.Year != 2026 || !p.GlobalBudget.Actual.Dec().IsPositive() || p.Claims != 0 {
			t.Errorf("2026-12, %s: %+v", id, p)
		}
	}
}

// holdsAndRecoveries: a held claim is withheld in its period; dismissed in January it is
// paid in January's statement; a confirmed finding's recovery is deducted there.
func holdsAndRecoveries(t *testing.T, e *env) {
	held, other := heldFlags(t, e)
	var heldPeriod string
	e.svc.Store.DB().Get(&heldPeriod, `SELECT period FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, other.ProviderID, other.ClaimIDs[0])
	doc := e.closePeriod(heldPeriod).Statement
	p := providerOf(doc, other.ProviderID)
	heldFTP := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, other.ProviderID, other.ClaimIDs[0])
	if p == nil || p.Withheld.Dec().LessThan(heldFTP) {
		t.Fatalf("the held claim is not withheld in %s: %+v", heldPeriod, p)
	}
	// January: dismiss the other's case, confirm a finding on one of held's provider's paid claims.
	e.clock.set(time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC))
	defer e.clock.set(testNow())
	decide := func(f fraud.Flag, decision map[string]any) {
		var c struct {
			CaseID string `json:"case_id"`
		}
		e.post("/v1/cases", "investigator", map[string]any{"provider_id": f.ProviderID, "flag_ids": []string{f.FlagID}}).decode(t, &c)
		for _, s := range []struct {
			path, role string
			body       any
		}{{"notice", "investigator", map[string]string{}},
			{"response", "hospital:" + f.ProviderID, map[string]string{"statement": "s"}}, {"decision", "investigator", decision}} {
			if r := e.post("/v1/cases/"+c.CaseID+"/"+s.path, s.role, s.body); r.status != 200 {
				t.Fatalf("%s: %d %s", s.path, r.status, r.body)
			}
		}
	}
	decide(other, map[string]any{"decision": "dismiss"})
	var paidID string
	e.svc.Store.DB().Get(&paidID, `SELECT claim_id FROM claim_results WHERE provider_id = $1 AND status = 'adjudicated' AND fund_to_provider > 0
		ORDER BY claim_id LIMIT 1`, held.ProviderID)
	paidFTP := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = $1 AND claim_id = $2`, held.ProviderID, paidID)
	decide(held, map[string]any{"decision": "confirm", "findings": []map[string]any{{"type": "duplicate_charge",
		"claim_ids": []string{paidID}, "fine": paidFTP.StringFixed(2)}}})
	jan := e.closePeriod("2027-01").Statement
	if r := providerOf(jan, other.ProviderID); r == nil || !r.Released.Dec().Equal(heldFTP) || !r.NetPayable.Dec().Equal(heldFTP) {
		t.Errorf("January, %s: released %v (want %s)", other.ProviderID, r, heldFTP)
	}
	// The case's held claim no finding names is released with the confirmation (and paid now).
	if r := providerOf(jan, held.ProviderID); r == nil || !r.Recoveries.Dec().Equal(paidFTP) || !r.NetPayable.Dec().Equal(r.Released.Dec().Sub(paidFTP)) {
		t.Errorf("January, %s: recoveries %v (want %s)", held.ProviderID, r, paidFTP)
	}
	// The held period re-closed: the released claim is listed released, not paid twice.
	again := e.closePeriod(heldPeriod).Statement
	r := providerOf(again, other.ProviderID)
	status := ""
	for _, l := range r.ClaimList {
		if l.ClaimID == other.ClaimIDs[0] {
			status = l.PaymentStatus
		}
	}
	// The year's paid amounts for a December close count the released hold.
	paid, err := e.svc.Store.YearPaid(context.Background(), "2026-12")
	if err != nil {
		t.Fatal(err)
	}
	adjudicated := e.sum(`SELECT fund_to_provider FROM claim_results WHERE provider_id = $1 AND period LIKE '2026-%' AND period <> '2026-12'
		AND status = 'adjudicated' AND method <> 'capitation'`, other.ProviderID)
	if want := adjudicated.Add(heldFTP); !paid[other.ProviderID].Equal(want) {
		t.Errorf("the year's paid amount of %s: %s, want %s (the released hold included)", other.ProviderID, paid[other.ProviderID], want)
	}
	if _, err := e.svc.Store.YearDRGAdjustments(context.Background(), "2026-12"); err != nil {
		t.Fatal(err)
	}
	if again.Version != 2 || !r.Released.Dec().IsZero() || status != "released" || !r.Withheld.Dec().Add(heldFTP).Equal(p.Withheld.Dec()) {
		t.Errorf("re-closed %s: version %d, released %s, the claim %q, withheld %s (was %s)", heldPeriod, again.Version, r.Released, status, r.Withheld, p.Withheld)
	}
}
