package settlement

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/policy"
)

// TestCloseDecember: a December close adds the global-budget outcome of a provider with a
// provider_year budget: A = the other months' paid fund_to_provider and DRG adjustments plus
// December's, capitation excluded.
func TestCloseDecember(t *testing.T) {
	bundle := &policy.Bundle{Version: "2026.1", Members: map[string]*policy.Member{}, Schemes: map[string]*policy.Scheme{},
		Budgets: []policy.Budget{{Kind: "provider_year", Key: "H2001", Period: "2026", Amount: d("10000.00")},
			{Kind: "drg_region", Key: "150902", Period: "2026-12", Amount: d("900.00")}},
		GlobalBudget: policy.GlobalBudget{RetentionRatio: d("0.5"), RetentionCap: d("0.1"), OverspendBand: d("0.1"), OverspendShare: d("0.5")}}
	providers := map[string]*policy.Provider{"H2001": {ID: "H2001", Region: "150902", Status: policy.Designated},
		"H1001": {ID: "H1001", Region: "150902", Status: policy.Designated}}
	claims := []PeriodClaim{
		{ProviderID: "H2001", ClaimLine: ClaimLine{ClaimID: "D1", Method: "drg", FundToProvider: d("800.00"), MemberPays: d("200.00"), Points: d("100.0000")}},
		{ProviderID: "H2001", ClaimLine: ClaimLine{ClaimID: "F1", Method: "ffs", FundToProvider: d("300.00")}},
		{ProviderID: "H2001", ClaimLine: ClaimLine{ClaimID: "F2", Method: "ffs", Held: true, FundToProvider: d("50.00")}},
		{ProviderID: "H1001", ClaimLine: ClaimLine{ClaimID: "F3", Method: "ffs", FundToProvider: d("10.00")}},
	}
	doc := Close(CloseInput{Period: "2026-12", Month: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), PolicyVersion: "2026.1", Bundle: bundle,
		Providers: providers, Claims: claims, YearActual: map[string]decimal.Decimal{"H2001": d("8000.00")},
		YearDRGAdjust: map[string]decimal.Decimal{"H2001": d("-100.00")}, Now: time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)})
	// Point value: (900.00 + 200.00) / 100 = 11.0000; H2001 DRG payment 100 × 11 − 200 = 900.00, adjustment +100.00.
	if len(doc.Regions) != 1 || doc.Regions[0].PointValue.StringFixed(4) != "11.0000" {
		t.Fatalf("regions %+v", doc.Regions)
	}
	p := doc.Providers[1]
	if p.ProviderID != "H2001" || p.DRG.Adjustment.String() != "100.00" {
		t.Fatalf("H2001 %+v", p)
	}
	// A = 8000.00 − 100.00 (earlier months) + 100.00 (December's adjustment) + 800.00 + 300.00 (the held F2 is not paid) = 9100.00.
	// Surplus 900.00 × 0.5 = 450.00 ≤ cap 1000.00: final 9550.00, adjustment +450.00.
	g := p.GlobalBudget
	if g == nil || g.Year != 2026 || g.Actual.String() != "9100.00" || g.Final.String() != "9550.00" || g.Adjustment.String() != "450.00" {
		t.Fatalf("global budget %+v", g)
	}
	// net = 800.00 + 300.00 + 100.00 (DRG) + 450.00 (global) = 1650.00; F2 withheld 50.00.
	if p.NetPayable.String() != "1650.00" || p.Withheld.String() != "50.00" {
		t.Errorf("H2001 net %s withheld %s", p.NetPayable, p.Withheld)
	}
	// H1001 has no provider_year budget: no global-budget line.
	if h := doc.Providers[0]; h.ProviderID != "H1001" || h.GlobalBudget != nil || h.NetPayable.String() != "10.00" {
		t.Errorf("H1001 %+v", h)
	}
}
