package payment

import (
	"strings"
	"testing"

	"medclaims/claim"
	"medclaims/policy"
)

// gz is the worked example of the grouping spec: it groups to GZ13 for a woman
// (K11.901 is a CC not excluded by K22.301's table).
func gz(id, provider, member, admitted, discharged, total string, opts ...func(map[string]any)) claim.Submission {
	o := append([]func(map[string]any){func(c map[string]any) {
		c["diagnoses"] = []string{"K22.301", "K11.901", "E11.900", "I10.x05"}
		c["procedures"] = []string{"96.0800x005"}
		c["emergency"] = true
	}}, opts...)
	return stay(id, provider, member, admitted, discharged, []ln{{"PRC01", "1", total}}, o...)
}

func withWeight(drgCode, rw, avg string) func(*policy.Bundle) {
	return func(b *policy.Bundle) {
		b.DRGWeights = map[string]policy.DRGWeight{drgCode: {DRG: drgCode, RW: dec(rw), AvgCost: dec(avg)}}
	}
}

type provWant struct {
	method, drg, outlier, points, standard, toProvider, margin, memberPays string
	codes                                                                  string
}

func provLine(r claim.Result) provWant {
	f := func(m *claim.Money) string {
		if m == nil {
			return "-"
		}
		return m.StringFixed(2)
	}
	w := provWant{method: r.Method, drg: "-", outlier: "-", points: "-", standard: f(r.Standard), toProvider: f(r.FundToProvider),
		margin: f(r.ProviderMargin), memberPays: f(r.MemberPays), codes: strings.Join(r.ReasonCodes(), ",")}
	if r.DRG != nil {
		w.drg = r.DRG.DRG
		if r.DRG.Outlier != "" {
			w.outlier = r.DRG.Outlier
		}
		if r.DRG.Points != nil {
			w.points = r.DRG.Points.StringFixed(4)
		}
	}
	return w
}

