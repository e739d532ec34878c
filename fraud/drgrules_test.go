package fraud

import (
	"fmt"
	"strings"
	"testing"

	"medclaims/claim"
	"medclaims/policy"
)

var traceCatalogue = map[string]policy.Item{
	"XB01": {Code: "XB01", Category: "drug"},                // a box sold whole
	"XS30": {Code: "XS30", Category: "drug", PackUnits: 30}, // a 30-tablet box sold split (拆零)
}

const codeA, codeB = "81234567890123456789", "81234567890123456790"

// boxLine is one line of item×qty carrying codes.
func boxed(provider, id, member, on, item, qty string, codes ...string) *Fact {
	f := visit(provider, id, member, on, line{item, on, qty, ""})
	f.Lines[0].TraceCodes, f.Lines[0].Category = codes, "drug"
	return f
}

// ledger is the trace settlements of earlier facts, in the order given.
func ledger(fs ...*Fact) map[string][]TraceUse {
	out := map[string][]TraceUse{}
	for _, f := range fs {
		for _, u := range TraceUses(f) {
			out[u.Code] = append(out[u.Code], u)
		}
	}
	return out
}

func runTrace(c *Fact, earlier ...*Fact) *Hit {
	return fired(EvaluateClaim(NewParams(policy.FraudParams{}), ClaimInput{Claim: c, Member: &policy.Member{ID: c.MemberID},
		Catalogue: traceCatalogue, Trace: ledger(earlier...)}), TraceCodeReused)
}

// TestTraceCodeReused (FRAUD.md §8.1): a box settled by another live claim, of any member
// at any provider, fires on the later claim naming the first settlement; split sales within
// pack_units do not, beyond it they do; a replaced claim keeping its codes does not.
func TestTraceCodeReused(t *testing.T) {
	first := boxed("H1", "C1", "M1", "2026-03-01", "XB01", "1", codeA)
	second := boxed("H2", "C9", "M2", "2026-03-05", "XB01", "1", codeB, codeA)
	h := runTrace(second, first)
	if h == nil {
		t.Fatal("a box settled twice did not fire")
	}
	ev := evidence(t, h)
	for _, want := range []string{`"code":"` + codeA + `"`, `"first_settlement":{"claim_id":"C1","date":"2026-03-01","line":1,"member_id":"M1","provider_id":"H1"}`,
		`"settlements_before":1`, `"item_code":"XB01"`} {
		if !strings.Contains(ev, want) {
			t.Errorf("evidence %s lacks %s", ev, want)
		}
	}
	if strings.Contains(ev, codeB) || len(h.Others) != 1 || h.Others[0] != first.Key {
		t.Errorf("others %v, evidence %s", h.Others, ev)
	}
	for _, c := range []struct {
		name    string
		claim   *Fact
		earlier []*Fact
		fires   bool
	}{
		{"a code nobody settled", boxed("H1", "C2", "M1", "2026-03-02", "XB01", "1", codeB), []*Fact{first}, false},
		{"the claim's own earlier version (a replace keeping its codes)", boxed("H1", "C1", "M1", "2026-03-01", "XB01", "1", codeA), []*Fact{first}, false},
		{"split sale within the box: 10 + 20 of 30",
			boxed("H2", "S2", "M2", "2026-03-03", "XS30", "20", codeA), []*Fact{boxed("H1", "S1", "M1", "2026-03-01", "XS30", "10", codeA)}, false},
		{"split sales beyond the box: 10 + 20 + 1 of 30",
			boxed("H3", "S3", "M3", "2026-03-04", "XS30", "1", codeA), []*Fact{boxed("H1", "S1", "M1", "2026-03-01", "XS30", "10", codeA),
				boxed("H2", "S2", "M2", "2026-03-03", "XS30", "20", codeA)}, true},
		{"two codes on a line charge half each: 40 over two boxes, then 15 more of one",
			boxed("H2", "S2", "M2", "2026-03-03", "XS30", "15", codeA), []*Fact{boxed("H1", "S1", "M1", "2026-03-01", "XS30", "40", codeA, codeB)}, true},
		{"two codes on a line charge half each: 40 over two boxes, then 10 more of one",
			boxed("H2", "S2", "M2", "2026-03-03", "XS30", "10", codeA), []*Fact{boxed("H1", "S1", "M1", "2026-03-01", "XS30", "40", codeA, codeB)}, false},
	} {
		if h := runTrace(c.claim, c.earlier...); (h != nil) != c.fires {
			t.Errorf("%s: fired %v", c.name, h != nil)
		} else if h != nil && !strings.Contains(evidence(t, h), `"pack_units":30`) {
			t.Errorf("%s: evidence %s lacks pack_units", c.name, evidence(t, h))
		}
	}
	back, err := DecodeFact(second.Encode())
	if err != nil || strings.Join(back.Lines[0].TraceCodes, ",") != codeB+","+codeA {
		t.Errorf("codes through storage: %+v %v", back.Lines, err)
	}
}

