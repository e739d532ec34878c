package fraud

import (
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/policy"
)

// Payment methods whose stays are paid as a package (FRAUD.md §8: cost_shifting).
const (
	methodDRG     = "drg"
	methodDisease = "disease"
)

// Coding is what unsupported_cc reads of a DRG-priced stay (FRAUD.md §8.5): the grouped
// DRG with its weight and standard, the secondary diagnoses the grouper counted as CC or
// MCC, the bundle's evidence table, and a way to regroup and reprice the case without some
// secondaries (the same claim otherwise; false when the regrouped DRG has no weight).
type Coding struct {
	DRG          string
	RW, Standard decimal.Decimal
	Severe       []string
	Evidence     func(dx string) (policy.CCEvidence, bool)
	Regroup      func(without []string) (Regrouped, bool)
}

// Regrouped is a case regrouped and repriced.
type Regrouped struct {
	DRG          string
	RW, Standard decimal.Decimal
}

// SeveritySubgroup reports whether a DRG code is a CC or MCC subgroup (last digit 1 or 3),
// and HasSubgroups whether its ADRG splits by severity at all (1, 3 or 5; 9 has none).
func SeveritySubgroup(drg string) bool { return lastDigitIn(drg, "13") }

// HasSubgroups: see SeveritySubgroup.
func HasSubgroups(drg string) bool { return lastDigitIn(drg, "135") }

func lastDigitIn(drg, digits string) bool {
	return len(drg) == 4 && strings.ContainsRune(digits, rune(drg[3]))
}

// unsupportedCC fires on a DRG stay grouped to a CC/MCC subgroup when the secondaries the
// grouper counted as CC/MCC include some with an evidence row and no matching line, and the
// case regrouped without all of them falls in a group of lower weight. The evidence prices
// both groups: overpayment = standard − standard_regrouped, exact to the cent.
func unsupportedCC(_ Params, in ClaimInput) *Hit {
	cd := in.Coding
	if cd == nil || !SeveritySubgroup(cd.DRG) {
		return nil
	}
	var unsupported []string
	for _, dx := range cd.Severe {
		if ev, ok := cd.Evidence(dx); ok && !supported(ev, in.Claim.Lines) {
			unsupported = append(unsupported, dx)
		}
	}
	if len(unsupported) == 0 {
		return nil
	}
	rg, ok := cd.Regroup(unsupported)
	if !ok || !rg.RW.LessThan(cd.RW) {
		return nil
	}
	return &Hit{Evidence: map[string]any{"unsupported": unsupported, "drg": cd.DRG, "rw": cd.RW.String(),
		"standard": cd.Standard.StringFixed(2), "drg_regrouped": rg.DRG, "rw_regrouped": rg.RW.String(),
		"standard_regrouped": rg.Standard.StringFixed(2), "overpayment": cd.Standard.Sub(rg.Standard).StringFixed(2)}}
}

// supported reports whether a line of the claim matches an evidence row.
func supported(ev policy.CCEvidence, lines []LineFact) bool {
	for _, l := range lines {
		if ev.Supported(l.Item, l.Category) {
			return true
		}
	}
	return false
}

// costShifting pairs a package stay (drg or disease) with the member's non-emergency
// outpatient visits at the same provider within days before admission or after discharge
// that bill an exam or a lab line (FRAUD.md §8.6). Either claim may come second: the one
// being processed is flagged, naming the other(s).
func costShifting(p Params, in ClaimInput) *Hit {
	c, n := in.Claim, p.int(CostShifting, keyDays)
	var stay *Fact
	var visits []*Fact
	switch {
	case shiftingVisit(c):
		for _, o := range in.History {
			if in.other(o, true) && packageStay(o) && nearStay(c.ServiceDate, o, n) && (stay == nil || o.Admitted.After(stay.Admitted)) {
				stay = o
			}
		}
		if stay != nil {
			visits = []*Fact{c}
		}
	case packageStay(c):
		stay = c
		for _, o := range in.History {
			if in.other(o, true) && shiftingVisit(o) && nearStay(o.ServiceDate, c, n) {
				visits = append(visits, o)
			}
		}
	}
	if len(visits) == 0 {
		return nil
	}
	return shiftHit(c, stay, visits, n)
}

