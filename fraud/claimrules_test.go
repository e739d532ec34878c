package fraud

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/policy"
)

func day(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }

var catalogue = map[string]policy.Item{
	"BED01": {Code: "BED01", Category: "bed"},
	"LAB01": {Code: "LAB01", Category: "lab", MaxDailyQty: ptr(d("3"))},
	"SRV01": {Code: "SRV01", Category: "service", HoursPerUnit: ptr(d("0.5"))},
	"NUR09": {Code: "NUR09", Category: "nursing", HoursPerUnit: ptr(d("8"))},
	"DRG01": {Code: "DRG01", Category: "drug"},
}

func ptr(x decimal.Decimal) *decimal.Decimal { return &x }

// line is item×qty on a date (amount 10 a unit), optionally by a practitioner.
type line struct {
	item, date, qty, who string
}

func stay(provider, id, member, admitted, discharged, dx string, lines ...line) *Fact {
	f := fact(provider, id, member, lines)
	f.Inpatient, f.Admitted, f.Discharged, f.PrincipalDx = true, day(admitted), day(discharged), dx
	return f
}

func visit(provider, id, member, on string, lines ...line) *Fact {
	f := fact(provider, id, member, lines)
	f.ServiceDate = day(on)
	return f
}

func fact(provider, id, member string, lines []line) *Fact {
	c := claim.Claim{ClaimID: id, ProviderID: provider, MemberID: member}
	for i, l := range lines {
		q := d(l.qty)
		c.Lines = append(c.Lines, claim.Line{LineNo: i + 1, ItemCode: l.item, ServiceDate: day(l.date), Quantity: q,
			Amount: q.Mul(d("10")), PractitionerID: l.who})
	}
	f := NewFact(&c, catalogue)
	f.Status = "adjudicated"
	return &f
}

func run(t *testing.T, c *Fact, member *policy.Member, history ...*Fact) ClaimResult {
	t.Helper()
	if member == nil {
		member = &policy.Member{ID: c.MemberID}
	}
	return EvaluateClaim(NewParams(policy.FraudParams{}), ClaimInput{Claim: c, History: history, Member: member, Catalogue: catalogue})
}

// fired returns the hit of rule, or nil.
func fired(r ClaimResult, rule string) *Hit {
	for i := range r.Hits {
		if r.Hits[i].Rule == rule {
			return &r.Hits[i]
		}
	}
	return nil
}