// fakeCoding is a DRG stay's coding with a regrouping that drops to GB25 (RW 1.1, standard
// 9,000) without every diagnosis in drops, and stays put otherwise.
func fakeCoding(evidence []policy.CCEvidence, severe ...string) *Coding {
	b := &policy.Bundle{CCEvidence: evidence}
	return &Coding{DRG: "GB23", RW: d("1.5"), Standard: d("12000.50"), Severe: severe, Evidence: b.EvidenceFor,
		Regroup: func(without []string) (Regrouped, bool) {
			if len(without) == len(severe) {
				return Regrouped{DRG: "GB25", RW: d("1.1"), Standard: d("9000.25")}, true
			}
			return Regrouped{DRG: "GB23", RW: d("1.5"), Standard: d("12000.50")}, true
		}}
}

// TestUnsupportedCC (FRAUD.md §8.5): a CC the evidence table wants and no line shows fires
// with both groups and the overpayment; one matching line (item or category) supports it;
// a diagnosis without an evidence row is not questioned. (The regrouping and the pricing
// behind Coding are tested with the real grouper in package payment.)
func TestUnsupportedCC(t *testing.T) {
	ev := []policy.CCEvidence{{DxPrefix: "J96", Items: []string{"VENT01"}}, {DxPrefix: "E87", Categories: []string{"lab"}}}
	mk := func(lines ...line) ClaimInput {
		f := stay("H1", "C1", "M1", "2026-03-01", "2026-03-06", "K35.800", lines...)
		return ClaimInput{Claim: f, Member: &policy.Member{ID: "M1"}, Catalogue: map[string]policy.Item{"VENT01": {Category: "procedure"}, "LAB01": {Category: "lab"}}}
	}
	in := mk(line{"BED01", "2026-03-01", "5", ""})
	in.Coding = fakeCoding(ev, "J96.000", "E87.100")
	h := fired(EvaluateClaim(NewParams(policy.FraudParams{}), in), UnsupportedCC)
	if h == nil {
		t.Fatal("an unsupported CC did not fire")
	}
	got := evidence(t, h)
	want := `{"drg":"GB23","drg_regrouped":"GB25","overpayment":"3000.25","rw":"1.5","rw_regrouped":"1.1","standard":"12000.50",` +
		`"standard_regrouped":"9000.25","unsupported":["J96.000","E87.100"]}`
	if got != want {
		t.Errorf("evidence\n%s, want\n%s", got, want)
	}
	for _, c := range []struct {
		name  string
		in    ClaimInput
		code  *Coding
		fires bool
	}{
		{"one matching line (the item) supports J96, one lab line supports E87", mk(line{"VENT01", "2026-03-02", "1", ""}, line{"LAB01", "2026-03-02", "1", ""}),
			fakeCoding(ev, "J96.000", "E87.100"), false},
		{"a diagnosis with no evidence row is not questioned", mk(), fakeCoding(ev, "I10.x00"), false},
		{"a DRG that is not a CC/MCC subgroup", mk(), func() *Coding { c := fakeCoding(ev, "J96.000"); c.DRG = "GB25"; return c }(), false},
		{"regrouped DRG without a weight", mk(), func() *Coding {
			c := fakeCoding(ev, "J96.000")
			c.Regroup = func([]string) (Regrouped, bool) { return Regrouped{}, false }
			return c
		}(), false},
		{"regrouped to a group of no lower weight", mk(), func() *Coding {
			c := fakeCoding(ev, "J96.000")
			c.Regroup = func([]string) (Regrouped, bool) {
				return Regrouped{DRG: "GB21", RW: d("1.5"), Standard: d("12000.50")}, true
			}
			return c
		}(), false},
	} {
		c.in.Coding = c.code
		if h := fired(EvaluateClaim(NewParams(policy.FraudParams{}), c.in), UnsupportedCC); (h != nil) != c.fires {
			t.Errorf("%s: fired %v", c.name, h != nil)
		}
	}
}