// TestMethods: one claim per case, each priced from a fresh sample bundle (modified where
// named); expectations by hand in the comments. Resident level 3 base rate 9649.24,
// H3001 hospital coefficient 1.05; M000009 is a resident woman; emergency lifts the
// unreferred rule, so level 3 pays 0.65 up to 30000 and 0.70 to 70000 above D = 1200.
func TestMethods(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*policy.Bundle)
		sub    claim.Submission
		want   provWant
	}{
		{"drg normal with coefficient", withWeight("GZ13", "0.8", "10000"),
			// 4000 ≤ 8000 ≤ 3 × 10000: points 80 × 1.05 = 84.0000; standard 0.84 × 9649.24 = 8105.3616 → 8105.36.
			// member: basic (8000 − 1200) × 0.65 = 4420, pays 3580. to provider 8105.36 − 3580 = 4525.36; margin 105.36.
			gz("D1", "H3001", "M000009", "2026-03-01", "2026-03-08", "8000"),
			provWant{"drg", "GZ13", "none", "84.0000", "8105.36", "4525.36", "105.36", "3580.00", ""}},
		{"drg high outlier, RW ≤ 1 (T 3)", withWeight("GZ13", "0.8", "10000"),
			// 40000 > 30000: points 80 × (1 + 4 − 3) = 160.0000; standard 1.6 × 9649.24 = 15438.784 → 15438.78.
			// member: 28800 × 0.65 + 10000 × 0.70 = 25720; oop 14280 → critical 280 × 0.6 = 168; pays 14112.
			gz("D2", "H3001", "M000009", "2026-03-01", "2026-03-08", "40000"),
			provWant{"drg", "GZ13", "high", "160.0000", "15438.78", "1326.78", "-24561.22", "14112.00", ""}},
		{"drg high outlier, RW ≤ 2 (T 2)", withWeight("GZ13", "1.5", "10000"),
			// 25000 > 20000: points 150 × (1 + 2.5 − 2) = 225.0000; standard 2.25 × 9649.24 = 21710.79.
			// member: 23800 × 0.65 = 15470; oop 9530; pays 9530. to provider 12180.79; margin −3289.21.
			gz("D3", "H3001", "M000009", "2026-03-01", "2026-03-08", "25000"),
			provWant{"drg", "GZ13", "high", "225.0000", "21710.79", "12180.79", "-3289.21", "9530.00", ""}},
		{"drg high outlier, RW > 2 (T 1.5)", withWeight("GZ13", "2.5", "10000"),
			// 20000 > 15000: points 250 × (1 + 2 − 1.5) = 375.0000; standard 3.75 × 9649.24 = 36184.65.
			// member: 18800 × 0.65 = 12220; pays 7780. to provider 28404.65; margin 16184.65.
			gz("D4", "H3001", "M000009", "2026-03-01", "2026-03-08", "20000"),
			provWant{"drg", "GZ13", "high", "375.0000", "36184.65", "28404.65", "16184.65", "7780.00", ""}},
		{"drg low outlier (no coefficient)", withWeight("GZ13", "0.8", "10000"),
			// 3000 < 0.4 × 10000: points 80 × 0.3 = 24.0000; standard 0.24 × 9649.24 = 2315.8176 → 2315.82.
			// member: (3000 − 1200) × 0.65 = 1170; pays 1830. to provider 485.82; margin −684.18.
			gz("D5", "H3001", "M000009", "2026-03-01", "2026-03-08", "3000"),
			provWant{"drg", "GZ13", "low", "24.0000", "2315.82", "485.82", "-684.18", "1830.00", ""}},
		{"drg points rounded to 4 places", withWeight("GZ13", "0.8123", "9999"),
			// 31000 / 9999 = 3.10031003100310031003…; 1 + 3.1003100310… − 3 = 1.1003100310…; × 81.23 = 89.37818381… → 89.3782;
			// standard 0.893782 × 9649.24 = 8624.31701… → 8624.32. member: 28800 × 0.65 + 1000 × 0.70 = 19420; pays 11580;
			// to provider max(0, 8624.32 − 11580) = 0; margin 8624.32 − 31000 = −22375.68.
			gz("D6", "H3001", "M000009", "2026-03-01", "2026-03-08", "31000"),
			provWant{"drg", "GZ13", "high", "89.3782", "8624.32", "0.00", "-22375.68", "11580.00", ""}},
		{"LOS at the lower edge 3 is drg", withWeight("GZ13", "0.8", "10000"),
			gz("D7", "H3001", "M000009", "2026-03-01", "2026-03-04", "8000"),
			provWant{"drg", "GZ13", "none", "84.0000", "8105.36", "4525.36", "105.36", "3580.00", ""}},
		{"LOS 2 below the window: ffs, drg_exception", withWeight("GZ13", "0.8", "10000"),
			gz("D8", "H3001", "M000009", "2026-03-01", "2026-03-03", "8000"),
			provWant{"ffs", "GZ13", "-", "-", "-", "4420.00", "-", "3580.00", "drg_exception"}},
		{"LOS at the upper edge 59 is drg", withWeight("GZ13", "0.8", "10000"),
			gz("D9", "H3001", "M000009", "2026-03-01", "2026-04-29", "8000"),
			provWant{"drg", "GZ13", "none", "84.0000", "8105.36", "4525.36", "105.36", "3580.00", ""}},
		{"LOS 60 above the window: ffs, drg_exception", withWeight("GZ13", "0.8", "10000"),
			gz("D10", "H3001", "M000009", "2026-03-01", "2026-04-30", "8000"),
			provWant{"ffs", "GZ13", "-", "-", "-", "4420.00", "-", "3580.00", "drg_exception"}},
		{"grouped DRG without a weight: ffs, drg_exception", withWeight("FM19", "2.85", "32000"),
			gz("D11", "H3001", "M000009", "2026-03-01", "2026-03-08", "8000"),
			provWant{"ffs", "GZ13", "-", "-", "-", "4420.00", "-", "3580.00", "drg_exception"}},
		{"ungroupable case: ffs, drg_exception", nil,
			stay("D12", "H3001", "M000009", "2026-03-01", "2026-03-08", []ln{{"PRC01", "1", "8000"}}, emergency, func(c map[string]any) {
				c["diagnoses"] = []string{"ZZZ.999"}
			}),
			provWant{"ffs", "0000", "-", "-", "-", "4420.00", "-", "3580.00", "drg_exception"}},
		{"disease with the exact main procedure", nil,
			// K35.800 + 47.0901 at level 3: fee 8200. member: (9000 − 1200) × 0.65 = 5070, pays 3930.
			// to provider 8200 − 3930 = 4270; margin 8200 − 9000 = −800.
			stay("S1", "H3001", "M000009", "2026-03-01", "2026-03-05", []ln{{"PRC01", "1", "9000"}}, emergency, func(c map[string]any) {
				c["procedures"] = []string{"47.0901"}
			}),
			provWant{"disease", "-", "-", "-", "8200.00", "4270.00", "-800.00", "3930.00", ""}},
		{"disease with any procedure", nil,
			// no row for 99.9999: the any-procedure row, 7000. to provider 7000 − 3930 = 3070; margin −2000.
			stay("S2", "H3001", "M000009", "2026-03-01", "2026-03-05", []ln{{"PRC01", "1", "9000"}}, emergency, func(c map[string]any) {
				c["procedures"] = []string{"99.9999"}
			}),
			provWant{"disease", "-", "-", "-", "7000.00", "3070.00", "-2000.00", "3930.00", ""}},
		{"bed-day across two bands", nil,
			// psychiatric: days 1–60 × 300 = 18000, 61–100 × 260 = 10400: 28400. member: NUR01 100 × 30 = 3000;
			// (3000 − 1200) × 0.65 = 1170, pays 1830. to provider 26570; margin 25400.
			stay("B1", "H3002", "M000009", "2026-01-01", "2026-04-11", []ln{{"NUR01", "100", "30"}}, emergency, func(c map[string]any) {
				c["ward_type"] = "psychiatric"
			}),
			provWant{"bed_day", "-", "-", "-", "28400.00", "26570.00", "25400.00", "1830.00", ""}},
		{"bed-day across three bands", nil,
			// 60 × 300 + 120 × 260 + 20 × 220 = 18000 + 31200 + 4400 = 53600. member: 6000 − 1200 = 4800 × 0.65 = 3120; pays 2880.
			stay("B2", "H3002", "M000009", "2026-01-01", "2026-07-20", []ln{{"NUR01", "200", "30"}}, emergency, func(c map[string]any) {
				c["ward_type"] = "psychiatric"
			}),
			provWant{"bed_day", "-", "-", "-", "53600.00", "50720.00", "47600.00", "2880.00", ""}},
		{"bed-day at the per-stay cap", nil,
			// rehabilitation: 30 × 450 + 70 × 380 = 40100 → max_per_stay 40000. member pays 1830 as B1.
			stay("B3", "H3002", "M000009", "2026-01-01", "2026-04-11", []ln{{"NUR01", "100", "30"}}, emergency, func(c map[string]any) {
				c["ward_type"] = "rehabilitation"
			}),
			provWant{"bed_day", "-", "-", "-", "40000.00", "38170.00", "37000.00", "1830.00", ""}},
		{"general ward at a bed-day provider is ffs", nil,
			stay("B4", "H3002", "M000009", "2026-01-01", "2026-01-11", []ln{{"NUR01", "10", "30"}}, emergency),
			provWant{"ffs", "-", "-", "-", "-", "0.00", "-", "300.00", ""}},
		{"capitation inside the signup", nil,
			// M000001 signed H1001 2026-01-01..2026-12-31. outpatient level 1: D 100; 400 × 0.60 = 240 consumed.
			visit("V1", "H1001", "M000001", "2026-03-10", []ln{{"LAB02", "1", "500"}}),
			provWant{"capitation", "-", "-", "-", "-", "0.00", "-", "260.00", ""}},
		{"capitation on the signup's last day", nil,
			// M000003 signed H1002 2025-07-01..2026-06-30; poverty +0.05: 0.65 × 400 = 260; assistance 240 × 0.7 = 168;
			// ceiling 450: 428 ≤ 450. pays 72.
			visit("V2", "H1002", "M000003", "2026-06-30", []ln{{"LAB02", "1", "500"}}),
			provWant{"capitation", "-", "-", "-", "-", "0.00", "-", "72.00", ""}},
		{"outside the signup is ffs", nil,
			visit("V3", "H1002", "M000003", "2026-07-01", []ln{{"LAB02", "1", "500"}}),
			provWant{"ffs", "-", "-", "-", "-", "428.00", "-", "72.00", ""}},
		{"not signed with this provider is ffs", nil,
			// M000002 (employee) has no signup: ffs. outpatient level 1: D 200; 300 × 0.70 = 210; pays 290.
			visit("V4", "H1001", "M000002", "2026-03-10", []ln{{"LAB02", "1", "500"}}),
			provWant{"ffs", "-", "-", "-", "-", "210.00", "-", "290.00", ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := sampleBundle(t)
			if tc.modify != nil {
				tc.modify(b)
			}
			eff := newBook(b).Process(&tc.sub, nil)
			if eff.Result.Status != claim.StatusAdjudicated {
				t.Fatalf("status %s %v", eff.Result.Status, eff.Result.Reasons)
			}
			if got := provLine(eff.Result); got != tc.want {
				t.Errorf("\n got  %+v\n want %+v", got, tc.want)
				for _, s := range eff.Result.Explanation {
					t.Logf("  %-16s %s %v", s.Step, s.Detail, s.Amount)
				}
			}
			if eff.Result.Method == MethodCapitation {
				if len(eff.ProviderEntries) != 1 || !eff.ProviderEntries[0].Amount.Equal(eff.Result.FundTotal.Dec()) {
					t.Errorf("capitation consumption entries %+v, want the fund total %s", eff.ProviderEntries, eff.Result.FundTotal.Dec())
				}
			} else if len(eff.ProviderEntries) != 0 {
				t.Errorf("provider entries for %s: %+v", eff.Result.Method, eff.ProviderEntries)
			}
		})
	}
}

func TestVoidReversesCapitationConsumption(t *testing.T) {
	bk := newBook(sampleBundle(t))
	v := visit("V1", "H1001", "M000001", "2026-03-10", []ln{{"LAB02", "1", "500"}})
	if eff := bk.Process(&v, nil); eff.Result.Method != MethodCapitation {
		t.Fatalf("method %s", eff.Result.Method)
	}
	void := decode(t, `{"kind":"void","claim":{"provider_id":"H1001","claim_id":"V1","member_id":"M000001"}}`)
	eff := bk.Process(&void, nil)
	if eff.Result.Method != MethodCapitation || len(eff.ProviderEntries) != 1 || eff.ProviderEntries[0].Amount.String() != "-240" ||
		!eff.ProviderEntries[0].Reversal || eff.ProviderEntries[0].Period != "2026-03" {
		t.Errorf("void of a capitation visit: %+v", eff.ProviderEntries)
	}
}
