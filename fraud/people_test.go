package fraud

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/policy"
)

// sh is a moment in Asia/Shanghai (UTC+8), the zone decision dates are read in.
func sh(date string, hour int) time.Time {
	d, _ := time.Parse(time.DateOnly, date)
	return d.Add(time.Duration(hour-8) * time.Hour).UTC()
}

func assigned(id, caseID string, at time.Time, points int) PointsEntry {
	return PointsEntry{PractitionerID: id, At: at, Year: at.Add(8 * time.Hour).Year(), Points: points, CaseID: caseID, Finding: 1, Kind: PointsAssigned}
}

func ymd(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Format(time.DateOnly)
}

// TestQualify: thresholds by the year total (8 nothing; 9, 10, 11 one to three months; 12
// a year; a single 12 three years), restarts, the Beijing year, the reset a termination
// outlives, and amended points.
func TestQualify(t *testing.T) {
	p := DefaultPeople()
	may1 := sh("2026-05-01", 10)
	for _, c := range []struct {
		name    string
		ledger  []PointsEntry
		now     time.Time
		status  string
		until   string
		yearPts int
	}{
		{"8 points: normal", []PointsEntry{assigned("D1", "K1", may1, 8)}, may1, QualNormal, "-", 8},
		{"9 points: suspended a month from the decision date", []PointsEntry{assigned("D1", "K1", may1, 9)}, may1, QualSuspended, "2026-06-01", 9},
		{"9 points: paid again on the end date (until is exclusive)", []PointsEntry{assigned("D1", "K1", may1, 9)}, sh("2026-06-01", 0), QualNormal, "-", 9},
		{"10 points: two months", []PointsEntry{assigned("D1", "K1", may1, 10)}, may1, QualSuspended, "2026-07-01", 10},
		{"11 points: three months", []PointsEntry{assigned("D1", "K1", may1, 4), assigned("D1", "K2", sh("2026-05-03", 9), 7)},
			may1.AddDate(0, 0, 3), QualSuspended, "2026-08-03", 11},
		// 9 on 05-01 (to 06-01), then +2 on 05-20: the total 11 restarts from 05-20 for 3 months.
		{"a later decision in 9–11 restarts from its own date", []PointsEntry{assigned("D1", "K1", may1, 9), assigned("D1", "K2", sh("2026-05-20", 9), 2)},
			sh("2026-06-15", 9), QualSuspended, "2026-08-20", 11},
		// 5 + 7 = 12 on 06-10: terminated a year from 06-10.
		{"12 over two decisions: a year", []PointsEntry{assigned("D1", "K1", may1, 5), assigned("D1", "K2", sh("2026-06-10", 9), 7)},
			sh("2026-06-10", 12), QualTerminated, "2027-06-10", 12},
		{"a single 12: three years", []PointsEntry{assigned("D1", "K1", may1, 12)}, may1, QualTerminated, "2029-05-01", 12},
		// the year's points reset on 1 January; the termination does not.
		{"a termination outlives the year's reset", []PointsEntry{assigned("D1", "K1", sh("2026-11-20", 9), 12)}, sh("2027-01-05", 9),
			QualTerminated, "2029-11-20", 0},
		// 17:00 UTC on 31 December is 01:00 on 1 January in Beijing: a new year, 5 + 5 apart.
		{"the year is Beijing's", []PointsEntry{assigned("D1", "K1", sh("2026-12-01", 9), 5), assigned("D1", "K2", time.Date(2026, 12, 31, 17, 0, 0, 0, time.UTC), 5)},
			sh("2027-01-02", 9), QualNormal, "-", 5},
		{"the same day in UTC is still December in Beijing", []PointsEntry{assigned("D1", "K1", sh("2026-12-01", 9), 5), assigned("D1", "K2", time.Date(2026, 12, 31, 15, 0, 0, 0, time.UTC), 5)},
			sh("2026-12-31", 23), QualSuspended, "2027-02-28", 10},
		// an appeal lowers a decision's 9 points by 3: 6, never a suspension.
		{"amended points are recomputed", []PointsEntry{assigned("D1", "K1", may1, 9),
			{PractitionerID: "D1", At: may1.AddDate(0, 0, 10), Year: 2026, Points: -3, CaseID: "K1", Finding: 1, Kind: PointsReversed}},
			may1.AddDate(0, 0, 11), QualNormal, "-", 6},
		// a single finding amended from 12 to 10 with 2 earlier: 12 in the year, one year only.
		{"a single 12 amended down is no longer a single 12", []PointsEntry{assigned("D1", "K0", sh("2026-03-01", 9), 2), assigned("D1", "K1", may1, 12),
			{PractitionerID: "D1", At: may1.AddDate(0, 0, 10), Year: 2026, Points: -2, CaseID: "K1", Finding: 1, Kind: PointsReversed}},
			may1.AddDate(0, 0, 11), QualTerminated, "2027-05-01", 12},
	} {
		q := Qualify(c.ledger, c.now, p)
		if q.Status != c.status || ymd(q.Until) != c.until || q.YearPoints != c.yearPts {
			t.Errorf("%s: %s until %s, %d points this year; want %s until %s, %d", c.name, q.Status, ymd(q.Until), q.YearPoints, c.status, c.until, c.yearPts)
		}
	}
	// a line is barred by the period it is dated in, not by the status today: 9 points on
	// 05-01 bar 05-01 up to 05-31, not 04-30 nor 06-01, priced whenever.
	q := Qualify([]PointsEntry{assigned("D1", "K1", may1, 9)}, sh("2027-01-01", 9), p)
	for date, barred := range map[string]bool{"2026-04-30": false, "2026-05-01": true, "2026-05-31": true, "2026-06-01": false} {
		d, _ := time.Parse(time.DateOnly, date)
		if per, ok := q.Barring(d); ok != barred || (ok && ymd(per.Until) != "2026-06-01") {
			t.Errorf("a line of %s: barred %t (%+v), want %t", date, ok, per, barred)
		}
	}
}