// shiftStay is a package stay (method drg or disease) at H1.
func shiftStay(id, method, admitted, discharged string) *Fact {
	f := stay("H1", id, "M1", admitted, discharged, "K35.800", line{"BED01", admitted, "1", ""})
	f.Method, f.DRG = method, "GB25"
	return f
}

// TestCostShifting (FRAUD.md §8.6): a non-emergency visit with an exam or lab line at the
// stay's provider within 3 days before admission or after discharge; either claim may come
// second and is the one flagged.
func TestCostShifting(t *testing.T) {
	catalogue["EXM01"] = policy.Item{Code: "EXM01", Category: "exam"}
	defer delete(catalogue, "EXM01")
	lab := func(id, on string) *Fact { return visit("H1", id, "M1", on, line{"LAB01", on, "1", ""}) }
	st := shiftStay("S1", "drg", "2026-03-10", "2026-03-15")
	h := fired(run(t, lab("V1", "2026-03-07"), nil, st), CostShifting)
	if h == nil {
		t.Fatal("a lab visit 3 days before a DRG admission did not fire")
	}
	for _, want := range []string{`"when":"3 day(s) before admission"`, `"exam_lab_lines":[1]`, `"method":"drg"`, `"days":3`, `"exam_lab_amount":"10.00"`} {
		if !strings.Contains(evidence(t, h), want) {
			t.Errorf("evidence %s lacks %s", evidence(t, h), want)
		}
	}
	if len(h.Others) != 1 || h.Others[0] != st.Key {
		t.Errorf("others %v", h.Others)
	}
	// The stay processed after the visits names them both.
	h = fired(run(t, st, nil, lab("V1", "2026-03-08"), visit("H1", "V2", "M1", "2026-03-17", line{"EXM01", "2026-03-17", "1", ""})), CostShifting)
	if h == nil || len(h.Others) != 2 || !strings.Contains(evidence(t, h), `"when":"2 day(s) after discharge"`) {
		t.Errorf("stay after its visits: %v", h)
	}
	emergency := lab("V3", "2026-03-09")
	emergency.Emergency = true
	for _, c := range []struct {
		name    string
		claim   *Fact
		history []*Fact
	}{
		{"an emergency visit the day before admission", emergency, []*Fact{st}},
		{"a visit with only drug lines", visit("H1", "V4", "M1", "2026-03-09", line{"DRG01", "2026-03-09", "1", ""}), []*Fact{st}},
		{"4 days before admission", lab("V5", "2026-03-06"), []*Fact{st}},
		{"a fee-for-service stay", lab("V6", "2026-03-09"), []*Fact{shiftStay("S2", "ffs", "2026-03-10", "2026-03-15")}},
		{"a visit at another provider", visit("H2", "V7", "M1", "2026-03-09", line{"LAB01", "2026-03-09", "1", ""}), []*Fact{st}},
	} {
		if h := fired(run(t, c.claim, nil, c.history...), CostShifting); h != nil {
			t.Errorf("%s fired: %s", c.name, evidence(t, h))
		}
	}
	if h := fired(run(t, shiftStay("S3", "disease", "2026-03-10", "2026-03-15"), nil, lab("V8", "2026-03-10")), CostShifting); h == nil {
		t.Error("a lab visit on the day of a per-disease admission did not fire")
	}
}

