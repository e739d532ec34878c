package fraud

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// appealed is a case decided on day0+5 (2026-04-06 Beijing): F1 fabricated_service on the
// held C1 (denied), D017 12 points and N002 7; F2 over_treatment on the paid C2 (recovered),
// D017 3 points. It returns the case, its ledger and its claims as they stand after.
func appealed(t *testing.T) (Case, []PointsEntry, map[string]ClaimPayment) {
	t.Helper()
	claims := map[string]ClaimPayment{
		"C1": {ClaimID: "C1", Held: true, FundToProvider: decimal.RequireFromString("1000.00")},
		"C2": {ClaimID: "C2", FundToProvider: decimal.RequireFromString("200.00")},
	}
	c := caseIn(t, CaseResponded)
	o, err := c.Decide(inv, day0.AddDate(0, 0, 5), Decision{Decision: DecisionConfirm, Findings: []Finding{
		{Type: FindingFabricated, ClaimIDs: []string{"C1"}, PractitionerIDs: []string{"D017", "N002"}, Fine: money("3000.00"),
			PractitionerPoints: map[string]int{"D017": 12, "N002": 7}},
		{Type: "over_treatment", ClaimIDs: []string{"C2"}, PractitionerIDs: []string{"D017"}, Fine: money("300.00"),
			PractitionerPoints: map[string]int{"D017": 3}}}}, claims)
	if err != nil {
		t.Fatal(err)
	}
	after := map[string]ClaimPayment{"C1": {ClaimID: "C1", Held: true, FundToProvider: claims["C1"].FundToProvider, Decided: PaymentDenied, DecidedBy: c.CaseID},
		"C2": {ClaimID: "C2", FundToProvider: claims["C2"].FundToProvider, Decided: PaymentRecovered, DecidedBy: c.CaseID}}
	return o.Case, o.Points, after
}

// TestFileAppeal: the case's hospital, once, of a confirmation, within 14 days of the
// decision's Beijing date (the 14th day's late evening included), with a statement.
func TestFileAppeal(t *testing.T) {
	c, _, _ := appealed(t)
	last := time.Date(2026, 4, 20, 15, 59, 0, 0, time.UTC) // 2026-04-20 23:59 in Beijing
	for _, bad := range []struct {
		a    Actor
		at   time.Time
		st   string
		want error
	}{
		{other, last, "s", ErrNotAllowed}, {inv, last, "s", ErrNotAllowed},
		{hosp, last.Add(time.Minute), "s", ErrTransition}, {hosp, last, " ", ErrInvalid},
	} {
		if _, err := c.FileAppeal(bad.a, bad.at, bad.st, 14); !errors.Is(err, bad.want) {
			t.Errorf("%+v at %s: %v, want %v", bad.a, bad.at, err, bad.want)
		}
	}
	a, err := c.FileAppeal(hosp, last, "the stay happened", 14)
	if err != nil || a.Appeal == nil || a.Events[len(a.Events)-1].Event != EventAppealed || a.State != CaseDecided {
		t.Fatalf("appeal: %v %+v", err, a.Appeal)
	}
	if _, err := a.FileAppeal(hosp, last, "again", 14); !errors.Is(err, ErrTransition) || !strings.Contains(err.Error(), "appealed already") {
		t.Errorf("a second appeal: %v", err)
	}
	dismissed := caseIn(t, CaseDecided)
	if _, err := dismissed.FileAppeal(hosp, day0.AddDate(0, 0, 6), "s", 14); !errors.Is(err, ErrTransition) {
		t.Errorf("appealing a dismissal: %v", err)
	}
}