func evidence(t *testing.T, h *Hit) string {
	t.Helper()
	b, err := json.Marshal(h.Evidence)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestClaimRules: each rule's positive case with its evidence, and the look-alikes that
// must not fire (FRAUD.md §2).
func TestClaimRules(t *testing.T) {
	dead := &policy.Member{ID: "M1", DeathDate: day("2026-03-10")}
	cases := []struct {
		name     string
		claim    *Fact
		member   *policy.Member
		history  []*Fact
		rule     string
		fires    bool
		evidence []string // substrings of the evidence JSON
		others   []string // claim ids named
	}{
		{"after death: a line after the death date", stay("H1", "C1", "M1", "2026-03-08", "2026-03-12", "K35.800",
			line{"BED01", "2026-03-08", "1", ""}, line{"LAB01", "2026-03-11", "1", ""}), dead, nil, AfterDeath, true,
			[]string{`"death_date":"2026-03-10"`, `"dates_after_death":["2026-03-11"]`, `"lines":[2]`}, nil},
		{"after death: a visit after the death date", visit("H1", "C1", "M1", "2026-03-11", line{"SRV01", "2026-03-11", "1", ""}),
			dead, nil, AfterDeath, true, []string{`"dates_after_death":["2026-03-11"]`}, nil},
		{"after death: on the death date itself", visit("H1", "C1", "M1", "2026-03-10", line{"SRV01", "2026-03-10", "1", ""}),
			dead, nil, AfterDeath, false, nil, nil},

		{"overlapping stays at two providers", stay("H2", "B1", "M1", "2026-03-05", "2026-03-09", "K35.800"), nil,
			[]*Fact{stay("H1", "A1", "M1", "2026-03-01", "2026-03-07", "K35.800")}, OverlappingStay, true,
			[]string{`"claim_id":"A1"`, `stays share 2 night(s) from 2026-03-05`}, []string{"A1"}},
		{"same-day transfer shares no night", stay("H2", "B1", "M1", "2026-03-07", "2026-03-09", "K35.800"), nil,
			[]*Fact{stay("H1", "A1", "M1", "2026-03-01", "2026-03-07", "K35.800")}, OverlappingStay, false, nil, nil},
		{"a visit elsewhere strictly inside the stay", stay("H1", "A1", "M1", "2026-03-01", "2026-03-07", "K35.800"), nil,
			[]*Fact{visit("H2", "V1", "M1", "2026-03-04")}, OverlappingStay, true, []string{"outpatient visit on 2026-03-04 inside this stay"}, []string{"V1"}},
		{"a visit elsewhere on the discharge day", visit("H2", "V1", "M1", "2026-03-07"), nil,
			[]*Fact{stay("H1", "A1", "M1", "2026-03-01", "2026-03-07", "K35.800")}, OverlappingStay, false, nil, nil},
		{"two stays at the same provider are not overlapping stays", stay("H1", "B1", "M1", "2026-03-05", "2026-03-09", "K35.800"), nil,
			[]*Fact{stay("H1", "A1", "M1", "2026-03-01", "2026-03-07", "K35.800")}, OverlappingStay, false, nil, nil},

		{"daily cap summed over lines", visit("H1", "C1", "M1", "2026-03-01", line{"LAB01", "2026-03-01", "2", ""}, line{"LAB01", "2026-03-01", "2", ""}),
			nil, nil, DailyCap, true, []string{`"item_code":"LAB01"`, `"quantity":"4"`, `"max_daily_qty":"3"`, `"lines":[1,2]`}, nil},
		{"daily cap reached, not exceeded", visit("H1", "C1", "M1", "2026-03-01", line{"LAB01", "2026-03-01", "3", ""}),
			nil, nil, DailyCap, false, nil, nil},
		{"the cap is per date", stay("H1", "C1", "M1", "2026-03-01", "2026-03-03", "K35.800", line{"LAB01", "2026-03-01", "3", ""}, line{"LAB01", "2026-03-02", "3", ""}),
			nil, nil, DailyCap, false, nil, nil},

		{"hours over 24 across the member's claims", visit("H2", "C2", "M1", "2026-03-01", line{"NUR09", "2026-03-01", "2", ""}), nil,
			[]*Fact{visit("H1", "C1", "M1", "2026-03-01", line{"NUR09", "2026-03-01", "1", ""}, line{"SRV01", "2026-03-01", "1", ""})}, HoursOver24, true,
			[]string{`"hours":"24.5"`, `"max_hours":"24"`, `"claim_id":"C1","hours":"8.5"`}, []string{"C1"}},
		{"exactly 24.0 hours does not fire", visit("H2", "C2", "M1", "2026-03-01", line{"NUR09", "2026-03-01", "2", ""}), nil,
			[]*Fact{visit("H1", "C1", "M1", "2026-03-01", line{"NUR09", "2026-03-01", "1", ""})}, HoursOver24, false, nil, nil},

		{"bed days above the stay", stay("H1", "C1", "M1", "2026-03-01", "2026-03-04", "K35.800", line{"BED01", "2026-03-01", "5", ""}),
			nil, nil, BedDaysOverStay, true, []string{`"bed_quantity":"5"`, `"los":3`}, nil},
		{"a one-day stay with one bed fee", stay("H1", "C1", "M1", "2026-03-01", "2026-03-01", "K35.800", line{"BED01", "2026-03-01", "1", ""}),
			nil, nil, BedDaysOverStay, false, nil, nil},

		{"duplicate charge of an item on a date", visit("H2", "C2", "M1", "2026-03-01", line{"LAB01", "2026-03-01", "1", ""}), nil,
			[]*Fact{visit("H1", "C1", "M1", "2026-03-01", line{"LAB01", "2026-03-01", "1", ""})}, DuplicateCharge, true,
			[]string{`"item_code":"LAB01"`, `"billed_by":[{"claim_id":"C1","provider_id":"H1"}]`}, []string{"C1"}},
		{"the same item on another date", visit("H2", "C2", "M1", "2026-03-02", line{"LAB01", "2026-03-02", "1", ""}), nil,
			[]*Fact{visit("H1", "C1", "M1", "2026-03-01", line{"LAB01", "2026-03-01", "1", ""})}, DuplicateCharge, false, nil, nil},
		{"its own earlier version is not history (a replace)", visit("H1", "C1", "M1", "2026-03-01", line{"LAB01", "2026-03-01", "1", ""}), nil,
			[]*Fact{visit("H1", "C1", "M1", "2026-03-01", line{"LAB01", "2026-03-01", "1", ""})}, DuplicateCharge, false, nil, nil},

		{"split admission", stay("H1", "S2", "M1", "2026-03-20", "2026-03-25", "K35.900"), nil,
			[]*Fact{stay("H1", "S1", "M1", "2026-03-01", "2026-03-10", "K35.800")}, SplitAdmission, true,
			[]string{`"gap_days":10`, `"max_days":15`, `"claim_id":"S1"`}, []string{"S1"}},
		{"emergency readmission", func() *Fact {
			f := stay("H1", "S2", "M1", "2026-03-12", "2026-03-15", "K35.800")
			f.Emergency = true
			return f
		}(), nil, []*Fact{stay("H1", "S1", "M1", "2026-03-01", "2026-03-10", "K35.800")}, SplitAdmission, false, nil, nil},
		{"readmission after 16 days", stay("H1", "S2", "M1", "2026-03-26", "2026-03-28", "K35.800"), nil,
			[]*Fact{stay("H1", "S1", "M1", "2026-03-01", "2026-03-10", "K35.800")}, SplitAdmission, false, nil, nil},
		{"another diagnosis", stay("H1", "S2", "M1", "2026-03-12", "2026-03-15", "I21.000"), nil,
			[]*Fact{stay("H1", "S1", "M1", "2026-03-01", "2026-03-10", "K35.800")}, SplitAdmission, false, nil, nil},
		{"another provider", stay("H2", "S2", "M1", "2026-03-12", "2026-03-15", "K35.800"), nil,
			[]*Fact{stay("H1", "S1", "M1", "2026-03-01", "2026-03-10", "K35.800")}, SplitAdmission, false, nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.claim, tc.member, tc.history...)
			h := fired(r, tc.rule)
			if (h != nil) != tc.fires {
				t.Fatalf("%s fired %v, want %v (hits %v)", tc.rule, h != nil, tc.fires, r.Rules())
			}
			if h == nil {
				return
			}
			ev := evidence(t, h)
			for _, want := range tc.evidence {
				if !strings.Contains(ev, want) {
					t.Errorf("evidence %s lacks %s", ev, want)
				}
			}
			var others []string
			for _, k := range h.Others {
				others = append(others, k.ClaimID)
			}
			if strings.Join(others, ",") != strings.Join(tc.others, ",") {
				t.Errorf("names %v, want %v", others, tc.others)
			}
			if !h.Weight.Equal(NewParams(policy.FraudParams{}).Weight(tc.rule)) {
				t.Errorf("weight %s", h.Weight)
			}
		})
	}
}