func shiftHit(c, stay *Fact, visits []*Fact, n int) *Hit {
	var others []claim.Key
	if stay != c {
		others = append(others, stay.Key)
	}
	ev := make([]map[string]any, len(visits))
	for i, v := range visits {
		if v != c {
			others = append(others, v.Key)
		}
		e := ref(v)
		e["when"], e["exam_lab_lines"], e["exam_lab_amount"] = visitWhen(v.ServiceDate, stay), examLabLines(v), examLabAmount(v).StringFixed(2)
		ev[i] = e
	}
	s := ref(stay)
	s["method"] = stay.Method
	if stay.DRG != "" {
		s["drg"] = stay.DRG
	}
	return &Hit{Others: others, Evidence: map[string]any{"stay": s, "visits": ev, "days": n}}
}

func packageStay(f *Fact) bool {
	return f.Inpatient && (f.Method == methodDRG || f.Method == methodDisease)
}

func shiftingVisit(f *Fact) bool {
	if f.Inpatient || f.Emergency {
		return false
	}
	for _, l := range f.Lines {
		if l.Category == "exam" || l.Category == "lab" {
			return true
		}
	}
	return false
}

func examLabLines(f *Fact) []int {
	var out []int
	for _, l := range f.Lines {
		if l.Category == "exam" || l.Category == "lab" {
			out = append(out, l.No)
		}
	}
	return out
}

func examLabAmount(f *Fact) decimal.Decimal {
	sum := decimal.Zero
	for _, l := range f.Lines {
		if l.Category == "exam" || l.Category == "lab" {
			sum = sum.Add(l.Amount)
		}
	}
	return sum
}

// nearStay: 0 ≤ admitted − visit ≤ n or 0 ≤ visit − discharged ≤ n.
func nearStay(visit time.Time, stay *Fact, n int) bool {
	before, after := days(visit, stay.Admitted), days(stay.Discharged, visit)
	return (before >= 0 && before <= n) || (after >= 0 && after <= n)
}

func visitWhen(visit time.Time, stay *Fact) string {
	if before := days(visit, stay.Admitted); before >= 0 {
		return itoa(before) + " day(s) before admission"
	}
	return itoa(days(stay.Discharged, visit)) + " day(s) after discharge"
}

// splitAdmission (FRAUD.md §1, widened by §8.4): a non-emergency stay whose principal
// diagnosis shares its first 3 characters with an earlier stay of the member at the same
// provider (0 ≤ gap ≤ days) or at another provider of the same non-empty alliance
// (1 ≤ gap ≤ days: gap 0 is a transfer). An approved downward referral is exempt.
func splitAdmission(p Params, in ClaimInput) *Hit {
	c := in.Claim
	if !c.Inpatient || c.Emergency || c.DownReferral || len(c.PrincipalDx) < 3 {
		return nil
	}
	maxDays, alliance := p.int(SplitAdmission, keyDays), in.allianceOf(c.Key.ProviderID)
	var best *Fact
	gap := 0
	for _, o := range in.History {
		if o.Key == c.Key || !o.Inpatient || len(o.PrincipalDx) < 3 || o.PrincipalDx[:3] != c.PrincipalDx[:3] {
			continue
		}
		same := o.Key.ProviderID == c.Key.ProviderID
		if !same && (alliance == "" || in.allianceOf(o.Key.ProviderID) != alliance) {
			continue
		}
		g, least := days(o.Discharged, c.Admitted), 0
		if !same {
			least = 1
		}
		if g >= least && g <= maxDays && (best == nil || o.Discharged.After(best.Discharged)) {
			best, gap = o, g
		}
	}
	if best == nil {
		return nil
	}
	e := ref(best)
	e["principal_dx"] = best.PrincipalDx
	ev := map[string]any{"earlier_stay": e, "gap_days": gap, "max_days": maxDays, "principal_dx": c.PrincipalDx,
		"admitted": date(c.Admitted), "emergency": false}
	if best.Key.ProviderID != c.Key.ProviderID {
		ev["alliance_id"] = alliance
	}
	return &Hit{Others: []claim.Key{best.Key}, Evidence: ev}
}

func (in ClaimInput) allianceOf(provider string) string {
	if in.Alliance == nil {
		return ""
	}
	return in.Alliance(provider)
}
