package fraud

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
)

var (
	inv   = Actor{Name: "wang", Role: ActorInvestigator}
	hosp  = Actor{Name: "H3001 HIS", Role: ActorHospital, ProviderID: "H3001"}
	other = Actor{Name: "H2001 HIS", Role: ActorHospital, ProviderID: "H2001"}
	agcy  = Actor{Name: "desk", Role: ActorAgency}
	day0  = time.Date(2026, 4, 1, 9, 0, 0, 0, time.UTC)
)

func testFlags() []Flag {
	return []Flag{{FlagID: "F1", ProviderID: "H3001", ClaimIDs: []string{"C2", "C1"}}, {FlagID: "F2", ProviderID: "H3001", ClaimIDs: []string{"C3"}}}
}

// caseIn returns a case moved to the state: open, notified, responded or decided.
func caseIn(t *testing.T, state string) Case {
	t.Helper()
	c, err := OpenCase("K1", inv, "H3001", testFlags(), day0, "three claims look fabricated")
	if err != nil {
		t.Fatal(err)
	}
	steps := map[string]func(Case) (Case, error){
		CaseNotified:  func(c Case) (Case, error) { return c.Notify(inv, day0.AddDate(0, 0, 1), 15, "allegation sent") },
		CaseResponded: func(c Case) (Case, error) { return c.Respond(hosp, day0.AddDate(0, 0, 3), "the services were given") },
		CaseDecided: func(c Case) (Case, error) {
			o, err := c.Decide(inv, day0.AddDate(0, 0, 5), Decision{Decision: DecisionDismiss}, nil)
			return o.Case, err
		},
	}
	for _, s := range []string{CaseNotified, CaseResponded, CaseDecided} {
		if c.State == state {
			break
		}
		if c, err = steps[s](c); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

// TestCaseClaimsAreTheProvidersOwn: a pair flag names the other provider's claim; the case
// lists only its provider's claims (the flagged one, and an earlier stay of its own).
func TestCaseClaimsAreTheProvidersOwn(t *testing.T) {
	stored := map[string]any{"overlapping": []any{map[string]any{"provider_id": "H2001", "claim_id": "X7", "overlap": "…"}},
		"claim": map[string]any{"provider_id": "H3001", "claim_id": "C4"}}
	fresh := map[string]any{"earlier_stay": map[string]any{"provider_id": "H3001", "claim_id": "C5"},
		"billed_by": []map[string]any{{"provider_id": "H2001", "claim_id": "X8"}, {"provider_id": "H3001", "claim_id": "C6"}}}
	flags := []Flag{
		{FlagID: "F1", ProviderID: "H3001", ClaimIDs: []string{"C4", "X7"}, Evidence: stored},
		{FlagID: "F2", ProviderID: "H3001", ClaimIDs: []string{"C9", "C5", "X8", "C6"}, Evidence: fresh},
		{FlagID: "F3", ProviderID: "H3001", ClaimIDs: []string{"X7"}}, // a claim id of its own that another provider also uses
	}
	c, err := OpenCase("K1", inv, "H3001", flags, day0, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"C4", "C5", "C6", "C9", "X7"}; !slices.Equal(c.ClaimIDs, want) {
		t.Errorf("claims %v, want %v", c.ClaimIDs, want)
	}
	c, _ = OpenCase("K2", inv, "H3001", flags[:2], day0, "")
	if want := []string{"C4", "C5", "C6", "C9"}; !slices.Equal(c.ClaimIDs, want) {
		t.Errorf("claims %v, want %v", c.ClaimIDs, want)
	}
}

func TestOpenCase(t *testing.T) {
	c := caseIn(t, CaseOpen)
	if c.State != CaseOpen || !slices.Equal(c.FlagIDs, []string{"F1", "F2"}) || !slices.Equal(c.ClaimIDs, []string{"C1", "C2", "C3"}) ||
		len(c.Events) != 1 || c.Events[0].By != "wang" || c.Events[0].Note == "" {
		t.Errorf("opened case %+v", c)
	}
	for _, tc := range []struct {
		name  string
		a     Actor
		flags []Flag
		want  error
	}{
		{"a hospital", hosp, testFlags(), ErrNotAllowed},
		{"the agency", agcy, testFlags(), ErrNotAllowed},
		{"no flags", inv, nil, ErrInvalid},
		{"another provider's flag", inv, append(testFlags(), Flag{FlagID: "F9", ProviderID: "H2001"}), ErrInvalid},
	} {
		if _, err := OpenCase("K", tc.a, "H3001", tc.flags, day0, ""); !errors.Is(err, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
		}
	}
	if c, err := OpenCase("K", Actor{Name: "medclaims", Role: ActorSystem}, "H3001", testFlags(), day0, "payment suspended"); err != nil || c.State != CaseOpen {
		t.Errorf("system open on suspension: %v", err)
	}
}

// TestCaseTransitions: every move from every state, allowed or refused with its reason.
func TestCaseTransitions(t *testing.T) {
	late := day0.AddDate(0, 0, 30) // past the deadline of a notice on day 1
	dismiss := func(at time.Time) func(Case) (Case, error) {
		return func(c Case) (Case, error) {
			return decided(c)(c.Decide(inv, at, Decision{Decision: DecisionDismiss}, nil))
		}
	}
	moves := map[string]func(Case) (Case, error){
		"notify":        func(c Case) (Case, error) { return c.Notify(inv, day0.AddDate(0, 0, 2), 15, "") },
		"respond":       func(c Case) (Case, error) { return c.Respond(hosp, day0.AddDate(0, 0, 4), "statement") },
		"decide early":  dismiss(day0.AddDate(0, 0, 4)),
		"decide late":   dismiss(late),
		"notify (hosp)": func(c Case) (Case, error) { return c.Notify(hosp, day0, 15, "") },
		"respond (B)":   func(c Case) (Case, error) { return c.Respond(other, day0.AddDate(0, 0, 4), "x") },
		"respond (inv)": func(c Case) (Case, error) { return c.Respond(inv, day0.AddDate(0, 0, 4), "x") },
		"decide (hosp)": func(c Case) (Case, error) {
			return decided(c)(c.Decide(hosp, late, Decision{Decision: DecisionDismiss}, nil))
		},
		"decide (agency)": func(c Case) (Case, error) {
			return decided(c)(c.Decide(agcy, late, Decision{Decision: DecisionDismiss}, nil))
		},
	}
	type want struct {
		state string // after the move; "" when refused
		err   error
		why   string
	}
	table := map[string]map[string]want{
		CaseOpen: {"notify": {CaseNotified, nil, ""}, "respond": {"", ErrTransition, "not been notified"},
			"decide early": {"", ErrTransition, "notify the provider first"}, "decide late": {"", ErrTransition, "notify the provider first"}},
		CaseNotified: {"notify": {"", ErrTransition, "only an open case"}, "respond": {CaseResponded, nil, ""},
			"decide early": {"", ErrTransition, "may respond until 2026-04-17"}, "decide late": {CaseDecided, nil, ""}},
		CaseResponded: {"notify": {"", ErrTransition, "only an open case"}, "respond": {"", ErrTransition, "already responded"},
			"decide early": {CaseDecided, nil, ""}, "decide late": {CaseDecided, nil, ""}},
		CaseDecided: {"notify": {"", ErrTransition, "only an open case"}, "respond": {"", ErrTransition, "is decided"},
			"decide early": {"", ErrTransition, "already decided"}, "decide late": {"", ErrTransition, "already decided"}},
	}
	for state, row := range table {
		for _, m := range []string{"notify (hosp)", "respond (B)", "respond (inv)", "decide (hosp)", "decide (agency)"} {
			row[m] = want{"", ErrNotAllowed, "only"}
		}
		for move, w := range row {
			before := caseIn(t, state)
			after, err := moves[move](before)
			switch {
			case w.err != nil && (!errors.Is(err, w.err) || !strings.Contains(err.Error(), w.why)):
				t.Errorf("%s → %s: %v, want %v (%s)", state, move, err, w.err, w.why)
			case w.err != nil && (after.State != state || len(after.Events) != len(before.Events)):
				t.Errorf("%s → %s: a refused move changed the case", state, move)
			case w.err == nil && (err != nil || after.State != w.state || len(after.Events) != len(before.Events)+1):
				t.Errorf("%s → %s: %v, state %s, %d events", state, move, err, after.State, len(after.Events))
			}
		}
	}
	c := caseIn(t, CaseNotified)
	if c.Deadline == nil || !c.Deadline.Equal(day0.AddDate(0, 0, 16)) {
		t.Errorf("deadline %v, want notice day + 15", c.Deadline)
	}
	if _, err := c.Respond(hosp, day0, "  "); !errors.Is(err, ErrInvalid) {
		t.Errorf("an empty statement: %v", err)
	}
}

// decided is the case a decision leaves: the decided one, or c unchanged when refused.
func decided(c Case) func(Outcome, error) (Case, error) {
	return func(o Outcome, err error) (Case, error) {
		if err != nil {
			return c, err
		}
		return o.Case, nil
	}
}

func money(s string) *claim.Money { return claim.M(decimal.RequireFromString(s)) }

// TestDecisionMoney: recovery is Σ fund_to_provider of a finding's claims; held claims are
// denied, paid ones recovered, the case's other held claims released; the fine lies in
// 1–2× (Art. 38) or 2–5× (Art. 40); a fabricated service bars the provider three years.
func TestDecisionMoney(t *testing.T) {
	claims := map[string]ClaimPayment{
		"C1": {ClaimID: "C1", Held: true, FundToProvider: decimal.RequireFromString("1000.00")},
		"C2": {ClaimID: "C2", Held: false, FundToProvider: decimal.RequireFromString("250.50")},
		"C3": {ClaimID: "C3", Held: true, FundToProvider: decimal.RequireFromString("80.00")},
		"C7": {ClaimID: "C7", Held: false, FundToProvider: decimal.RequireFromString("19.50")}, // named by a finding, not a flag
	}
	at := day0.AddDate(0, 0, 5)
	c := caseIn(t, CaseResponded)
	fabricated := Finding{Type: FindingFabricated, ClaimIDs: []string{"C2", "C1"}, PractitionerIDs: []string{"D017"}, Fine: money("2501.00")}
	o, err := c.Decide(inv, at, Decision{Decision: DecisionConfirm, Note: "confirmed", Findings: []Finding{fabricated,
		{Type: "over_standard_charge", ClaimIDs: []string{"C7"}, Fine: money("19.50"), SuspendMonths: 3}}}, claims)
	if err != nil {
		t.Fatal(err)
	}
	f := o.Case.Findings[0]
	// 1000.00 + 250.50 = 1250.50 recovered; Art. 40: 2× 2501.00 to 5× 6252.50.
	if f.Article != ArticleFraud || f.Recovery.String() != "1250.50" || f.FineMin.String() != "2501.00" || f.FineMax.String() != "6252.50" {
		t.Errorf("fabricated finding %+v", f)
	}
	// 19.50 recovered; Art. 38: 1× 19.50 to 2× 39.00.
	if g := o.Case.Findings[1]; g.Article != ArticleMisuse || g.Recovery.String() != "19.50" || g.FineMax.String() != "39.00" {
		t.Errorf("Art. 38 finding %+v", g)
	}
	if !slices.Equal(o.Denied, []string{"C1"}) || !slices.Equal(o.Recovered, []string{"C2", "C7"}) || !slices.Equal(o.Released, []string{"C3"}) {
		t.Errorf("denied %v recovered %v released %v", o.Denied, o.Recovered, o.Released)
	}
	day := claim.Today(at) // the decision's calendar date in Asia/Shanghai
	if o.Designation == nil || o.Designation.Status != "terminated" || !o.Designation.Until.Equal(day.AddDate(3, 0, 0)) {
		t.Errorf("designation %+v", o.Designation)
	}
	if len(o.Sanctions) != 3 || o.Sanctions[1].PractitionerID != "D017" || !o.Sanctions[0].Until.Equal(day.AddDate(3, 0, 0)) ||
		!o.Sanctions[2].Until.Equal(day.AddDate(0, 3, 0)) {
		t.Errorf("sanctions %+v", o.Sanctions)
	}
	if o.Case.State != CaseDecided || o.Case.Decision != DecisionConfirm || len(o.Case.Findings) != 2 || o.Case.Events[len(o.Case.Events)-1].Note != "confirmed" {
		t.Errorf("decided case %+v", o.Case)
	}
	// Suspension alone: the longest asked for.
	o, err = c.Decide(inv, at, Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: "bed_holding", ClaimIDs: []string{"C3"},
		Fine: money("100"), SuspendMonths: 6}}}, claims)
	if err != nil || o.Designation.Status != "suspended" || !o.Designation.Until.Equal(day.AddDate(0, 6, 0)) || !slices.Equal(o.Denied, []string{"C3"}) ||
		!slices.Equal(o.Released, []string{"C1"}) {
		t.Errorf("suspension: %v %+v denied %v released %v", err, o.Designation, o.Denied, o.Released)
	}
	// Dismissal: every held claim of the case released, nothing recovered, no designation.
	o, err = c.Decide(inv, at, Decision{Decision: DecisionDismiss, Note: "explained"}, claims)
	if err != nil || !slices.Equal(o.Released, []string{"C1", "C3"}) || len(o.Denied)+len(o.Recovered)+len(o.Sanctions) != 0 || o.Designation != nil {
		t.Errorf("dismissal: %v %+v", err, o)
	}
	for _, bad := range []struct {
		name string
		dec  Decision
		why  string
	}{
		{"fine under the range", Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: FindingFabricated, ClaimIDs: []string{"C1"}, Fine: money("1999.99")}}}, "outside 2000.00–5000.00"},
		{"fine over the range", Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: "duplicate_charge", ClaimIDs: []string{"C1"}, Fine: money("2000.01")}}}, "outside 1000.00–2000.00"},
		{"no fine", Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: "duplicate_charge", ClaimIDs: []string{"C1"}}}}, "set the fine"},
		{"unknown type", Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: "overcoding", ClaimIDs: []string{"C1"}, Fine: money("1")}}}, "type \"overcoding\""},
		{"upcoding of a claim unsupported_cc did not flag", Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: FindingUpcoding, ClaimIDs: []string{"C1"}, Fine: money("1")}}}, "no unsupported_cc overpayment"},
		{"no claims", Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: "bed_holding", Fine: money("0")}}}, "name the claims"},
		{"unknown claim", Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: "bed_holding", ClaimIDs: []string{"C9"}, Fine: money("0")}}}, "C9 is not a claim"},
		{"a claim twice", Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: "bed_holding", ClaimIDs: []string{"C3"}, Fine: money("80")},
			{Type: "over_treatment", ClaimIDs: []string{"C3"}, Fine: money("80")}}}, "named by two findings"},
		{"13 months", Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: "bed_holding", ClaimIDs: []string{"C3"}, Fine: money("80"), SuspendMonths: 13}}}, "1 to 12"},
		{"confirm without findings", Decision{Decision: DecisionConfirm}, "at least one finding"},
		{"dismiss with findings", Decision{Decision: DecisionDismiss, Findings: []Finding{{Type: "bed_holding"}}}, "no findings"},
		{"neither", Decision{Decision: "maybe"}, "want confirm or dismiss"},
	} {
		if _, err := c.Decide(inv, at, bad.dec, claims); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), bad.why) {
			t.Errorf("%s: %v, want %q", bad.name, err, bad.why)
		}
	}
	// The boundaries are inside the range.
	for _, fine := range []string{"2000.00", "5000.00"} {
		if _, err := c.Decide(inv, at, Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: FindingFabricated, ClaimIDs: []string{"C1"},
			Fine: money(fine)}}}, claims); err != nil {
			t.Errorf("fine %s at the edge: %v", fine, err)
		}
	}
}

