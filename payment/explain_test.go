package payment

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"medclaims/claim"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestExplanationGolden renders the explanation of one claim per payment method and
// compares it with testdata/explanation_<method>.golden (go test ./payment -update).
func TestExplanationGolden(t *testing.T) {
	b := sampleBundle(t)
	cases := map[string]claim.Submission{
		"drg": gz("G1", "H3001", "M000009", "2026-03-01", "2026-03-08", "9000", func(c map[string]any) {
			c["lines"] = []any{
				map[string]any{"line_no": 1, "item_code": "BED01", "service_date": "2026-03-01", "quantity": "7", "unit_price": "80.00", "amount": "560.00"},
				map[string]any{"line_no": 2, "item_code": "XC10AA05", "service_date": "2026-03-02", "quantity": "20", "unit_price": "2.40", "amount": "48.00"},
				map[string]any{"line_no": 3, "item_code": "PRC01", "service_date": "2026-03-03", "quantity": "1", "unit_price": "8392.00", "amount": "8392.00"},
			}
		}),
		"disease": stay("G2", "H3001", "M000009", "2026-03-01", "2026-03-05", []ln{{"PRC02", "1", "7600"}, {"SRV02", "1", "200"}}, emergency,
			func(c map[string]any) { c["procedures"] = []string{"47.0901"} }),
		"bed_day": stay("G3", "H3002", "M000001", "2026-01-01", "2026-04-11", []ln{{"NUR01", "100", "30"}, {"TCM01", "20", "45"}},
			func(c map[string]any) { c["ward_type"] = "psychiatric" }, referral("H1001", "X", "up")),
		"capitation": visit("G4", "H1001", "M000001", "2026-03-10", []ln{{"SRV01", "1", "30"}, {"LAB02", "1", "180"}, {"ZZ404", "1", "20"}}),
		"ffs": stay("G5", "H2001", "M000003", "2026-03-01", "2026-03-04", []ln{{"PRC01", "1", "6000"}, {"XJ01DD04", "4", "55"}},
			crossRegion("registered")),
	}
	for method, sub := range cases {
		t.Run(method, func(t *testing.T) {
			eff := newBook(b).Process(&sub, nil)
			if eff.Result.Method != method {
				t.Fatalf("method %s, want %s (%v)", eff.Result.Method, method, eff.Result.Reasons)
			}
			got := render(eff.Result)
			golden := filepath.Join("testdata", "explanation_"+method+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if got != string(want) {
				t.Errorf("explanation differs from %s:\n%s", golden, got)
			}
		})
	}
}

func render(r claim.Result) string {
	var b strings.Builder
	f := func(m *claim.Money) string {
		if m == nil {
			return "-"
		}
		return m.String()
	}
	fmt.Fprintf(&b, "%s/%s %s method=%s total=%s fund=%s member=%s standard=%s to_provider=%s margin=%s\n", r.ProviderID, r.ClaimID,
		r.Status, r.Method, f(r.Total), f(r.FundTotal), f(r.MemberPays), f(r.Standard), f(r.FundToProvider), f(r.ProviderMargin))
	for _, x := range r.Reasons {
		fmt.Fprintf(&b, "reason %s: %s\n", x.Code, x.Message)
	}
	for _, s := range r.Explanation {
		fmt.Fprintf(&b, "%-16s %s", s.Step, s.Detail)
		if s.Amount != nil {
			fmt.Fprintf(&b, " = %s", s.Amount.String())
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// TestLongClaimExplanationIsGrouped: past lineStepLimit lines the explanation gives one
// step per item (lines listed, amounts summed exactly) and one not_in_catalogue reason;
// the amounts are those of the line-by-line path.
func TestLongClaimExplanationIsGrouped(t *testing.T) {
	b := sampleBundle(t)
	items := []ln{{"SRV01", "1", "30"}, {"LAB01", "2", "26.50"}, {"XC10AA05", "3", "2.40"}, {"ZZ404", "1", "20"}, {"ZZ405", "1", "5"}}
	var lines []ln
	for i := range 250 {
		lines = append(lines, items[i%len(items)])
	}
	long := visit("L1", "H2001", "M000003", "2026-03-10", lines)
	r := newBook(b).Process(&long, nil).Result
	var steps, unknown int
	sum := dec("0")
	for _, s := range r.Explanation {
		if s.Step == "line" {
			steps++
			sum = sum.Add(s.Amount.Dec())
			if strings.Contains(s.Detail, "not in catalogue") {
				unknown++
			}
		}
	}
	if steps != 5 || unknown != 2 {
		t.Errorf("%d line steps (%d unknown), want one per item: 5 (2)", steps, unknown)
	}
	if r.Explanation[1].Step != "lines" || !strings.Contains(r.Explanation[1].Detail, "250 lines of 5 items") {
		t.Errorf("grouping step: %+v", r.Explanation[1])
	}
	if !strings.Contains(r.Explanation[2].Detail, "50 line(s) (1, 6, 11, 16, 21, 26, 31, 36, 41, 46, 51, 56 and 38 more) item SRV01 class A: Σ 1500") {
		t.Errorf("first item step: %s", r.Explanation[2].Detail)
	}
	// The same lines priced one by one (a claim under the limit, scaled) give the same sum.
	short := visit("S1", "H2001", "M000003", "2026-03-10", items)
	rs := newBook(b).Process(&short, nil).Result
	if want := rs.Eligible.Dec().Mul(dec("50")); !r.Eligible.Dec().Equal(want) || !sum.Round(2).Equal(want) {
		t.Errorf("eligible %s (Σ steps %s), want 50 × %s = %s", r.Eligible, sum, rs.Eligible, want)
	}
	// (250 lines of one visit also break daily caps: the fraud stage holds it; only the
	// not_in_catalogue reason concerns the grouping.)
	var unknownReasons []claim.Reason
	for _, x := range r.Reasons {
		if x.Code == claim.ReasonNotInCatalogue {
			unknownReasons = append(unknownReasons, x)
		}
	}
	if len(unknownReasons) != 1 || !strings.Contains(unknownReasons[0].Message, "100 line(s) of 2 item(s) not in the catalogue") ||
		!strings.Contains(unknownReasons[0].Message, "ZZ404, ZZ405") {
		t.Errorf("reasons %v", r.Reasons)
	}
}