// TestDecideAppeal: upholding changes nothing; an amendment only lowers, and reverses what
// it takes back: points to the year they were given, a withdrawn finding's recovery, and a
// withdrawn bar.
func TestDecideAppeal(t *testing.T) {
	c, ledger, claims := appealed(t)
	c, _ = c.FileAppeal(hosp, day0.AddDate(0, 0, 7), "explained", 14)
	at := day0.AddDate(0, 0, 9)
	up, ch, err := c.DecideAppeal(inv, at, AppealUphold, "stands", nil, ledger, claims)
	if err != nil || up.Appeal.Outcome != AppealUphold || len(ch.Points)+len(ch.Released)+len(ch.Unrecovered) != 0 || ch.Designation != nil {
		t.Fatalf("uphold: %v %+v", err, ch)
	}
	if _, _, err := up.DecideAppeal(inv, at, AppealUphold, "", nil, ledger, claims); !errors.Is(err, ErrTransition) {
		t.Errorf("deciding twice: %v", err)
	}
	f1 := Finding{Type: FindingFabricated, ClaimIDs: []string{"C1"}, PractitionerIDs: []string{"D017"}, Fine: money("2500.00"),
		PractitionerPoints: map[string]int{"D017": 9}}
	// F1 lowered (D017 12 → 9, N002 removed, fine 3000 → 2500), F2 withdrawn: D017 −3 and
	// −3, N002 −7; C2's recovery reversed; C1 stays denied; the bar stays.
	am, ch, err := c.DecideAppeal(inv, at, AppealAmend, "over-treatment not shown", []Finding{f1}, ledger, claims)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range ch.Points {
		got = append(got, e.PractitionerID+" "+itoa(e.Points)+" F"+itoa(e.Finding)+" "+e.Kind+" "+itoa(e.Year))
	}
	if strings.Join(got, "; ") != "D017 -3 F1 reversed 2026; N002 -7 F1 reversed 2026; D017 -3 F2 reversed 2026" ||
		strings.Join(ch.Unrecovered, ",") != "C2" || len(ch.Released) != 0 || ch.Designation != nil ||
		len(am.Findings) != 1 || am.Findings[0].Fine.String() != "2500.00" || len(am.Appeal.Decided) != 2 {
		t.Errorf("amend: %v %+v %+v", got, ch, am.Findings)
	}
	// D017: 12 + 3 given, 6 taken back: 9 in 2026 — a suspension, no longer a termination.
	if q := Qualify(append(ledger, ch.Points...), at, DefaultPeople()); q.Status != QualSuspended || q.YearPoints != 9 {
		t.Errorf("D017 after the amendment: %+v", q)
	}
	// withdrawing the fabricated service: C1 released, the bar lifted.
	f2 := Finding{Type: "over_treatment", ClaimIDs: []string{"C2"}, PractitionerIDs: []string{"D017"}, Fine: money("300.00"),
		PractitionerPoints: map[string]int{"D017": 3}}
	_, ch, err = c.DecideAppeal(inv, at, AppealAmend, "no fabrication", []Finding{f2}, ledger, claims)
	if err != nil || strings.Join(ch.Released, ",") != "C1" || ch.Designation == nil || ch.Designation.Status != "designated" {
		t.Errorf("withdrawing the fabricated service: %v %+v", err, ch)
	}
	for _, bad := range []struct {
		f    Finding
		want string
	}{
		{Finding{Type: FindingFabricated, ClaimIDs: []string{"C1"}, PractitionerIDs: []string{"D017"}, Fine: money("3000.00"), PractitionerPoints: map[string]int{"D017": 13}}, "only lowers"},
		{Finding{Type: FindingFabricated, ClaimIDs: []string{"C1"}, PractitionerIDs: []string{"D017", "X9"}, Fine: money("3000.00")}, "X9 was not named"},
		{Finding{Type: FindingFabricated, ClaimIDs: []string{"C1"}, PractitionerIDs: []string{}, Fine: money("3000.01")}, "fine"},
		{Finding{Type: FindingFabricated, ClaimIDs: []string{"C1"}, PractitionerIDs: []string{}, Fine: money("1999.99")}, "fine"},
		{Finding{Type: "bed_holding", ClaimIDs: []string{"C1"}, Fine: money("1.00")}, "not one of the decided findings"},
	} {
		if _, _, err := c.DecideAppeal(inv, at, AppealAmend, "", []Finding{bad.f}, ledger, claims); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%+v: %v, want %q", bad.f, err, bad.want)
		}
	}
}
