package settlement

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/policy"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func dp(s string) *decimal.Decimal { v := d(s); return &v }

// TestPointMethod: CONTRACT.md's statement example, and the cases without a budget.
func TestPointMethod(t *testing.T) {
	// Region 150902: budget 43016.00, Σ member_pays 18422.73, Σ points 673.2927.
	// point_value = Round(4)((43016.00 + 18422.73) / 673.2927) = Round(4)(91.251145…) = 91.2511.
	// H1009: 117.0000 points, member pays 2093.40, provisional 7056.00:
	// drg_payment = Round(2)(117 × 91.2511) − 2093.40 = 10676.38 − 2093.40 = 8582.98; adjustment 1526.98.
	// H2001: the rest, 556.2927 points, member pays 16329.33, provisional 30000.00:
	// drg_payment = Round(2)(556.2927 × 91.2511 = 50762.3208…) − 16329.33 = 34432.99; adjustment +4432.99.
	claims := []DRGClaim{
		{ProviderID: "H1009", Points: d("50.0000"), MemberPays: d("1000.00"), FundToProvider: d("3000.00")},
		{ProviderID: "H1009", Points: d("67.0000"), MemberPays: d("1093.40"), FundToProvider: d("4056.00")},
		{ProviderID: "H2001", Points: d("300.0000"), MemberPays: d("9000.00"), FundToProvider: d("18000.00")},
		{ProviderID: "H2001", Points: d("156.2927"), MemberPays: d("4329.33"), FundToProvider: d("7000.00")},
		{ProviderID: "H2001", Points: d("50.0000"), MemberPays: d("1500.00"), FundToProvider: d("2500.00")},
		{ProviderID: "H2001", Points: d("50.0000"), MemberPays: d("1500.00"), FundToProvider: d("2500.00")},
	}
	r, per := PointMethod("150902", dp("43016.00"), claims)
	if r.Cases != 6 || r.SumPoints.String() != "673.2927" || r.SumMemberPays.StringFixed(2) != "18422.73" || r.PointValue.StringFixed(4) != "91.2511" {
		t.Fatalf("region %+v point value %v", r, r.PointValue)
	}
	h := per["H1009"]
	if h.Cases != 2 || h.Points.StringFixed(4) != "117.0000" || h.DRGPayment.StringFixed(2) != "8582.98" || h.Provisional.StringFixed(2) != "7056.00" ||
		h.Adjustment.StringFixed(2) != "1526.98" {
		t.Errorf("H1009 %+v", h)
	}
	// H2001 (see above).
	if g := per["H2001"]; g.DRGPayment.StringFixed(2) != "34432.99" || g.Adjustment.StringFixed(2) != "4432.99" {
		t.Errorf("H2001 %+v", g)
	}
	// No drg_region budget: the rate-method amounts stand.
	r, per = PointMethod("150921", nil, claims[:2])
	if r.PointValue != nil || !per["H1009"].Adjustment.IsZero() || per["H1009"].DRGPayment.StringFixed(2) != "7056.00" {
		t.Errorf("without a budget: %+v %+v", r, per["H1009"])
	}
	// A budget but no points (no drg cases): nothing to divide.
	if r, per := PointMethod("150922", dp("1000"), nil); r.PointValue != nil || len(per) != 0 {
		t.Errorf("no cases: %+v", r)
	}
}

