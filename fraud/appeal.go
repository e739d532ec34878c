package fraud

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"medclaims/claim"
)

// Appeal events and outcomes (FRAUD.md §9.5).
const (
	EventAppealed       = "appealed"
	EventAppealDecided  = "appeal_decided"
	AppealUphold        = "uphold"
	AppealAmend         = "amend"
	designationRestored = "designated"
)

// Appeal is a hospital's appeal (申诉) of a confirmed decision and its outcome.
type Appeal struct {
	Statement string     `json:"statement"`
	FiledAt   time.Time  `json:"filed_at"`
	Outcome   string     `json:"outcome,omitempty"` // uphold | amend, once decided
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	Note      string     `json:"note,omitempty"`
	// Decided are the findings as first decided, kept when an amendment replaces them.
	Decided []Finding `json:"decided_findings,omitempty"`
}

// decidedAt is when the case was decided.
func (c Case) decidedAt() time.Time {
	for _, e := range c.Events {
		if e.Event == EventDecided {
			return e.At
		}
	}
	return time.Time{}
}

// FileAppeal records the case's hospital's appeal: once, of a confirmation, within
// appealDays of the decision's Beijing date (inclusive).
func (c Case) FileAppeal(a Actor, at time.Time, statement string, appealDays int) (Case, error) {
	fail := func(err error, format string, args ...any) (Case, error) {
		return Case{}, fmt.Errorf("appeal case %s: %w: %s", c.CaseID, err, fmt.Sprintf(format, args...))
	}
	last := claim.Today(c.decidedAt()).AddDate(0, 0, appealDays)
	switch {
	case a.Role != ActorHospital || a.ProviderID != c.ProviderID:
		return fail(ErrNotAllowed, "only the case's hospital appeals")
	case c.State != CaseDecided || c.Decision != DecisionConfirm:
		return fail(ErrTransition, "only a confirmed decision can be appealed")
	case c.Appeal != nil:
		return fail(ErrTransition, "the decision was appealed already, on %s", claim.FormatDate(claim.Today(c.Appeal.FiledAt)))
	case claim.Today(at).After(last):
		return fail(ErrTransition, "the appeal window ended on %s (%d days from the decision)", claim.FormatDate(last), appealDays)
	case strings.TrimSpace(statement) == "":
		return fail(ErrInvalid, "an appeal needs a statement")
	}
	c.Appeal = &Appeal{Statement: statement, FiledAt: at}
	return c.move(EventAppealed, CaseDecided, a, at, statement), nil
}

// AppealChange is what deciding an appeal changes besides the case: the points reversed,
// the claims a withdrawn finding gives back, and the designation recomputed.
type AppealChange struct {
	Released    []string // denied by this case: released (paid on the next statement)
	Unrecovered []string // recovered by this case: the recovery reversed
	Points      []PointsEntry
	Designation *Designation // the designation the amended findings make; Status "designated" lifts the bar
}

// DecideAppeal upholds the decision or amends it. An amendment may only lower: fewer points,
// a practitioner removed, a lower fine inside the range, a suspension shortened, a finding
// withdrawn (left out); each amended finding names a decided one's type and claims.
// ledger is the case's points entries; claims the payments of its findings' claims.
func (c Case) DecideAppeal(a Actor, at time.Time, outcome, note string, amended []Finding, ledger []PointsEntry,
	claims map[string]ClaimPayment) (Case, AppealChange, error) {
	var ch AppealChange
	switch {
	case a.Role != ActorInvestigator:
		return Case{}, ch, fmt.Errorf("decide the appeal of case %s: %w: only investigators decide appeals", c.CaseID, ErrNotAllowed)
	case c.Appeal == nil:
		return Case{}, ch, fmt.Errorf("decide the appeal of case %s: %w: no appeal was filed", c.CaseID, ErrTransition)
	case c.Appeal.Outcome != "":
		return Case{}, ch, fmt.Errorf("decide the appeal of case %s: %w: the appeal was decided already (%s)", c.CaseID, ErrTransition, c.Appeal.Outcome)
	case outcome == AppealUphold && len(amended) > 0:
		return Case{}, ch, fmt.Errorf("decide the appeal of case %s: %w: upholding takes no findings", c.CaseID, ErrInvalid)
	case outcome != AppealUphold && outcome != AppealAmend:
		return Case{}, ch, fmt.Errorf("decide the appeal of case %s: %w: outcome %q: want uphold or amend", c.CaseID, ErrInvalid, outcome)
	}
	appeal := *c.Appeal
	appeal.Outcome, appeal.DecidedAt, appeal.Note = outcome, &at, note
	if outcome == AppealAmend {
		next, kept, err := c.amend(amended)
		if err != nil {
			return Case{}, ch, err
		}
		ch = c.appealChange(at, next, kept, ledger, claims)
		appeal.Decided, c.Findings = c.Findings, next
	}
	c.Appeal = &appeal
	return c.move(EventAppealDecided, CaseDecided, a, at, outcome+": "+note), ch, nil
}

