package settlement

import (
	"testing"

	"github.com/shopspring/decimal"
)

// TestStatement: net payable = Σ fund_to_provider of payable claims + adjustments + released
// − recoveries, capitation's per-head amount in place of its claims' zero.
func TestStatement(t *testing.T) {
	drg := &ProviderDRG{Adjustment: d("1526.98")}
	claims := []ClaimLine{
		{ClaimID: "C1", Method: "drg", FundToProvider: d("3000.00")},
		{ClaimID: "C2", Method: "drg", FundToProvider: d("4056.00")},
		{ClaimID: "C3", Method: "ffs", FundToProvider: d("35.20")},
		{ClaimID: "C4", Method: "ffs", Held: true, FundToProvider: d("80.00")},                                     // withheld
		{ClaimID: "C5", Method: "ffs", Held: true, FundToProvider: d("40.00"), Decision: Released, InPeriod: true}, // released now: paid
		{ClaimID: "C6", Method: "ffs", Held: true, FundToProvider: d("60.00"), Decision: Denied, InPeriod: true},   // never paid
		{ClaimID: "C7", Method: "ffs", FundToProvider: d("25.00"), Decision: Recovered, InPeriod: true},            // paid and taken back now
		{ClaimID: "C8", Method: "capitation", FundToProvider: d("0.00")},
	}
	earlier := []ClaimLine{
		{ClaimID: "E1", Method: "ffs", Held: true, FundToProvider: d("100.00"), Decision: Released, InPeriod: true},  // held in an earlier month, released now
		{ClaimID: "E2", Method: "drg", FundToProvider: d("500.00"), Decision: Recovered, InPeriod: true},             // paid earlier, recovered now
		{ClaimID: "E3", Method: "ffs", Held: true, FundToProvider: d("999.00"), Decision: Released, InPeriod: false}, // released in another period
	}
	st := Statement(ProviderInput{ProviderID: "H1009", Claims: claims, Earlier: earlier, DRG: drg, Capitation: d("19.50")})
	// by method: drg 3000.00 + 4056.00 = 7056.00; ffs 35.20 + 25.00 (C7 was paid) = 60.20; capitation 0.00
	// (the visit's zero: CONTRACT.md), the per-head 19.50 apart.
	// withheld 80.00 (C4); released 40.00 (C5) + 100.00 (E1) = 140.00; recoveries 25.00 (C7) + 500.00 (E2) = 525.00.
	// net = 7056.00 + 60.20 + 19.50 + 1526.98 + 140.00 − 525.00 = 8277.68.
	want := map[string]string{"drg": "7056.00", "ffs": "60.20", "capitation": "0.00"}
	for m, w := range want {
		if st.ByMethod[m].StringFixed(2) != w {
			t.Errorf("%s: %s, want %s", m, st.ByMethod[m], w)
		}
	}
	if _, ok := st.ByMethod["capitation"]; !ok || st.Capitation.StringFixed(2) != "19.50" {
		t.Errorf("capitation: by method %v, per head %s, want 0.00 and 19.50", st.ByMethod, st.Capitation)
	}
	if st.Claims != 8 || st.Withheld.StringFixed(2) != "80.00" || st.Released.StringFixed(2) != "140.00" || st.Recoveries.StringFixed(2) != "525.00" ||
		st.NetPayable.StringFixed(2) != "8277.68" {
		t.Errorf("statement %+v", st)
	}
	status := map[string]string{}
	for _, l := range st.Lines {
		status[l.ClaimID] = l.PaymentStatus
	}
	for id, w := range map[string]string{"C1": Payable, "C4": Held, "C5": Released, "C6": Denied, "C7": Recovered, "C8": Payable} {
		if status[id] != w {
			t.Errorf("%s: %s, want %s", id, status[id], w)
		}
	}
	// A held claim released in a later period stays withheld in its own statement until then,
	// and a re-close after the release lists it released without paying it twice.
	later := Statement(ProviderInput{Claims: []ClaimLine{{ClaimID: "C4", Method: "ffs", Held: true, FundToProvider: d("80.00"), Decision: Released}}})
	if later.NetPayable.StringFixed(2) != "0.00" || later.Lines[0].PaymentStatus != Released || !later.Withheld.IsZero() {
		t.Errorf("re-close after a later release: %+v", later)
	}
	// A barred provider's payable claims are withheld.
	barred := Statement(ProviderInput{Claims: claims[:3], Barred: true, DRG: drg})
	if barred.Withheld.StringFixed(2) != "7091.20" || barred.NetPayable.StringFixed(2) != "1526.98" {
		t.Errorf("barred: withheld %s net %s", barred.Withheld, barred.NetPayable)
	}
	// Year end: the global-budget adjustment joins the net.
	ye := Statement(ProviderInput{Claims: claims[2:3], Global: &GlobalOutcome{Adjustment: d("654.91")}})
	if ye.NetPayable.StringFixed(2) != "690.11" {
		t.Errorf("year end: %s", ye.NetPayable)
	}
}

// TestPartialRecovery: an upcoding finding recovers the overpayment only (FRAUD.md §5): a
// paid claim stays paid with the overpayment deducted in the decision's period; a held one
// is released less the overpayment.
func TestPartialRecovery(t *testing.T) {
	over := func(s string) *decimal.Decimal { x := d(s); return &x }
	claims := []ClaimLine{
		{ClaimID: "U1", Method: "drg", FundToProvider: d("4525.36"), Decision: Recovered, InPeriod: true, Recovery: over("1621.07")},
		{ClaimID: "U2", Method: "drg", Held: true, FundToProvider: d("3000.00"), Decision: Recovered, InPeriod: true, Recovery: over("464.99")},
	}
	earlier := []ClaimLine{{ClaimID: "U0", Method: "drg", FundToProvider: d("900.00"), Decision: Recovered, InPeriod: true, Recovery: over("100.00")}}
	st := Statement(ProviderInput{ProviderID: "H3001", Claims: claims, Earlier: earlier})
	// by method 4525.36 (U1 paid; U2 was held); released 3000.00 (U2); recoveries 1621.07 + 464.99 + 100.00 = 2186.06;
	// net = 4525.36 + 3000.00 − 2186.06 = 5339.30.
	if st.ByMethod["drg"].StringFixed(2) != "4525.36" || st.Released.StringFixed(2) != "3000.00" || st.Recoveries.StringFixed(2) != "2186.06" ||
		st.NetPayable.StringFixed(2) != "5339.30" || !st.Withheld.IsZero() {
		t.Errorf("statement %+v", st)
	}
	for _, l := range st.Lines {
		if l.PaymentStatus != Recovered || l.Recovered == nil {
			t.Errorf("line %+v", l)
		}
	}
	if st.Lines[0].Recovered.StringFixed(2) != "1621.07" {
		t.Errorf("U1 recovered %s", st.Lines[0].Recovered)
	}
}