// TestClaimScore: 1 − Π(1 − weight), 4 places; switched-off rules do not run; the bundle's
// weights apply.
func TestClaimScore(t *testing.T) {
	c := stay("H1", "C1", "M1", "2026-03-08", "2026-03-12", "K35.800", line{"BED01", "2026-03-08", "9", ""}, line{"LAB01", "2026-03-11", "1", ""})
	dead := &policy.Member{ID: "M1", DeathDate: day("2026-03-10")}
	r := run(t, c, dead)
	// after_death 0.95 and bed_days_over_stay 0.85: 1 − 0.05 × 0.15 = 0.9925
	if !r.Score.Equal(d("0.9925")) || strings.Join(r.Rules(), ",") != "after_death,bed_days_over_stay" {
		t.Errorf("score %s rules %v", r.Score, r.Rules())
	}
	off := false
	p := NewParams(policy.FraudParams{Rules: map[string]policy.FraudRuleParams{
		AfterDeath:      {Enabled: &off},
		BedDaysOverStay: {Values: map[string]decimal.Decimal{"weight": d("0.5")}},
	}})
	r = EvaluateClaim(p, ClaimInput{Claim: c, Member: dead, Catalogue: catalogue})
	if !r.Score.Equal(d("0.5")) || strings.Join(r.Rules(), ",") != "bed_days_over_stay" {
		t.Errorf("with the bundle's parameters: score %s rules %v", r.Score, r.Rules())
	}
	if r := run(t, visit("H1", "C9", "M1", "2026-03-01", line{"SRV01", "2026-03-01", "1", ""}), nil); !r.Score.IsZero() || len(r.Hits) != 0 {
		t.Errorf("a clean claim scores %s %v", r.Score, r.Rules())
	}
}