// TestSplitAdmissionAlliance (FRAUD.md §8.4): an alliance partner's earlier stay counts from
// a gap of one day; a same-day transfer does not, nor a partner outside the alliance, nor
// an empty alliance, nor an approved downward referral.
func TestSplitAdmissionAlliance(t *testing.T) {
	alliance := map[string]string{"H1": "A1", "H2": "A1", "H3": "", "H4": ""}
	runA := func(c *Fact, history ...*Fact) *Hit {
		return fired(EvaluateClaim(NewParams(policy.FraudParams{}), ClaimInput{Claim: c, History: history, Member: &policy.Member{ID: "M1"},
			Catalogue: catalogue, Alliance: func(id string) string { return alliance[id] }}), SplitAdmission)
	}
	earlier := stay("H1", "E1", "M1", "2026-03-01", "2026-03-10", "K35.800")
	later := func(provider, admitted string) *Fact {
		return stay(provider, "L1", "M1", admitted, "2026-03-20", "K35.900")
	}
	h := runA(later("H2", "2026-03-11"), earlier)
	if h == nil || !strings.Contains(evidence(t, h), `"alliance_id":"A1"`) || !strings.Contains(evidence(t, h), `"gap_days":1`) {
		t.Fatalf("split across an alliance: %v", h)
	}
	down := later("H2", "2026-03-12")
	down.DownReferral = true
	for _, c := range []struct {
		name    string
		claim   *Fact
		history *Fact
		fires   bool
	}{
		{"a same-day transfer between alliance members", later("H2", "2026-03-10"), earlier, false},
		{"the same provider the same day (§1)", later("H1", "2026-03-10"), earlier, true},
		{"providers with empty alliances", later("H4", "2026-03-12"), stay("H3", "E3", "M1", "2026-03-01", "2026-03-10", "K35.800"), false},
		{"an approved downward referral for rehabilitation", down, earlier, false},
		{"16 days later", later("H2", "2026-03-26"), earlier, false},
	} {
		if h := runA(c.claim, c.history); (h != nil) != c.fires {
			t.Errorf("%s: fired %v", c.name, h != nil)
		}
	}
}

// TestDailyCapWholePacks (FRAUD.md §8.7): a days-of-supply line may round up to whole packs.
func TestDailyCapWholePacks(t *testing.T) {
	cat := map[string]policy.Item{"XS30": {Code: "XS30", Category: "drug", MaxDailyQty: ptr(d("1")), PackUnits: 30}}
	mk := func(qty string, days int) *Hit {
		c := claim.Claim{ClaimID: "RX", ProviderID: "H1", MemberID: "M1", ServiceDate: day("2026-03-01"),
			Lines: []claim.Line{{LineNo: 1, ItemCode: "XS30", ServiceDate: day("2026-03-01"), Quantity: d(qty), DaysSupply: days}}}
		f := NewFact(&c, cat)
		return fired(EvaluateClaim(NewParams(policy.FraudParams{}), ClaimInput{Claim: &f, Member: &policy.Member{ID: "M1"}, Catalogue: cat}), DailyCap)
	}
	if h := mk("30", 28); h != nil {
		t.Errorf("30 tablets of a 30-pack for 28 days fired: %s", evidence(t, h))
	}
	if mk("31", 28) == nil || mk("60", 28) == nil {
		t.Error("beyond the whole pack did not fire")
	}
}

