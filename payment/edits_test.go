package payment

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"medclaims/claim"
	"medclaims/policy"
)

// el is a claim line for the edit tests: item, date, quantity, unit price.
type el struct{ item, date, qty, price string }

// edClaim builds a claim with the lines as given: an outpatient visit when they share a
// date, else a stay from the first date to the day after the last.
func edClaim(id, provider, member string, dx []string, lines []el, opts ...func(map[string]any)) claim.Submission {
	c := map[string]any{"claim_id": id, "provider_id": provider, "member_id": member, "diagnoses": dx}
	dates := map[string]bool{}
	first, last := lines[0].date, lines[0].date
	var ls []any
	total := "0"
	for i, l := range lines {
		amt := mul(l.qty, l.price)
		ls = append(ls, map[string]any{"line_no": i + 1, "item_code": l.item, "service_date": l.date, "quantity": l.qty,
			"unit_price": l.price, "amount": amt})
		total, dates[l.date] = add(total, amt), true
		first, last = min(first, l.date), max(last, l.date)
	}
	if len(dates) == 1 {
		c["care_type"], c["service_date"] = "outpatient", first
	} else {
		c["care_type"], c["ward_type"], c["admitted"], c["discharged"] = "inpatient", "general", first, nextDay(last)
	}
	c["lines"], c["total"] = ls, total
	for _, o := range opts {
		o(c)
	}
	b, _ := json.Marshal(map[string]any{"kind": "claim", "claim": c})
	s, err := claim.DecodeSubmission(b)
	if err != nil {
		panic(err)
	}
	return s
}

func nextDay(d string) string {
	t, _ := time.Parse("2006-01-02", d)
	return t.AddDate(0, 0, 1).Format("2006-01-02")
}

// editBundle is the sample bundle with the given edits.csv rows.
func editBundle(t *testing.T, rows ...string) *policy.Bundle {
	t.Helper()
	files := map[string][]byte{}
	entries, err := os.ReadDir("../sample/bundle")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if b, err := os.ReadFile(filepath.Join("../sample/bundle", e.Name())); err == nil {
			files[e.Name()] = b
		}
	}
	files[policy.FileEdits] = []byte("edit_id,kind,item_code,other,param,action,effective_from,effective_to,source\n" +
		strings.Join(rows, "\n") + "\n")
	b, err := policy.FromFiles(files, PolicyOptions())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// hits renders a result's edits: "L<line> <edit> <action> <amount>", in order.
