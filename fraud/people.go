package fraud

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/policy"
)

// Practitioners' payment qualification (医保支付资格记分, FRAUD.md §9): points a confirmed
// finding gives each person it names, in an append-only ledger by calendar year
// (Asia/Shanghai); the status is derived from the ledger and the clock, never stored.

// Qualification statuses.
const (
	QualNormal     = "normal"
	QualSuspended  = "suspended"
	QualTerminated = "terminated"
)

// Ledger entry kinds: points assigned by a decision, or reversed by an appeal's amendment.
const (
	PointsAssigned = "assigned"
	PointsReversed = "reversed"
)

// PointsEntry is one entry of a practitioner's points ledger.
type PointsEntry struct {
	PractitionerID string    `json:"practitioner_id"`
	At             time.Time `json:"at"`   // the decision (or amendment) time
	Year           int       `json:"year"` // the calendar year (Asia/Shanghai) the points count in
	Points         int       `json:"points"`
	CaseID         string    `json:"case_id"`
	Finding        int       `json:"finding"` // the finding's position in the decision, from 1
	Kind           string    `json:"kind"`
	// CaseProvider is the provider of the case (read with the entry, not stored in it): a
	// hospital sees only its own cases' ids in a shared person's ledger.
	CaseProvider string `json:"-"`
}

// PeopleParams are the bundle's fraud.people parameters.
type PeopleParams struct {
	SuspendMonths map[int]int     // year total 9, 10, 11 → months of suspension
	StaffShare    decimal.Decimal // the share of a provider's staff suspended that suspends its payment
	AppealDays    int             // an appeal may be filed up to the decision date + this, inclusive
}

// DefaultPeople are FRAUD.md §9's defaults.
func DefaultPeople() PeopleParams {
	return PeopleParams{SuspendMonths: map[int]int{9: 1, 10: 2, 11: 3}, StaffShare: d("0.3"), AppealDays: 14}
}

// peopleOver applies a bundle's fraud.people over the defaults.
func peopleOver(b policy.PeopleParams) PeopleParams {
	p := DefaultPeople()
	for total, months := range b.SuspendMonths {
		p.SuspendMonths[total] = months
	}
	if b.StaffShare != nil {
		p.StaffShare = *b.StaffShare
	}
	if b.AppealDays > 0 {
		p.AppealDays = b.AppealDays
	}
	return p
}

// pointsRange is the points a finding type may give one person: 7–12 for a fabricated
// service (Art. 40), 1–9 for the Art. 38 types.
func pointsRange(findingType string) (lo, hi int) {
	if findingType == FindingFabricated {
		return 7, 12
	}
	return 1, 9
}

// checkPoints validates a finding's practitioner_points: every key among its
// practitioner_ids, every value in the type's range.
func checkPoints(f Finding) error {
	lo, hi := pointsRange(f.Type)
	for _, id := range slices.Sorted(maps.Keys(f.PractitionerPoints)) {
		n := f.PractitionerPoints[id]
		if !slices.Contains(f.PractitionerIDs, id) {
			return fmt.Errorf("practitioner_points names %s, who is not among the finding's practitioner_ids", id)
		}
		if n < lo || n > hi {
			return fmt.Errorf("practitioner_points %s: %d is outside %d–%d for %s", id, n, lo, hi, f.Type)
		}
	}
	return nil
}

// pointsOf are the ledger entries a confirmed decision's findings assign.
func pointsOf(caseID string, at time.Time, fs []Finding) []PointsEntry {
	var out []PointsEntry
	year := claim.Today(at).Year()
	for i, f := range fs {
		for _, id := range slices.Sorted(maps.Keys(f.PractitionerPoints)) {
			out = append(out, PointsEntry{PractitionerID: id, At: at, Year: year, Points: f.PractitionerPoints[id], CaseID: caseID,
				Finding: i + 1, Kind: PointsAssigned})
		}
	}
	return out
}

// Qualification is a practitioner's standing at a moment, derived from the ledger.
type Qualification struct {
	Status     string    `json:"status"`
	Until      time.Time `json:"until,omitzero"` // exclusive: lines dated before it are refused
	Year       int       `json:"year"`
	YearPoints int       `json:"year_points"`
	// Periods are every suspension and termination the ledger gives, oldest first: a line
	// dated inside one is refused, whenever it is priced.
	Periods []Period `json:"-"`
}