// TestFactRoundTrip: a fact reads back as it was stored.
func TestFactRoundTrip(t *testing.T) {
	f := stay("H1", "C1", "M1", "2026-03-01", "2026-03-04", "K35.800", line{"NUR09", "2026-03-01", "2", "D7"}, line{"BED01", "2026-03-02", "1", ""})
	f.DRG, f.Score, f.Emergency = "GB25", d("0.85"), true
	text := f.Encode()
	back, err := DecodeFact(text)
	if err != nil {
		t.Fatal(err)
	}
	back.Key = f.Key
	if back.Encode() != text || back.Lines[0].Hours.String() != "16" || back.Lines[0].Practitioner != "D7" || !back.Admitted.Equal(f.Admitted) ||
		!back.Total.Equal(f.Total) || back.Version != f.Version || !back.Emergency || back.DRG != "GB25" {
		t.Errorf("round trip:\n%q\n%q", text, back.Encode())
	}
	if _, err := DecodeFact("1\tM1"); err == nil {
		t.Error("a short header was accepted")
	}
}

// TestDaysOfSupply: a drug line's days_supply spreads its quantity over that many days
// (FRAUD.md §2.3). A 12-week prescription of one tablet a day (84 for 84 days, cap 2 a
// day) never fires; 200 tablets for 84 days (2.38 a day) does; the same 84 tablets without
// days_supply does; a second line of the item on a covered day adds to that day; a
// non-drug line's days_supply is not read; the fact keeps it through storage.
func TestDaysOfSupply(t *testing.T) {
	cat := map[string]policy.Item{"XC10": {Code: "XC10", Category: "drug", MaxDailyQty: ptr(d("2"))},
		"LAB01": {Code: "LAB01", Category: "lab", MaxDailyQty: ptr(d("3"))}}
	mk := func(lines ...claim.Line) *Fact {
		c := claim.Claim{ClaimID: "RX", ProviderID: "H1", MemberID: "M1", ServiceDate: day("2026-03-01")}
		for i, l := range lines {
			l.LineNo, l.ServiceDate = i+1, day("2026-03-01")
			if l.ItemCode == "" {
				l.ItemCode = "XC10"
			}
			c.Lines = append(c.Lines, l)
		}
		f := NewFact(&c, cat)
		return &f
	}
	runWith := func(f *Fact) *Hit {
		return fired(EvaluateClaim(NewParams(policy.FraudParams{}), ClaimInput{Claim: f, Member: &policy.Member{ID: "M1"}, Catalogue: cat}), DailyCap)
	}
	for _, c := range []struct {
		name  string
		fact  *Fact
		fires bool
		shows string
	}{
		{"84 tablets for 84 days", mk(claim.Line{Quantity: d("84"), DaysSupply: 84}), false, ""},
		{"200 tablets for 84 days", mk(claim.Line{Quantity: d("200"), DaysSupply: 84}), true, `"quantity":"2.381"`},
		{"84 tablets with no days_supply", mk(claim.Line{Quantity: d("84")}), true, `"quantity":"84"`},
		{"exactly at the cap over the days", mk(claim.Line{Quantity: d("168"), DaysSupply: 84}), false, ""},
		{"another line on a covered day", mk(claim.Line{Quantity: d("84"), DaysSupply: 84}, claim.Line{Quantity: d("1.5")}), true, `"lines":[1,2]`},
		{"days_supply on a lab line is not read", mk(claim.Line{ItemCode: "LAB01", Quantity: d("30"), DaysSupply: 30}), true, `"quantity":"30"`},
	} {
		h := runWith(c.fact)
		if (h != nil) != c.fires || (c.shows != "" && !strings.Contains(evidence(t, h), c.shows)) {
			t.Errorf("%s: fired %v, evidence %v", c.name, h != nil, h)
		}
	}
	f := mk(claim.Line{Quantity: d("84"), DaysSupply: 84})
	back, err := DecodeFact(f.Encode())
	if err != nil || back.Lines[0].DaysSupply != 84 {
		t.Errorf("days_supply through storage: %+v %v", back.Lines, err)
	}
}