// TestShareRules (FRAUD.md §8.3): a provider's share of short stays without procedure, or
// of CC/MCC subgroups, above its peers' fence; a provider whose short stays are all
// emergencies, or with fewer than min_cases in the numerator, does not fire.
func TestShareRules(t *testing.T) {
	mk := func(id string, n, short int, emergency bool, drgs ...string) Peer {
		prov := &policy.Provider{ID: id, Beds: 100, Level: 2, Region: "R"}
		var cs []*Fact
		for i := range n {
			dis := "2026-03-08"
			if i < short {
				dis = "2026-03-02"
			}
			f := stay(id, fmt.Sprintf("%s-%d", id, i), fmt.Sprintf("%s-M%d", id, i), "2026-03-01", dis, "K35.800")
			f.Procedures, f.Emergency, f.Method, f.DRG = i >= short, emergency && i < short, "drg", drgs[i%len(drgs)]
			cs = append(cs, f)
		}
		return Peer{Provider: prov, Claims: cs}
	}
	peers := []Peer{mk("P1", 10, 1, false, "GB25"), mk("P2", 10, 2, false, "GB25", "GB25", "GB23", "GB25", "GB25"),
		mk("P3", 10, 1, false, "GB25"), mk("P4", 10, 2, false, "GB25", "GB29"), mk("X", 10, 8, false, "GB21", "GB23", "GB23", "GB25", "GB29")}
	eval := func(ps []Peer, i int) ProviderResult {
		return EvaluateProvider(NewParams(policy.FraudParams{}), ProviderInput{Provider: ps[i].Provider, Claims: ps[i].Claims, Peers: ps})
	}
	r := eval(peers, 4)
	h := firedP(r, LowSeverity)
	// shares 0.1, 0.2, 0.1, 0.2, 0.8: Q1 0.1, Q3 0.2, fence 0.2 + 1.5 × 0.1 = 0.35.
	if h == nil || !strings.Contains(evidence(t, h), `"fence":"0.35"`) || !strings.Contains(evidence(t, h), `"numerator":8`) {
		t.Fatalf("low_severity_admissions: %v", h)
	}
	// X: GB21,GB23,GB23,GB25,GB29 ×2 → 6 of 8 with subgroups; peers 0, 0.2, 0, 0 (P4: 0 of 5).
	h = firedP(r, SeverityUpcoding)
	if h == nil || !strings.Contains(evidence(t, h), `"denominator":8`) || !strings.Contains(evidence(t, h), `"value":"0.75"`) {
		t.Fatalf("severity_upcoding: %v", h)
	}
	if r := eval(peers, 1); firedP(r, LowSeverity) != nil || firedP(r, SeverityUpcoding) != nil {
		t.Error("a normal peer fired")
	}
	em := append(append([]Peer{}, peers[:4]...), mk("X", 10, 8, true, "GB25"))
	if h := firedP(eval(em, 4), LowSeverity); h != nil {
		t.Errorf("short stays that are all emergencies fired: %s", evidence(t, h))
	}
	few := append(append([]Peer{}, peers[:4]...), mk("X", 10, 4, false, "GB25"))
	if h := firedP(eval(few, 4), LowSeverity); h != nil {
		t.Errorf("4 short stays (min_cases 5) fired: %s", evidence(t, h))
	}
}

// TestLegacyFacts: a fact stored before method and procedures were kept reads back marked
// legacy, and low_severity_admissions leaves it out rather than count it as a stay without
// a procedure.
func TestLegacyFacts(t *testing.T) {
	f := stay("H1", "C1", "M1", "2026-03-01", "2026-03-02", "K35.800", line{"BED01", "2026-03-01", "1", ""})
	f.Method, f.Procedures = "drg", true
	text := f.Encode()
	back, err := DecodeFact(text)
	if err != nil || back.Legacy || back.Method != "drg" || !back.Procedures {
		t.Fatalf("a new fact: %+v %v", back, err)
	}
	head, rest, lines := strings.Cut(text, "\n")
	old := strings.Join(strings.Split(head, "\t")[:12], "\t")
	if lines {
		old += "\n" + rest
	}
	back, err = DecodeFact(old)
	if err != nil || !back.Legacy || back.Procedures {
		t.Fatalf("a fact of the earlier format: %+v %v", back, err)
	}
	num, den := lowSeverity(NewParams(policy.FraudParams{}), []*Fact{&back, f})
	if len(num) != 0 || len(den) != 1 {
		t.Errorf("low severity counts the legacy stay: %d of %d", len(num), len(den))
	}
}
