package payment

import (
	"encoding/json"
	"strings"
	"testing"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/policy"
)

// withCCEvidence asks K11 for an abdominal ultrasound (EXM03), S67 for any exam and S24 for a
// stent line (MAT01), with the sample weights of GZ13 (0.78, 9200.00) and GZ15 (0.62, 7400.00).
func withCCEvidence(b *policy.Bundle) {
	b.CCEvidence = []policy.CCEvidence{{DxPrefix: "K11", Items: []string{"EXM03"}}, {DxPrefix: "S67", Categories: []string{"exam"}},
		{DxPrefix: "S24", Items: []string{"MAT01"}}}
}

// crush is a GZ13 stay resting on two CCs, S67.000 and S24.100x771 (sample case 222 of the
// grouping tables); without both it groups to GZ15.
func crush(id, total string, lines ...ln) claim.Submission {
	return stay(id, "H3001", "M000009", "2026-03-01", "2026-03-08", append([]ln{{"PRC01", "1", total}}, lines...), emergency, func(c map[string]any) {
		c["diagnoses"] = []string{"K59.301", "S67.000", "S24.100x771", "K63.807"}
		c["procedures"] = []string{"46.9500"}
	})
}

// TestUnsupportedCCOverpayment prices both groups with the real grouper and the sample
// bundle (H3001: level 3, coefficient 1.05; resident base rate 9649.24). By hand:
//
//	gz, total 8000, K11.901 (CC) unsupported → GZ15:
//	  GZ13 normal (3680 ≤ 8000 ≤ 27600): points 78 × 1.05 = 81.9000; standard 0.819 × 9649.24 = 7902.72756 → 7902.73
//	  GZ15 normal (2960 ≤ 8000 ≤ 22200): points 62 × 1.05 = 65.1000; standard 0.651 × 9649.24 = 6281.65524 → 6281.66
//	  overpayment 7902.73 − 6281.66 = 1621.07
//	crush, total 24000, S67.000 and S24.100x771 unsupported → GZ15:
//	  GZ13 normal (24000 ≤ 27600): 7902.73
//	  GZ15 high outlier (24000 > 3 × 7400 = 22200): points 62 × (1 + 24000/7400 − 3) = 62 × 1.2432432432… = 77.0810810…
//	    → 77.0811; standard 0.770811 × 9649.24 = 7437.74033… → 7437.74
//	  overpayment 7902.73 − 7437.74 = 464.99
func TestUnsupportedCCOverpayment(t *testing.T) {
	for _, tc := range []struct {
		name string
		sub  claim.Submission
		want string // the evidence, or "" when the rule must not fire
	}{
		{"gz: K11.901 with no ultrasound", gz("U1", "H3001", "M000009", "2026-03-01", "2026-03-08", "8000"),
			`{"drg":"GZ13","drg_regrouped":"GZ15","overpayment":"1621.07","rw":"0.78","rw_regrouped":"0.62","standard":"7902.73","standard_regrouped":"6281.66","unsupported":["K11.901"]}`},
		{"crush: neither CC supported, the regrouped case a high outlier", crush("U2", "24000"),
			`{"drg":"GZ13","drg_regrouped":"GZ15","overpayment":"464.99","rw":"0.78","rw_regrouped":"0.62","standard":"7902.73","standard_regrouped":"7437.74","unsupported":["S67.000","S24.100x771"]}`},
		{"gz with the ultrasound line: supported", gz("U3", "H3001", "M000009", "2026-03-01", "2026-03-08", "8000", func(c map[string]any) {
			ls := c["lines"].([]any)
			c["lines"] = append(ls, map[string]any{"line_no": 2, "item_code": "EXM03", "service_date": "2026-03-02", "quantity": "1", "unit_price": "100", "amount": "100"})
			c["total"] = "8100"
		}), ""},
		{"crush with a chest CT: S67 supported, S24 alone does not change the group", crush("U4", "24000", ln{"EXM01", "1", "300"}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := sampleBundle(t)
			withCCEvidence(b)
			eff := newBook(b).Process(&tc.sub, nil)
			if eff.Result.DRG == nil || eff.Result.DRG.DRG != "GZ13" || eff.Result.Method != MethodDRG {
				t.Fatalf("not a GZ13 DRG case: %+v %v", eff.Result.DRG, eff.Result.Reasons)
			}
			var hit *fraud.Flag
			for i := range eff.Flags {
				if eff.Flags[i].Rule == fraud.UnsupportedCC {
					hit = &eff.Flags[i]
				}
			}
			fired := strings.Contains(strings.Join(eff.Result.Fraud.Rules, ","), fraud.UnsupportedCC)
			if tc.want == "" {
				if fired {
					t.Errorf("fired: %v", eff.Result.Fraud.Rules)
				}
				return
			}
			if !fired || hit == nil {
				t.Fatalf("did not fire or flag: %+v", eff.Result.Fraud)
			}
			ev := map[string]any{}
			for _, k := range []string{"drg", "drg_regrouped", "overpayment", "rw", "rw_regrouped", "standard", "standard_regrouped", "unsupported"} {
				ev[k] = hit.Evidence[k]
			}
			got, _ := json.Marshal(ev)
			if string(got) != tc.want {
				t.Errorf("evidence\n%s, want\n%s", got, tc.want)
			}
			if eff.Result.Standard.StringFixed(2) != hit.Evidence["standard"] {
				t.Errorf("the result's standard %s is not the evidence's", eff.Result.Standard.StringFixed(2))
			}
		})
	}
}