// amend matches each amended finding to a decided one and checks it only lowers; kept[i] is
// the amended index of decided finding i, or -1 when withdrawn.
func (c Case) amend(amended []Finding) ([]Finding, []int, error) {
	kept := make([]int, len(c.Findings))
	for i := range kept {
		kept[i] = -1
	}
	out := make([]Finding, len(amended))
	for j, f := range amended {
		i := slices.IndexFunc(c.Findings, func(d Finding) bool {
			return d.Type == f.Type && slices.Equal(d.ClaimIDs, slices.Sorted(slices.Values(f.ClaimIDs)))
		})
		if i < 0 || kept[i] >= 0 {
			return nil, nil, fmt.Errorf("amend case %s: %w: finding %d (%s on %v) is not one of the decided findings, or is named twice",
				c.CaseID, ErrInvalid, j+1, f.Type, f.ClaimIDs)
		}
		next, err := lowered(c.Findings[i], f)
		if err != nil {
			return nil, nil, fmt.Errorf("amend case %s: %w: finding %d: %v", c.CaseID, ErrInvalid, j+1, err)
		}
		kept[i], out[j] = j, next
	}
	return out, kept, nil
}

// lowered is the decided finding d with the amendment f, which may only lower it.
func lowered(d, f Finding) (Finding, error) {
	for _, id := range f.PractitionerIDs {
		if !slices.Contains(d.PractitionerIDs, id) {
			return d, fmt.Errorf("practitioner %s was not named by the decision: an amendment only removes people", id)
		}
	}
	for id, n := range f.PractitionerPoints {
		if n > d.PractitionerPoints[id] || !slices.Contains(f.PractitionerIDs, id) {
			return d, fmt.Errorf("points of %s: %d; an amendment only lowers the decided %d, for a person it still names", id, n, d.PractitionerPoints[id])
		}
		if lo, _ := pointsRange(d.Type); n < lo {
			return d, fmt.Errorf("points of %s: %d is below %d for %s: remove the person instead", id, n, lo, d.Type)
		}
	}
	switch {
	case f.Fine == nil || f.Fine.GreaterThan(d.Fine.Decimal) || f.Fine.LessThan(d.FineMin.Decimal):
		return d, fmt.Errorf("fine %v: an amendment lowers the decided %s, not below the range's %s", f.Fine, d.Fine, d.FineMin)
	case f.SuspendMonths > d.SuspendMonths:
		return d, fmt.Errorf("suspend_months %d is above the decided %d", f.SuspendMonths, d.SuspendMonths)
	}
	d.PractitionerIDs, d.PractitionerPoints, d.Fine, d.SuspendMonths = slices.Clone(f.PractitionerIDs), f.PractitionerPoints, f.Fine, f.SuspendMonths
	if d.PractitionerIDs == nil {
		d.PractitionerIDs = []string{}
	}
	return d, nil
}

// appealChange derives the reversals an amendment makes: points lowered or removed (to the
// year of the entry they reverse), the withdrawn findings' claims, the designation.
func (c Case) appealChange(at time.Time, next []Finding, kept []int, ledger []PointsEntry, claims map[string]ClaimPayment) AppealChange {
	var ch AppealChange
	for i, d := range c.Findings {
		var now Finding
		if kept[i] >= 0 {
			now = next[kept[i]]
		}
		for _, id := range slices.Sorted(maps.Keys(d.PractitionerPoints)) {
			given, year := netPoints(ledger, c.CaseID, i+1, id)
			if drop := given - now.PractitionerPoints[id]; drop > 0 {
				ch.Points = append(ch.Points, PointsEntry{PractitionerID: id, At: at, Year: year, Points: -drop, CaseID: c.CaseID,
					Finding: i + 1, Kind: PointsReversed})
			}
		}
		if kept[i] >= 0 {
			continue
		}
		for _, id := range d.ClaimIDs {
			switch p := claims[id]; {
			case p.DecidedBy != c.CaseID:
			case p.Decided == PaymentDenied:
				ch.Released = append(ch.Released, id)
			case p.Decided == PaymentRecovered:
				ch.Unrecovered = append(ch.Unrecovered, id)
			}
		}
	}
	decided := c.decidedAt()
	before, after := designation(c.Findings, decided), designation(next, decided)
	switch {
	case before != nil && after == nil:
		ch.Designation = &Designation{Status: designationRestored, Reason: "the bar or suspension withdrawn on appeal"}
	case after != nil && (before == nil || !after.Until.Equal(before.Until) || after.Status != before.Status):
		ch.Designation = after
	}
	return ch
}

// netPoints is what the case's finding gave the person, net, and the year it counts in.
func netPoints(ledger []PointsEntry, caseID string, finding int, id string) (int, int) {
	n, year := 0, 0
	for _, e := range ledger {
		if e.CaseID == caseID && e.Finding == finding && e.PractitionerID == id {
			n += e.Points
			if e.Kind == PointsAssigned {
				year = e.Year
			}
		}
	}
	return n, year
}