func hits(r claim.Result) string {
	var out []string
	for _, h := range r.Edits {
		out = append(out, "L"+itoa(h.LineNo)+" "+h.EditID+" "+h.Action+" "+h.Amount.String())
	}
	return strings.Join(out, "; ")
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

var (
	dxK35 = []string{"K35.800"}
	dxI10 = []string{"I10.x05"}
)

// TestLineEdits is POLICY.md §10 kind by kind, action by action, with every look-alike the
// section names. Sample catalogue: LAB01 A (≤ 25.00 a unit), LAB02 A, EXM01 B 0.8
// (≤ 300.00), EXM02 B 0.5, SRV01 A, TCM01 B 0.6, XC10AA05 B 0.8, PRC01/PRC02 A.
// Members: M000001 man born 1958-04-12, M000002 woman 1979, M000007 girl born 2026-02-01,
// M000010 man born 1962-12-02. Providers: H1001 level 1 and H2001 level 2 in alliance
// ALL01, H3001 level 3 and H1002 level 1 in none.
func TestLineEdits(t *testing.T) {
	srv := el{"SRV01", "2026-10-12", "1", "30.00"} // a line no edit names
	for _, c := range []struct {
		name     string
		edits    []string
		earlier  []claim.Submission // processed first: the member's history
		sub      claim.Submission
		want     string // the result's edits
		refused  string
		eligible string
	}{
		// sex: LAB02 180.00 for women only; a man's line is refused whole.
		// eligible = SRV01 30.00; refused = 180.00; self_pay = 210 − 180 − 30 = 0.
		{"sex: a man", []string{"E1,sex,LAB02,,F,refuse,,,s"}, nil,
			edClaim("C1", "H3001", "M000001", dxK35, []el{srv, {"LAB02", "2026-10-12", "1", "180.00"}}),
			"L2 E1 refuse 180.00", "180.00", "30.00"},
		{"sex: a woman is not acted on", []string{"E1,sex,LAB02,,F,refuse,,,s"}, nil,
			edClaim("C1", "H3001", "M000002", dxK35, []el{srv, {"LAB02", "2026-10-12", "1", "180.00"}}),
			"", "0.00", "210.00"},
		// age: M000010 turns 64 on 2026-12-02. "64.." acts the day before (63), not on the day.
		// self_pay: eligible loses LAB02 180.00 (eligible 30.00), refused stays 0.
		{"age: the day before the birthday", []string{"E1,age,LAB02,,64..,self_pay,,,s"}, nil,
			edClaim("C1", "H3001", "M000010", dxK35, []el{{"SRV01", "2026-12-01", "1", "30.00"}, {"LAB02", "2026-12-01", "1", "180.00"}}),
			"L2 E1 self_pay 180.00", "0.00", "30.00"},
		{"age: on the birthday", []string{"E1,age,LAB02,,64..,self_pay,,,s"}, nil,
			edClaim("C1", "H3001", "M000010", dxK35, []el{{"SRV01", "2026-12-02", "1", "30.00"}, {"LAB02", "2026-12-02", "1", "180.00"}}),
			"", "0.00", "210.00"},
		{"age: ..14, a girl of 0 is inside", []string{"E1,age,LAB02,,..14,refuse,,,s"}, nil,
			edClaim("C1", "H3001", "M000007", dxK35, []el{srv, {"LAB02", "2026-10-12", "1", "180.00"}}), "", "0.00", "210.00"},
		// indication: XC10AA05 30 × 2.40 = 72.00 only for E11; self-pay when no diagnosis
		// starts with it; a secondary diagnosis E11.900 is enough.
		{"indication: none matches", []string{"E1,indication,XC10AA05,,E11|E10,self_pay,,,s"}, nil,
			edClaim("C1", "H3001", "M000002", dxI10, []el{srv, {"XC10AA05", "2026-10-12", "30", "2.40"}}),
			"L2 E1 self_pay 72.00", "0.00", "30.00"},
		{"indication: a secondary diagnosis matches", []string{"E1,indication,XC10AA05,,E11|E10,self_pay,,,s"}, nil,
			edClaim("C1", "H3001", "M000002", []string{"I10.x05", "E11.900"}, []el{srv, {"XC10AA05", "2026-10-12", "30", "2.40"}}),
			"", "0.00", "87.60"}, // 30 + 72 × 0.8 = 87.60
		// level: EXM02 400.00 at level 3 only: refused at H2001 (level 2), paid at H3001.
		{"level: below", []string{"E1,level,EXM02,,3,refuse,,,s"}, nil,
			edClaim("C1", "H2001", "M000002", dxK35, []el{srv, {"EXM02", "2026-10-12", "1", "400.00"}}),
			"L2 E1 refuse 400.00", "400.00", "30.00"},
		{"level: at it", []string{"E1,level,EXM02,,3,refuse,,,s"}, nil,
			edClaim("C1", "H3001", "M000002", dxK35, []el{srv, {"EXM02", "2026-10-12", "1", "400.00"}}),
			"", "0.00", "230.00"}, // 30 + 400 × 0.5
		// exclusive: LAB01 (2 × 25.00) with LAB02 on the same date: the LAB01 line is refused;
		// on different dates nothing (a stay from 10-12 to 10-14).
		{"exclusive: same date", []string{"E1,exclusive,LAB01,LAB02,,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"LAB02", "2026-10-12", "1", "180.00"}, {"LAB01", "2026-10-12", "2", "25.00"}}),
			"L2 E1 refuse 50.00", "50.00", "180.00"},
		{"exclusive: different dates", []string{"E1,exclusive,LAB01,LAB02,,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"LAB02", "2026-10-12", "1", "180.00"}, {"LAB01", "2026-10-13", "2", "25.00"}}),
			"", "0.00", "230.00"},
		{"bundled: same date, self_pay", []string{"E1,bundled,SRV01,PRC02,,self_pay,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"PRC02", "2026-10-12", "1", "4200.00"}, {"SRV01", "2026-10-12", "1", "30.00"}}),
			"L2 E1 self_pay 30.00", "0.00", "4200.00"},
		{"bundled: different dates", []string{"E1,bundled,SRV01,PRC02,,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"PRC02", "2026-10-12", "1", "4200.00"}, {"SRV01", "2026-10-13", "1", "30.00"}}),
			"", "0.00", "4230.00"},
		// repeat 30 days: EXM01 280.00 (B 0.8) done at H1001 on 2026-09-20; again at H2001 (same
		// alliance) on 2026-10-20: d − 30 = 09-20 ≤ d0 — exactly at the limit, refused.
		{"repeat: in the alliance, at the limit", []string{"E1,repeat,EXM01,,30,refuse,,,s"},
			[]claim.Submission{edClaim("P1", "H1001", "M000002", dxK35, []el{{"EXM01", "2026-09-20", "1", "280.00"}})},
			edClaim("C1", "H2001", "M000002", dxK35, []el{{"SRV01", "2026-10-20", "1", "30.00"}, {"EXM01", "2026-10-20", "1", "280.00"}}),
			"L2 E1 refuse 280.00", "280.00", "30.00"},
		{"repeat: one day outside the window", []string{"E1,repeat,EXM01,,30,refuse,,,s"},
			[]claim.Submission{edClaim("P1", "H1001", "M000002", dxK35, []el{{"EXM01", "2026-09-19", "1", "280.00"}})},
			edClaim("C1", "H2001", "M000002", dxK35, []el{{"SRV01", "2026-10-20", "1", "30.00"}, {"EXM01", "2026-10-20", "1", "280.00"}}),
			"", "0.00", "254.00"}, // 30 + 280 × 0.8
		{"repeat: another alliance", []string{"E1,repeat,EXM01,,30,refuse,,,s"},
			[]claim.Submission{edClaim("P1", "H3001", "M000002", dxK35, []el{{"EXM01", "2026-10-01", "1", "280.00"}})},
			edClaim("C1", "H2001", "M000002", dxK35, []el{{"SRV01", "2026-10-20", "1", "30.00"}, {"EXM01", "2026-10-20", "1", "280.00"}}),
			"", "0.00", "254.00"},
		{"repeat: an emergency claim is exempt", []string{"E1,repeat,EXM01,,30,refuse,,,s"},
			[]claim.Submission{edClaim("P1", "H1001", "M000002", dxK35, []el{{"EXM01", "2026-10-01", "1", "280.00"}})},
			edClaim("C1", "H2001", "M000002", dxK35, []el{{"SRV01", "2026-10-20", "1", "30.00"}, {"EXM01", "2026-10-20", "1", "280.00"}}, emergency),
			"", "0.00", "254.00"},
		{"repeat: another member's exam is not this member's", []string{"E1,repeat,EXM01,,30,refuse,,,s"},
			[]claim.Submission{edClaim("P1", "H1001", "M000009", dxK35, []el{{"EXM01", "2026-10-01", "1", "280.00"}})},
			edClaim("C1", "H2001", "M000002", dxK35, []el{{"SRV01", "2026-10-20", "1", "30.00"}, {"EXM01", "2026-10-20", "1", "280.00"}}),
			"", "0.00", "254.00"},
		// units day:2 on TCM01 (45.00, B 0.6): 2 + 1 on one date, excess 1 from the last line:
		// refused 45.00; eligible (2 × 45 + 0) × 0.6 + 30 = 84.00.
		{"units day: the excess from the last line", []string{"E1,units,TCM01,,day:2,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{srv, {"TCM01", "2026-10-12", "2", "45.00"}, {"TCM01", "2026-10-12", "1", "45.00"}}),
			"L3 E1 refuse 45.00", "45.00", "84.00"},
		{"units day: exactly at the limit", []string{"E1,units,TCM01,,day:2,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{srv, {"TCM01", "2026-10-12", "1", "45.00"}, {"TCM01", "2026-10-12", "1", "45.00"}}),
			"", "0.00", "84.00"},
		{"units day: two dates, two each", []string{"E1,units,TCM01,,day:2,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"TCM01", "2026-10-12", "2", "45.00"}, {"TCM01", "2026-10-13", "2", "45.00"}}),
			"", "0.00", "108.00"}, // 4 × 45 × 0.6
		// units claim:3 over 2 + 2 on two dates: excess 1 from line 2 (45.00), self-paid.
		{"units claim: over the whole claim", []string{"E1,units,TCM01,,claim:3,self_pay,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"TCM01", "2026-10-12", "2", "45.00"}, {"TCM01", "2026-10-13", "2", "45.00"}}),
			"L2 E1 self_pay 45.00", "0.00", "81.00"}, // 3 × 45 × 0.6
		// units claim:3 in force from 10-13: only line 2's 2 units count, none above.
		{"units claim: only lines inside the edit's dates", []string{"E1,units,TCM01,,claim:3,refuse,2026-10-13,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"TCM01", "2026-10-12", "2", "45.00"}, {"TCM01", "2026-10-13", "2", "45.00"}}),
			"", "0.00", "108.00"},
		// discount 0.5 on PRC01 and PRC02: PRC01 8200.00 is kept, PRC02 4200.00 loses 2100.00.
		{"discount: the second procedure", []string{"E1,discount,PRC01,,0.5,refuse,,,s", "E2,discount,PRC02,,0.5,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"PRC02", "2026-10-12", "1", "4200.00"}, {"PRC01", "2026-10-12", "1", "8200.00"}}),
			"L1 E2 refuse 2100.00", "2100.00", "10300.00"},
		{"discount: one procedure only", []string{"E1,discount,PRC01,,0.5,refuse,,,s", "E2,discount,PRC02,,0.5,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{srv, {"PRC02", "2026-10-12", "1", "4200.00"}}), "", "0.00", "4230.00"},
		{"discount: different dates", []string{"E1,discount,PRC01,,0.5,refuse,,,s", "E2,discount,PRC02,,0.5,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"PRC02", "2026-10-12", "1", "4200.00"}, {"PRC01", "2026-10-13", "1", "8200.00"}}),
			"", "0.00", "12400.00"},
		{"discount: a tie keeps the lowest line_no", []string{"E2,discount,PRC02,,0.5,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"PRC02", "2026-10-12", "1", "4200.00"}, {"PRC02", "2026-10-12", "1", "4200.00"}}),
			"L2 E2 refuse 2100.00", "2100.00", "6300.00"},
		// discount read on what is left: PRC02 line 1 loses 4000.00 to units claim:0? No:
		// units day:1 on PRC02 takes line 2 (4200.00) whole by quantity; it then has nothing
		// left and takes no part in the discount, so PRC01 and line 1 compete: 8200 kept,
		// line 1 loses 0.5 × 4200 = 2100. refused 4200 + 2100 = 6300.
		{"discount after units: lines with nothing left take no part",
			[]string{"E1,units,PRC02,,day:1,refuse,,,s", "E2,discount,PRC02,,0.5,refuse,,,s", "E3,discount,PRC01,,0.5,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"PRC02", "2026-10-12", "1", "4200.00"}, {"PRC02", "2026-10-12", "1", "4200.00"},
				{"PRC01", "2026-10-12", "1", "8200.00"}}),
			"L1 E2 refuse 2100.00; L2 E1 refuse 4200.00", "6300.00", "10300.00"},
		// two edits on one line: the flag (sex F, a man) is recorded and does not consume the
		// line; the age edit (..59, he is 68) then refuses it whole; units (day:0) finds nothing.
		{"two edits on one line: a flag, then a refusal", []string{"E1,sex,LAB02,,F,flag,,,s", "E2,age,LAB02,,..59,refuse,,,s",
			"E3,units,LAB02,,day:0,refuse,,,s"}, nil,
			edClaim("C1", "H3001", "M000001", dxK35, []el{srv, {"LAB02", "2026-10-12", "1", "180.00"}}),
			"L2 E1 flag 180.00; L2 E2 refuse 180.00", "180.00", "30.00"},
		// the first whole-line edit that is not a flag wins: self_pay (sex, kind order first)
		// before the refusal of level.
		{"two edits on one line: kind order decides", []string{"E1,level,LAB02,,3,refuse,,,s", "E9,sex,LAB02,,F,self_pay,,,s"}, nil,
			edClaim("C1", "H2001", "M000001", dxK35, []el{srv, {"LAB02", "2026-10-12", "1", "180.00"}}),
			"L2 E9 self_pay 180.00", "0.00", "30.00"},
		// effective dates: an edit that ended 2026-09-30 does not act on 10-12.
		{"outside the edit's dates", []string{"E1,sex,LAB02,,F,refuse,2026-01-01,2026-09-30,s"}, nil,
			edClaim("C1", "H3001", "M000001", dxK35, []el{srv, {"LAB02", "2026-10-12", "1", "180.00"}}), "", "0.00", "210.00"},
		// a partly acted-on line above its price ceiling: EXM01 1 × 350.00, ceiling 300.00.
		// discount 0.5 against PRC02 (kept) takes 175.00; f = 175/350 = 0.5; eligible line
		// = 0.5 × min(350, 300) × 0.8 = 120.00; with PRC02 4200.00: 4320.00.
		{"partly acted on above the ceiling", []string{"E1,discount,EXM01,,0.5,refuse,,,s", "E2,discount,PRC02,,0.5,refuse,,,s"}, nil,
			edClaim("C1", "H1002", "M000002", dxK35, []el{{"PRC02", "2026-10-12", "1", "4200.00"}, {"EXM01", "2026-10-12", "1", "350.00"}}),
			"L2 E1 refuse 175.00", "175.00", "4320.00"},
		// units on a line of 3 at 33.33: 1 unit excess = 33.33, exact; f = 66.66 / 99.99.
		{"units: an exact acted-on amount", []string{"E1,units,LAB02,,day:2,self_pay,,,s"}, nil,
			edClaim("C1", "H3001", "M000002", dxK35, []el{{"LAB02", "2026-10-12", "3", "33.33"}}),
			"L1 E1 self_pay 33.33", "0.00", "66.66"},
	} {
		t.Run(c.name, func(t *testing.T) {
			book := newBook(editBundle(t, c.edits...))
			for _, e := range c.earlier {
				if r := book.Process(&e, nil).Result; r.Status != claim.StatusAdjudicated {
					t.Fatalf("earlier claim: %s %v", r.Status, r.Reasons)
				}
			}
			r := book.Process(&c.sub, nil).Result
			if r.Status == claim.StatusRejected {
				t.Fatalf("rejected: %v", r.Reasons)
			}
			if got := hits(r); got != c.want || r.Refused.StringFixed(2) != c.refused || r.Eligible.StringFixed(2) != c.eligible {
				t.Errorf("edits %q refused %s eligible %s, want %q %s %s", got, r.Refused.StringFixed(2), r.Eligible.StringFixed(2), c.want, c.refused, c.eligible)
			}
			checkEditedAmounts(t, r)
		})
	}
}

// checkEditedAmounts holds the identities of §10.3: self_pay = total − refused − eligible,
// member_pays = total − refused − fund_total, one line_edit reason and one edit step per
// entry, and the margin on total − refused.
func checkEditedAmounts(t *testing.T, r claim.Result) {
	t.Helper()
	total, refused := r.Total.Dec(), r.Refused.Dec()
	if !total.Sub(refused).Sub(r.Eligible.Dec()).Equal(r.SelfPay.Dec()) || !total.Sub(refused).Sub(r.FundTotal.Dec()).Equal(r.MemberPays.Dec()) {
		t.Errorf("identities: total %s refused %s eligible %s self_pay %s fund %s member %s", total, refused, r.Eligible, r.SelfPay, r.FundTotal, r.MemberPays)
	}
	if r.Standard != nil && !r.Standard.Dec().Sub(total.Sub(refused)).Equal(r.ProviderMargin.Dec()) {
		t.Errorf("margin %s, standard %s, total − refused %s", r.ProviderMargin, r.Standard, total.Sub(refused))
	}
	steps, reasons := 0, 0
	for _, s := range r.Explanation {
		if s.Step == "edit" {
			steps++
		}
	}
	for _, x := range r.Reasons {
		if x.Code == claim.ReasonLineEdit {
			reasons++
		}
	}
	if steps != len(r.Edits) || reasons != len(r.Edits) {
		t.Errorf("%d edits, %d edit steps, %d line_edit reasons", len(r.Edits), steps, reasons)
	}
	for _, h := range r.Edits {
		if h.Source == "" {
			t.Errorf("edit %s without its source", h.EditID)
		}
	}
}

// TestEditsOnAStandardPricedStay: a refused line lowers the cost the outlier test and the
// margin read (§10.3); the refused amount is the provider's loss.
func TestEditsOnAStandardPricedStay(t *testing.T) {
	// per disease: appendicitis K35.800 at H3001 (fee 7000.00): the standard stays, the
	// margin rises by the refused 180.00.
	lines := []el{{"BED01", "2026-10-10", "1", "60.00"}, {"PRC02", "2026-10-11", "1", "4200.00"}, {"LAB02", "2026-10-11", "1", "180.00"}}
	sub := edClaim("C1", "H3001", "M000001", dxK35, lines)
	plain := newBook(editBundle(t)).Process(ptr(sub), nil).Result
	edited := newBook(editBundle(t, "E1,sex,LAB02,,F,refuse,,,s")).Process(ptr(sub), nil).Result
	if plain.Method != MethodDisease || edited.Method != MethodDisease {
		t.Fatalf("methods %s %s", plain.Method, edited.Method)
	}
	checkEditedAmounts(t, edited)
	if d := edited.ProviderMargin.Dec().Sub(plain.ProviderMargin.Dec()); d.StringFixed(2) != "180.00" || !edited.Standard.Dec().Equal(plain.Standard.Dec()) {
		t.Errorf("margin %s → %s, standard %s → %s", plain.ProviderMargin, edited.ProviderMargin, plain.Standard, edited.Standard)
	}
	if edited.Refused.StringFixed(2) != "180.00" || !plain.MemberPays.Dec().Sub(edited.MemberPays.Dec()).IsPositive() {
		t.Errorf("refused %s, member pays %s → %s", edited.Refused, plain.MemberPays, edited.MemberPays)
	}
	// by DRG: the grouping example (GZ13, RW 0.8, average 10000.00, T 3) at 30180.00 is a
	// high outlier (30180 > 3 × 10000); refusing LAB02 180.00 leaves a cost of exactly
	// 30000.00, not above: a normal case, 80 × 1.05 = 84.0000 points.
	drgLines := []el{{"PRC01", "2026-10-10", "1", "30000.00"}, {"LAB02", "2026-10-11", "1", "180.00"}, {"BED01", "2026-10-16", "1", "0.00"}}
	gzSub := edClaim("D1", "H3001", "M000009", []string{"K22.301", "K11.901", "E11.900", "I10.x05"}, drgLines, func(c map[string]any) {
		c["procedures"], c["emergency"] = []string{"96.0800x005"}, true
	})
	for _, c := range []struct {
		edits           []string
		outlier, points string
	}{{nil, "high", ""}, {[]string{"E1,level,LAB02,,3,flag,,,s", "E2,indication,LAB02,,C50,refuse,,,s"}, "none", "84.0000"}} {
		b := editBundle(t, c.edits...)
		withWeight("GZ13", "0.8", "10000")(b)
		r := newBook(b).Process(ptr(gzSub), nil).Result
		if r.Method != MethodDRG || r.DRG.Outlier != c.outlier || (c.points != "" && r.DRG.Points.StringFixed(4) != c.points) {
			t.Errorf("edits %v: %s %+v", c.edits, r.Method, r.DRG)
		}
		checkEditedAmounts(t, r)
	}
}

func ptr[T any](v T) *T { return &v }

// TestSampleEditsCiteTheirSources: every edit of the sample bundle acts in the demo batch,
// and every kind is there.
func TestSampleEditsCiteTheirSources(t *testing.T) {
	b := sampleBundle(t)
	kinds := map[string]bool{}
	for _, e := range b.Edits {
		kinds[e.Kind] = true
	}
	var missing []string
	for _, k := range policy.EditKinds {
		if !kinds[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("the sample edits lack kinds %v", missing)
	}
}