// TestUpcodingRecoversTheOverpayment (FRAUD.md §5, §8.5): an upcoding finding recovers each
// claim's unsupported_cc overpayment, not its fund share; a held claim is released with its
// overpayment recovered; an overpayment above the fund share takes the fund share, one
// below zero nothing.
func TestUpcodingRecoversTheOverpayment(t *testing.T) {
	over := func(s string) *decimal.Decimal { x := decimal.RequireFromString(s); return &x }
	claims := map[string]ClaimPayment{
		"U1": {ClaimID: "U1", FundToProvider: decimal.RequireFromString("4525.36"), Overpayment: over("1621.07")},
		"U2": {ClaimID: "U2", Held: true, FundToProvider: decimal.RequireFromString("3000.00"), Overpayment: over("464.99")},
		"U3": {ClaimID: "U3", FundToProvider: decimal.RequireFromString("100.00"), Overpayment: over("250.00")},
		"U4": {ClaimID: "U4", FundToProvider: decimal.RequireFromString("900.00"), Overpayment: over("-40.00")},
	}
	c := caseIn(t, CaseResponded)
	o, err := c.Decide(inv, day0.AddDate(0, 0, 5), Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: FindingUpcoding,
		ClaimIDs: []string{"U1", "U2", "U3", "U4"}, Fine: money("2186.06")}}}, claims)
	if err != nil {
		t.Fatal(err)
	}
	// 1621.07 + 464.99 + 100.00 + 0 = 2186.06; Art. 38: 1× to 2× (4372.12).
	f := o.Case.Findings[0]
	if f.Article != ArticleMisuse || f.Recovery.String() != "2186.06" || f.FineMax.String() != "4372.12" {
		t.Errorf("upcoding finding %+v", f)
	}
	if !slices.Equal(o.Recovered, []string{"U1", "U2", "U3", "U4"}) || len(o.Denied)+len(o.Released) != 0 {
		t.Errorf("recovered %v denied %v released %v", o.Recovered, o.Denied, o.Released)
	}
	for id, want := range map[string]string{"U1": "1621.07", "U2": "464.99", "U3": "100", "U4": "0"} {
		if got := o.Partial[id]; got.String() != want {
			t.Errorf("%s recovers %s, want %s", id, got, want)
		}
	}
	if o.Designation != nil {
		t.Errorf("designation %+v", o.Designation)
	}
}