// TestHeads: living, enrolled members whose signup covers the 1st, with a designated provider.
func TestHeads(t *testing.T) {
	day := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	members := map[string]*policy.Member{
		"A": {ID: "A", Scheme: "resident"},
		"B": {ID: "B", Scheme: "employee"},
		"C": {ID: "C", Scheme: "resident", DeathDate: day("2026-02-20")},  // died before March
		"D": {ID: "D", Scheme: "resident"},                                // signup from March 2nd
		"E": {ID: "E", Scheme: "resident", EnrolledTo: day("2026-02-28")}, // not enrolled in March
		"F": {ID: "F", Scheme: "resident"},                                // signup ended on the 1st: still covers it
		"G": {ID: "G", Scheme: "resident"},                                // signed with a suspended provider
		"H": {ID: "H", Scheme: "resident", DeathDate: day("2026-03-15")},  // alive on the 1st
	}
	providers := map[string]*policy.Provider{
		"H1001": {ID: "H1001", Status: policy.Designated},
		"H1002": {ID: "H1002", Status: policy.Suspended, BannedUntil: day("2026-06-01")},
	}
	signups := []policy.Signup{
		{MemberID: "A", ProviderID: "H1001", From: day("2026-01-01")},
		{MemberID: "B", ProviderID: "H1001", From: day("2026-03-01"), To: day("2026-12-31")},
		{MemberID: "C", ProviderID: "H1001", From: day("2026-01-01")},
		{MemberID: "D", ProviderID: "H1001", From: day("2026-03-02")},
		{MemberID: "E", ProviderID: "H1001", From: day("2026-01-01")},
		{MemberID: "F", ProviderID: "H1001", From: day("2025-01-01"), To: day("2026-03-01")},
		{MemberID: "G", ProviderID: "H1002", From: day("2026-01-01")},
		{MemberID: "H", ProviderID: "H1001", From: day("2026-01-01")},
		{MemberID: "Z", ProviderID: "H1001", From: day("2026-01-01")}, // unknown member
	}
	got := Heads(day("2026-03-10"), members, providers, signups)
	// H1001: A, F, H resident (3); B employee (1). C died, D starts on the 2nd, E not enrolled.
	if len(got) != 1 || got["H1001"]["resident"] != 3 || got["H1001"]["employee"] != 1 {
		t.Errorf("heads %v", got)
	}
	// 3 × 12.50 + 1 × 15.00 = 52.50.
	schemes := map[string]*policy.Scheme{"resident": {CapitationPerHeadMonth: dp("12.50")}, "employee": {CapitationPerHeadMonth: dp("15.00")}}
	if a := CapitationAmount(got["H1001"], schemes); a.StringFixed(2) != "52.50" {
		t.Errorf("capitation %s", a)
	}
}

// TestGlobalBudget: the four cases of §7 with retention 0.5 (cap 0.1 × B) and overspend
// share 0.5 within a band of 0.1 × B.
func TestGlobalBudget(t *testing.T) {
	p := policy.GlobalBudget{RetentionRatio: d("0.5"), RetentionCap: d("0.1"), OverspendBand: d("0.1"), OverspendShare: d("0.5")}
	for _, c := range []struct {
		name, b, a, final, adj string
	}{
		// CONTRACT.md's example: surplus 1309.82 × 0.5 = 654.91 ≤ cap 992.80 → 9273.09.
		{"surplus within the cap", "9928.00", "8618.18", "9273.09", "654.91"},
		// surplus 4000 × 0.5 = 2000 > cap 0.1 × 10000 = 1000 → 6000 + 1000 = 7000.
		{"surplus beyond the cap", "10000.00", "6000.00", "7000.00", "1000.00"},
		// overspend 500 ≤ band 1000: B + 500 × 0.5 = 10250; adjustment 10250 − 10500 = −250.
		{"overspend within the band", "10000.00", "10500.00", "10250.00", "-250.00"},
		// overspend 3000 > band 1000: B + 1000 × 0.5 = 10500; adjustment −2500.
		{"overspend beyond the band", "10000.00", "13000.00", "10500.00", "-2500.00"},
		// exactly on budget: nothing kept, nothing shared.
		{"on budget", "10000.00", "10000.00", "10000.00", "0.00"},
		// rounding: surplus 0.01 × 0.5 = 0.005 → final Round(2)(9999.995) = 10000.00 (half away from zero).
		{"rounding", "10000.00", "9999.99", "10000.00", "0.01"},
	} {
		o := GlobalBudget(d(c.b), d(c.a), p)
		if o.Final.StringFixed(2) != c.final || o.Adjustment.StringFixed(2) != c.adj {
			t.Errorf("%s: final %s adjustment %s, want %s %s", c.name, o.Final, o.Adjustment, c.final, c.adj)
		}
	}
}