// Period is a span [From, Until) of suspension or termination.
type Period struct {
	Status      string
	From, Until time.Time
}

// Barring returns the period a line dated d falls in (the one ending last), if any.
func (q Qualification) Barring(d time.Time) (Period, bool) {
	var out Period
	for _, p := range q.Periods {
		if !d.Before(p.From) && d.Before(p.Until) && (out.Until.IsZero() || p.Until.After(out.Until)) {
			out = p
		}
	}
	return out, !out.Until.IsZero()
}

// PersonStatus is a practitioner's qualification after a decision.
type PersonStatus struct {
	PractitionerID string
	Qualification
}

// decisionPoints is one decision's net points for a person (assignments less reversals).
type decisionPoints struct {
	at         time.Time
	year       int
	points     int
	maxFinding int // the most one finding of it gave, net
	caseID     string
}

// Qualify derives one practitioner's status at now from the ledger: in each calendar year
// the decisions in time order add to the year total; a decision that brings it to 9–11
// suspends from its date for the months of that total (a later one restarts; the later end
// wins), one that brings it to 12 or more terminates for a year (three when one finding
// alone gave 12). A termination outlives the year's reset. Reversed points count as never
// given: the status is recomputed from the net points.
func Qualify(entries []PointsEntry, now time.Time, p PeopleParams) Qualification {
	today := claim.Today(now)
	q := Qualification{Status: QualNormal, Year: today.Year()}
	var suspended, terminated time.Time
	years := map[int]int{}
	for _, d := range netDecisions(entries) {
		years[d.year] += d.points
		total := years[d.year]
		from := claim.Today(d.at)
		switch {
		case d.points <= 0:
		case total >= 12:
			span := 1
			if d.maxFinding >= 12 {
				span = 3
			}
			terminated = later(terminated, from.AddDate(span, 0, 0))
			q.Periods = append(q.Periods, Period{QualTerminated, from, from.AddDate(span, 0, 0)})
		case total >= 9:
			suspended = later(suspended, addMonths(from, p.SuspendMonths[total]))
			q.Periods = append(q.Periods, Period{QualSuspended, from, addMonths(from, p.SuspendMonths[total])})
		}
	}
	q.YearPoints = years[q.Year]
	switch {
	case today.Before(terminated):
		q.Status, q.Until = QualTerminated, terminated
	case today.Before(suspended):
		q.Status, q.Until = QualSuspended, suspended
	}
	return q
}

// netDecisions groups the ledger by decision (case, in time order of the assignment) with
// the reversals netted in, so an amended decision is evaluated as if it had given the
// amended points.
func netDecisions(entries []PointsEntry) []decisionPoints {
	type key struct {
		caseID string
		year   int
	}
	byKey := map[key]*decisionPoints{}
	perFinding := map[key]map[int]int{}
	var order []key
	for _, e := range entries {
		k := key{e.CaseID, e.Year}
		d := byKey[k]
		if d == nil {
			d = &decisionPoints{year: e.Year, caseID: e.CaseID}
			byKey[k], perFinding[k] = d, map[int]int{}
			order = append(order, k)
		}
		if e.Kind == PointsAssigned && (d.at.IsZero() || e.At.Before(d.at)) {
			d.at = e.At
		}
		d.points += e.Points
		perFinding[k][e.Finding] += e.Points
	}
	out := make([]decisionPoints, 0, len(order))
	for _, k := range order {
		d := byKey[k]
		for _, n := range perFinding[k] {
			d.maxFinding = max(d.maxFinding, n)
		}
		out = append(out, *d)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].at.Before(out[j].at) })
	return out
}

// addMonths adds calendar months, a day past the target month's end clamped to its last
// day (31 December + 2 months is 28 February), as calendars count months.
func addMonths(d time.Time, n int) time.Time {
	first := time.Date(d.Year(), d.Month()+time.Month(n), 1, 0, 0, 0, 0, d.Location())
	last := first.AddDate(0, 1, -1).Day()
	return time.Date(first.Year(), first.Month(), min(d.Day(), last), 0, 0, 0, 0, d.Location())
}