// TestAnotherCasesDecisionStands: claim C1 was denied by case K0 and C2 recovered by it; a
// dismissal of K1, which also names them, releases neither, releases the held C3 no case
// decided, and a confirmation that names C1 again is refused: a claim's money is taken
// back once.
func TestAnotherCasesDecisionStands(t *testing.T) {
	c := caseIn(t, CaseResponded)
	at := day0.AddDate(0, 0, 20)
	claims := map[string]ClaimPayment{
		"C1": {ClaimID: "C1", Held: true, FundToProvider: decimal.RequireFromString("75"), Decided: PaymentDenied, DecidedBy: "K0"},
		"C2": {ClaimID: "C2", Held: false, FundToProvider: decimal.RequireFromString("40"), Decided: PaymentRecovered, DecidedBy: "K0"},
		"C3": {ClaimID: "C3", Held: true, FundToProvider: decimal.RequireFromString("30")},
	}
	o, err := c.Decide(inv, at, Decision{Decision: DecisionDismiss}, claims)
	if err != nil || !slices.Equal(o.Released, []string{"C3"}) || len(o.Denied)+len(o.Recovered) != 0 {
		t.Fatalf("dismissal: released %v denied %v recovered %v, %v", o.Released, o.Denied, o.Recovered, err)
	}
	again := Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: "over_treatment", ClaimIDs: []string{"C1"}, Fine: money("100")}}}
	if _, err := c.Decide(inv, at, again, claims); !errors.Is(err, ErrTransition) || !strings.Contains(err.Error(), "already denied by case K0") {
		t.Errorf("a finding on a denied claim: %v", err)
	}
	// A claim an earlier dismissal released (and so paid) is recovered, not denied.
	claims["C3"] = ClaimPayment{ClaimID: "C3", Held: true, FundToProvider: decimal.RequireFromString("30"), Decided: PaymentReleased, DecidedBy: "K9"}
	paid := Decision{Decision: DecisionConfirm, Findings: []Finding{{Type: "over_treatment", ClaimIDs: []string{"C3"}, Fine: money("30")}}}
	o, err = c.Decide(inv, at, paid, claims)
	if err != nil || !slices.Equal(o.Recovered, []string{"C3"}) || len(o.Denied)+len(o.Released) != 0 {
		t.Errorf("a released claim confirmed: released %v denied %v recovered %v, %v", o.Released, o.Denied, o.Recovered, err)
	}
}

// TestBarRunsFromTheBeijingDate: a decision at 03:00 Beijing time on 6 December (19:00 UTC
// on the 5th) bars until 6 December three years on, and a suspension runs from the 6th.
func TestBarRunsFromTheBeijingDate(t *testing.T) {
	at := time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC)
	bar := designation([]Finding{{Type: FindingFabricated}}, at)
	sus := designation([]Finding{{Type: "bed_holding", SuspendMonths: 2}}, at)
	if got := bar.Until.Format(time.DateOnly); got != "2029-12-06" {
		t.Errorf("banned_until %s, want 2029-12-06", got)
	}
	if got := sus.Until.Format(time.DateOnly); got != "2027-02-06" {
		t.Errorf("suspended until %s, want 2027-02-06", got)
	}
}