// TestDecisionPoints: a confirmed finding's practitioner_points become ledger entries in the
// decision's Beijing year; out of range, or naming someone not in practitioner_ids, is 400.
func TestDecisionPoints(t *testing.T) {
	claims := map[string]ClaimPayment{"C1": {ClaimID: "C1", Held: true, FundToProvider: decimal.RequireFromString("100.00")}}
	at := day0.AddDate(0, 0, 5)
	c := caseIn(t, CaseResponded)
	ok := Finding{Type: FindingFabricated, ClaimIDs: []string{"C1"}, PractitionerIDs: []string{"D017", "N002"}, Fine: money("200.00"),
		PractitionerPoints: map[string]int{"D017": 12, "N002": 7}}
	o, err := c.Decide(inv, at, Decision{Decision: DecisionConfirm, Findings: []Finding{ok}}, claims)
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Points) != 2 || o.Points[0].PractitionerID != "D017" || o.Points[0].Points != 12 || o.Points[0].Year != 2026 ||
		o.Points[1].Points != 7 || o.Points[0].Kind != PointsAssigned || o.Points[0].CaseID != c.CaseID {
		t.Errorf("points: %+v", o.Points)
	}
	for _, bad := range []struct {
		f   Finding
		why string
	}{
		{Finding{Type: FindingFabricated, PractitionerIDs: []string{"D017"}, PractitionerPoints: map[string]int{"D017": 6}}, "6 is outside 7–12"},
		{Finding{Type: FindingFabricated, PractitionerIDs: []string{"D017"}, PractitionerPoints: map[string]int{"D017": 13}}, "13 is outside 7–12"},
		{Finding{Type: "bed_holding", PractitionerIDs: []string{"D017"}, PractitionerPoints: map[string]int{"D017": 10}}, "10 is outside 1–9"},
		{Finding{Type: "bed_holding", PractitionerIDs: []string{"D017"}, PractitionerPoints: map[string]int{"D017": 0}}, "0 is outside 1–9"},
		{Finding{Type: "bed_holding", PractitionerIDs: []string{"D017"}, PractitionerPoints: map[string]int{"X9": 3}}, "X9, who is not among"},
	} {
		f := bad.f
		f.ClaimIDs, f.Fine = []string{"C1"}, money("200.00")
		if f.Type == "bed_holding" {
			f.Fine = money("100.00")
		}
		if _, err := c.Decide(inv, at, Decision{Decision: DecisionConfirm, Findings: []Finding{f}}, claims); !errors.Is(err, ErrInvalid) ||
			!strings.Contains(err.Error(), bad.why) {
			t.Errorf("%+v: %v, want %q", bad.f.PractitionerPoints, err, bad.why)
		}
	}
}

// TestStaffFlag: 3 of 10 registered suspended or terminated reach the default 0.3; 2 do not.
func TestStaffFlag(t *testing.T) {
	p := NewParams(policy.FraudParams{})
	var reg []string
	for i := range 10 {
		reg = append(reg, "P"+string(rune('0'+i)))
	}
	quals := map[string]Qualification{"P1": {Status: QualSuspended}, "P2": {Status: QualTerminated}, "P3": {Status: QualNormal}}
	if _, ok := p.StaffFlag("H1", reg, quals, may1()); ok {
		t.Errorf("2 of 10 flagged")
	}
	quals["P4"] = Qualification{Status: QualSuspended}
	f, ok := p.StaffFlag("H1", reg, quals, may1())
	if !ok || f.Rule != StaffSuspended || f.Level != "provider" || f.Evidence["share"] != "0.3" ||
		strings.Join(f.Evidence["suspended_or_terminated"].([]string), ",") != "P1,P2,P4" {
		t.Errorf("3 of 10: %v %+v", ok, f)
	}
}

func may1() time.Time { return sh("2026-05-01", 10) }
