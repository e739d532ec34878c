package payment

import (
	"testing"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/policy"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

type want struct {
	sub  claim.Submission
	want string // amounts(result)
}

// TestCostSharing runs claim sequences through a fresh book each; every expectation is
// computed by hand from the sample bundle (sample/bundle/policy.json), arithmetic in the
// comment beside it.
func TestCostSharing(t *testing.T) {
	pct := func(s string) *decimal.Decimal { d := dec(s); return &d }
	tests := []struct {
		name   string
		modify func(*policy.Bundle)
		steps  []want
	}{
		{name: "level 1 first stay with B and C lines", steps: []want{{
			// BED01 5×60=300 (A) + XC10AA05 10×20=200 (B 0.8 → 160) + SRV02 1×100 (C → 0): total 600, eligible 460.
			// D = 300 (resident level 1). basic = (460−300)×0.85 = 136.00. oop 324 < 14000: no critical.
			// ceiling 0.9×600 = 540 not reached. member = 600 − 136 = 464.
			sub:  stay("C1", "H1001", "M000001", "2026-03-01", "2026-03-06", []ln{{"BED01", "5", "60"}, {"XC10AA05", "10", "20"}, {"SRV02", "1", "100"}}),
			want: "eligible=460.00 self_pay=140.00 deductible=300.00 basic=136.00 critical=0.00 assistance=0.00 fund=136.00 member=464.00",
		}}},
		{name: "price ceiling and unknown item", steps: []want{{
			// BED01 2×80=160 but max 60 → 120 eligible; ZZZ99 not in catalogue 1×40 → 0. eligible 120, total 200.
			// D = min(300, 120) = 120; basic 0.
			sub:  stay("C1", "H1001", "M000001", "2026-03-01", "2026-03-03", []ln{{"BED01", "2", "80"}, {"ZZZ99", "1", "40"}}),
			want: "eligible=120.00 self_pay=80.00 deductible=120.00 basic=0.00 critical=0.00 assistance=0.00 fund=0.00 member=200.00",
		}}},
		{name: "eligible rounded once at the claim total", steps: []want{{
			// XJ01DD04 3 × 33.335 = 100.005, B 0.9 → 90.0045; TCM01 1 × 10.005 B 0.6 → 6.003; Σ 96.0075 → 96.01.
			sub: visit("V1", "H1001", "M000001", "2026-03-01", []ln{{"XJ01DD04", "3", "33.335"}, {"TCM01", "1", "10.005"}}),
			// outpatient level 1: D = min(96.01, 100) = 96.01; basic 0. total 110.01.
			want: "eligible=96.01 self_pay=14.00 deductible=96.01 basic=0.00 critical=0.00 assistance=0.00 fund=0.00 member=110.01",
		}}},
		{name: "multi-band level 3 emergency crossing critical", steps: []want{{
			// total = eligible = 50000. D = 1200. (1200,30000] 28800×0.65 = 18720; (30000,50000] 20000×0.70 = 14000.
			// basic 32720; oop 17280; critical (17280 − 14000)×0.60 = 1968. ceiling 45000 ok. fund 34688.
			sub:  stay("C1", "H3001", "M000009", "2026-04-01", "2026-04-20", []ln{{"PRC01", "1", "50000"}}, emergency),
			want: "eligible=50000.00 self_pay=0.00 deductible=1200.00 basic=32720.00 critical=1968.00 assistance=0.00 fund=34688.00 member=15312.00",
		}}},
		{name: "unreferred and unregistered cross-region stack", steps: []want{{
			// level 3, no referral, not emergency: −0.10; unregistered −0.20 → band ratio 0.65−0.30 = 0.35.
			// D = 1200; (1200, 10000] 8800 × 0.35 = 3080.
			sub:  stay("C1", "H3001", "M000001", "2026-04-01", "2026-04-10", []ln{{"PRC01", "1", "10000"}}, crossRegion("unregistered")),
			want: "eligible=10000.00 self_pay=0.00 deductible=1200.00 basic=3080.00 critical=0.00 assistance=0.00 fund=3080.00 member=6920.00",
		}}},
		{name: "registered cross-region is not a referral", steps: []want{{
			// level 2 unreferred −0.10, registered −0.05: 0.75 − 0.15 = 0.60. D = 600; 4400 × 0.60 = 2640.
			sub:  stay("C1", "H2001", "M000001", "2026-04-01", "2026-04-10", []ln{{"PRC01", "1", "5000"}}, crossRegion("registered")),
			want: "eligible=5000.00 self_pay=0.00 deductible=600.00 basic=2640.00 critical=0.00 assistance=0.00 fund=2640.00 member=2360.00",
		}}},
		{name: "poverty, assistance, ceiling, same-level readmission", steps: []want{
			{
				// M000003 poverty + low_income at level 1: ratio 0.85+0.05 = 0.90. D = 300; basic 1700×0.90 = 1530.
				// oop 470; critical threshold 14000×0.5 = 7000 not reached. assistance 470×0.70 = 329.
				// ceiling 0.9×2000 = 1800: 1530+329 = 1859, excess 59 off assistance → 270. fund 1800.
				sub:  stay("C1", "H1001", "M000003", "2026-02-01", "2026-02-05", []ln{{"PRC02", "1", "2000"}}),
				want: "eligible=2000.00 self_pay=0.00 deductible=300.00 basic=1530.00 critical=0.00 assistance=270.00 fund=1800.00 member=200.00",
			},
			{
				// readmission at the same level, poverty-registered: D = 0. basic 1000×0.90 = 900; oop 100;
				// assistance 70; ceiling 900 → excess 70 off assistance → 0.
				sub:  stay("C2", "H1001", "M000003", "2026-03-01", "2026-03-04", []ln{{"PRC02", "1", "1000"}}),
				want: "eligible=1000.00 self_pay=0.00 deductible=0.00 basic=900.00 critical=0.00 assistance=0.00 fund=900.00 member=100.00",
			},
		}},
		{name: "readmission reduction", steps: []want{
			// D = 300, basic 700×0.85 = 595.
			{sub: stay("C1", "H1002", "M000009", "2026-02-01", "2026-02-05", []ln{{"PRC02", "1", "1000"}}),
				want: "eligible=1000.00 self_pay=0.00 deductible=300.00 basic=595.00 critical=0.00 assistance=0.00 fund=595.00 member=405.00"},
			// second stay same year: D = 300 − 100 = 200, basic 800×0.85 = 680.
			{sub: stay("C2", "H1002", "M000009", "2026-05-01", "2026-05-05", []ln{{"PRC02", "1", "1000"}}),
				want: "eligible=1000.00 self_pay=0.00 deductible=200.00 basic=680.00 critical=0.00 assistance=0.00 fund=680.00 member=320.00"},
			// next year: first admission again, D = 300.
			{sub: stay("C3", "H1002", "M000009", "2027-01-03", "2027-01-05", []ln{{"PRC02", "1", "1000"}}, func(c map[string]any) {}),
				want: "eligible=1000.00 self_pay=0.00 deductible=300.00 basic=595.00 critical=0.00 assistance=0.00 fund=595.00 member=405.00"},
		}},
		{name: "referral chain L1 → L2 → L3 up", steps: []want{
			// L1 H1002: D = 300, basic 700×0.85 = 595.
			{sub: stay("A", "H1002", "M000009", "2026-02-01", "2026-02-05", []ln{{"PRC02", "1", "1000"}}),
				want: "eligible=1000.00 self_pay=0.00 deductible=300.00 basic=595.00 critical=0.00 assistance=0.00 fund=595.00 member=405.00"},
			// L2 H2001 up from A (H1002 has no alliance): 600 − 100 (readmission) = 500, − chain 300 = 200.
			// basic (200, 5000] 4800 × 0.75 = 3600 (referred: no unreferred delta).
			{sub: stay("B", "H2001", "M000009", "2026-02-05", "2026-02-12", []ln{{"PRC01", "1", "5000"}}, referral("H1002", "A", "up")),
				want: "eligible=5000.00 self_pay=0.00 deductible=200.00 basic=3600.00 critical=0.00 assistance=0.00 fund=3600.00 member=1400.00"},
			// L3 H3001 up from B: 1200 − 100 = 1100, − chain (200 + 300) = 600. Total deductible 300+200+600 = 1100 ≤ 1200.
			// basic (600, 10000] 9400 × 0.65 = 6110.
			{sub: stay("C", "H3001", "M000009", "2026-02-12", "2026-02-20", []ln{{"PRC01", "1", "10000"}}, referral("H2001", "B", "up")),
				want: "eligible=10000.00 self_pay=0.00 deductible=600.00 basic=6110.00 critical=0.00 assistance=0.00 fund=6110.00 member=3890.00"},
		}},
		{name: "referral within alliance and downward", steps: []want{
			{sub: stay("A", "H1001", "M000001", "2026-02-01", "2026-02-05", []ln{{"PRC02", "1", "1000"}}),
				want: "eligible=1000.00 self_pay=0.00 deductible=300.00 basic=595.00 critical=0.00 assistance=0.00 fund=595.00 member=405.00"},
			// H1001 and H2001 share alliance ALL01: D = 0. basic 5000 × 0.75 = 3750.
			{sub: stay("B", "H2001", "M000001", "2026-02-05", "2026-02-12", []ln{{"PRC01", "1", "5000"}}, referral("H1001", "A", "up")),
				want: "eligible=5000.00 self_pay=0.00 deductible=0.00 basic=3750.00 critical=0.00 assistance=0.00 fund=3750.00 member=1250.00"},
			// down from H2001 to H1002: D = 0. basic 1000 × 0.85 = 850.
			{sub: stay("C", "H1002", "M000001", "2026-02-12", "2026-02-20", []ln{{"PRC02", "1", "1000"}}, referral("H2001", "B", "down")),
				want: "eligible=1000.00 self_pay=0.00 deductible=0.00 basic=850.00 critical=0.00 assistance=0.00 fund=850.00 member=150.00"},
		}},
		{name: "unapproved referral is no referral", steps: []want{{
			// level 2 unreferred: 0.75 − 0.10 = 0.65; D = 600; 4400 × 0.65 = 2860.
			sub: stay("B", "H2001", "M000001", "2026-02-05", "2026-02-12", []ln{{"PRC01", "1", "5000"}}, func(c map[string]any) {
				c["referral"] = map[string]any{"from_provider_id": "H1001", "from_claim_id": "X", "direction": "up", "approved": false}
			}),
			want: "eligible=5000.00 self_pay=0.00 deductible=600.00 basic=2860.00 critical=0.00 assistance=0.00 fund=2860.00 member=2140.00",
		}}},
		{name: "outpatient annual deductible and cap across visits", steps: []want{
			// resident outpatient level 1: D 100, ratio 0.60, cap 3000. basic 3900 × 0.60 = 2340.
			{sub: visit("V1", "H1001", "M000009", "2026-03-01", []ln{{"LAB02", "1", "4000"}}),
				want: "eligible=4000.00 self_pay=0.00 deductible=100.00 basic=2340.00 critical=0.00 assistance=0.00 fund=2340.00 member=1660.00"},
			// deductible already paid: D = 0; 2000 × 0.60 = 1200 → cap remaining 3000 − 2340 = 660.
			{sub: visit("V2", "H1001", "M000009", "2026-04-01", []ln{{"LAB02", "1", "2000"}}),
				want: "eligible=2000.00 self_pay=0.00 deductible=0.00 basic=660.00 critical=0.00 assistance=0.00 fund=660.00 member=1340.00"},
			// cap exhausted: basic 0.
			{sub: visit("V3", "H1001", "M000009", "2026-05-01", []ln{{"LAB02", "1", "500"}}),
				want: "eligible=500.00 self_pay=0.00 deductible=0.00 basic=0.00 critical=0.00 assistance=0.00 fund=0.00 member=500.00"},
		}},
		{name: "inpatient annual cap across claims", modify: func(b *policy.Bundle) { b.Schemes["resident"].Inpatient.AnnualCap = pct("5000") },
			steps: []want{
				// D 300; 5700 × 0.85 = 4845 ≤ cap 5000.
				{sub: stay("A", "H1001", "M000001", "2026-02-01", "2026-02-05", []ln{{"PRC02", "1", "6000"}}),
					want: "eligible=6000.00 self_pay=0.00 deductible=300.00 basic=4845.00 critical=0.00 assistance=0.00 fund=4845.00 member=1155.00"},
				// D 200; 1800 × 0.85 = 1530 → remaining 155.
				{sub: stay("B", "H1001", "M000001", "2026-03-01", "2026-03-05", []ln{{"PRC02", "1", "2000"}}),
					want: "eligible=2000.00 self_pay=0.00 deductible=200.00 basic=155.00 critical=0.00 assistance=0.00 fund=155.00 member=1845.00"},
			}},
		{name: "critical threshold crossed across claims (employee)", steps: []want{
			// employee level 3 emergency: D 900; (900,50000] 49100×0.85 = 41735; (50000,100000] 50000×0.90 = 45000.
			// basic 86735; oop 13265 < 20000.
			{sub: stay("A", "H3001", "M000002", "2026-02-01", "2026-02-20", []ln{{"PRC01", "1", "100000"}}, emergency),
				want: "eligible=100000.00 self_pay=0.00 deductible=900.00 basic=86735.00 critical=0.00 assistance=0.00 fund=86735.00 member=13265.00"},
			// D 800; (800,50000] 49200×0.85 = 41820; (50000,60000] 10000×0.90 = 9000; basic 50820; oop 9180;
			// before 13265, after 22445: (22445 − 20000) × 0.70 = 1711.50.
			{sub: stay("B", "H3001", "M000002", "2026-03-01", "2026-03-20", []ln{{"PRC01", "1", "60000"}}, emergency),
				want: "eligible=60000.00 self_pay=0.00 deductible=800.00 basic=50820.00 critical=1711.50 assistance=0.00 fund=52531.50 member=7468.50"},
			// already above the threshold: D 800; 4200 × 0.85 = 3570; oop 1430 × 0.70 = 1001; but the ceiling
			// 0.9 × 5000 = 4500 takes 71 off critical → 930.
			{sub: stay("C", "H3001", "M000002", "2026-04-01", "2026-04-05", []ln{{"PRC01", "1", "5000"}}, emergency),
				want: "eligible=5000.00 self_pay=0.00 deductible=800.00 basic=3570.00 critical=930.00 assistance=0.00 fund=4500.00 member=500.00"},
		}},
		{name: "critical annual cap", modify: func(b *policy.Bundle) { b.Schemes["employee"].Critical.AnnualCap = pct("1500") },
			steps: []want{
				{sub: stay("A", "H3001", "M000002", "2026-02-01", "2026-02-20", []ln{{"PRC01", "1", "100000"}}, emergency),
					want: "eligible=100000.00 self_pay=0.00 deductible=900.00 basic=86735.00 critical=0.00 assistance=0.00 fund=86735.00 member=13265.00"},
				// as above critical 1711.50 → cap 1500.
				{sub: stay("B", "H3001", "M000002", "2026-03-01", "2026-03-20", []ln{{"PRC01", "1", "60000"}}, emergency),
					want: "eligible=60000.00 self_pay=0.00 deductible=800.00 basic=50820.00 critical=1500.00 assistance=0.00 fund=52320.00 member=7680.00"},
			}},
		{name: "assistance cap and ceiling taking from critical", modify: func(b *policy.Bundle) {
			b.Assistance["low_income"] = policy.AssistanceRule{Ratio: dec("0.70"), AnnualCap: pct("500")}
		}, steps: []want{
			// M000008 low_income, level 1: D 300; basic 1700 × 0.85 = 1445; oop 555; assistance 555 × 0.7 = 388.50;
			// ceiling 1800: 1833.50 − 1800 = 33.50 off assistance → 355.
			{sub: stay("A", "H1001", "M000008", "2026-02-01", "2026-02-05", []ln{{"PRC02", "1", "2000"}}),
				want: "eligible=2000.00 self_pay=0.00 deductible=300.00 basic=1445.00 critical=0.00 assistance=355.00 fund=1800.00 member=200.00"},
			// D 200; basic 1530; oop 470; assistance 329 → remaining cap 500 − 355 = 145. 1675 ≤ 1800.
			{sub: stay("B", "H1001", "M000008", "2026-03-01", "2026-03-05", []ln{{"PRC02", "1", "2000"}}),
				want: "eligible=2000.00 self_pay=0.00 deductible=200.00 basic=1530.00 critical=0.00 assistance=145.00 fund=1675.00 member=325.00"},
		}},
		{name: "ceiling takes assistance then critical", steps: []want{
			// M000008 level 1: D 300; 99700 × 0.85 = 84745; oop 15255; critical (15255 − 14000) × 0.6 = 753;
			// assistance (100000 − 84745 − 753) × 0.7 = 10151.40 → cap 10000; ceiling 90000: excess 5498 → assistance 4502.
			{sub: stay("A", "H1001", "M000008", "2026-02-01", "2026-02-25", []ln{{"PRC01", "1", "100000"}}),
				want: "eligible=100000.00 self_pay=0.00 deductible=300.00 basic=84745.00 critical=753.00 assistance=4502.00 fund=90000.00 member=10000.00"},
			// D 200; basic 19800 × 0.85 = 16830; oop 3170; critical 3170 × 0.6 = 1902; assistance 1268 × 0.7 = 887.60;
			// ceiling 18000: excess 1619.60 → assistance 0 (−887.60), critical 1902 − 732 = 1170.
			{sub: stay("B", "H1001", "M000008", "2026-03-01", "2026-03-10", []ln{{"PRC01", "1", "20000"}}),
				want: "eligible=20000.00 self_pay=0.00 deductible=200.00 basic=16830.00 critical=1170.00 assistance=0.00 fund=18000.00 member=2000.00"},
		}},
		{name: "level not covered: critical and assistance still apply", steps: []want{{
			// resident outpatient has no level 3: D 0, basic 0. M000004 poverty + extreme_poverty:
			// critical threshold 7000 not reached; assistance 1000 × 1.00 = 1000; ceiling 900 → 900.
			sub:  visit("V", "H3001", "M000004", "2026-03-01", []ln{{"LAB02", "1", "1000"}}),
			want: "eligible=1000.00 self_pay=0.00 deductible=0.00 basic=0.00 critical=0.00 assistance=900.00 fund=900.00 member=100.00",
		}}},
		{name: "unreferred_no_basic", modify: func(b *policy.Bundle) { b.UnreferredNoBasic = true }, steps: []want{{
			// level 3 unreferred: basic 0 and D 0; critical on the whole eligible 20000: (20000 − 14000) × 0.6 = 3600.
			sub:  stay("A", "H3001", "M000001", "2026-03-01", "2026-03-10", []ln{{"PRC01", "1", "20000"}}),
			want: "eligible=20000.00 self_pay=0.00 deductible=0.00 basic=0.00 critical=3600.00 assistance=0.00 fund=3600.00 member=16400.00",
		}}},
		{name: "poverty delta lost when unreferred; poverty critical uncapped", steps: []want{{
			// M000003 at level 3 unreferred: 0.65 − 0.10 (no +0.05). D 1200; (1200,30000] 28800 × 0.55 = 15840;
			// (30000,40000] 10000 × 0.60 = 6000; basic 21840; oop 18160; poverty threshold 7000, ratio 0.65:
			// 11160 × 0.65 = 7254; assistance (40000 − 21840 − 7254) = 10906 × 0.7 = 7634.20 → cap 10000 ok;
			// ceiling 36000: 36728.20 − 36000 = 728.20 off assistance → 6906.
			sub:  stay("A", "H3001", "M000003", "2026-03-01", "2026-03-20", []ln{{"PRC01", "1", "40000"}}),
			want: "eligible=40000.00 self_pay=0.00 deductible=1200.00 basic=21840.00 critical=7254.00 assistance=6906.00 fund=36000.00 member=4000.00",
		}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := sampleBundle(t)
			if tc.modify != nil {
				tc.modify(b)
			}
			bk := newBook(b)
			for i, st := range tc.steps {
				eff := bk.Process(&st.sub, nil)
				if eff.Result.Status != claim.StatusAdjudicated {
					t.Fatalf("step %d: status %s, reasons %v", i, eff.Result.Status, eff.Result.Reasons)
				}
				if got := amounts(eff.Result); got != st.want {
					t.Errorf("step %d:\n got  %s\n want %s", i, got, st.want)
					for _, s := range eff.Result.Explanation {
						t.Logf("  %-16s %s %v", s.Step, s.Detail, s.Amount)
					}
				}
				fund := eff.Result.Basic.Dec().Add(eff.Result.Critical.Dec()).Add(eff.Result.Assistance.Dec())
				if !fund.Equal(eff.Result.FundTotal.Dec()) {
					t.Errorf("step %d: fund_total %s ≠ basic + critical + assistance %s", i, eff.Result.FundTotal.Dec(), fund)
				}
				if eff.Result.Method == MethodFFS && !fund.Equal(eff.Result.FundToProvider.Dec()) {
					t.Errorf("step %d: ffs fund_to_provider %s ≠ fund total %s", i, eff.Result.FundToProvider.Dec(), fund)
				}
			}
		})
	}
}
