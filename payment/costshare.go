package payment

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"medclaims/policy"
)

// shares is the member cost sharing of POLICY.md §5 for one claim.
type shares struct {
	deductible, basic, critical, assistance decimal.Decimal
	fund, memberPays                        decimal.Decimal
	oop                                     decimal.Decimal // eligible − basic: the critical-illness accumulator's change
	deductibleKind, basicKind               Kind
}

// careRules are the scheme's rules for the claim's care type at the provider's level.
type careRules struct {
	care  *policy.CareRule
	level *policy.LevelRule // nil: not covered at this level
}

func rulesFor(in Input) (careRules, Kind, Kind) {
	scheme := in.Bundle.Schemes[in.Member.Scheme]
	var r careRules
	var dk, bk Kind
	if in.Claim.IsInpatient() {
		r.care, dk, bk = scheme.Inpatient, DeductiblePaid, BasicPaid
	} else {
		r.care, dk, bk = scheme.Outpatient, OPDeductiblePaid, OPBasicPaid
	}
	if r.care != nil {
		r.level = r.care.Levels[in.Provider.Level]
	}
	return r, dk, bk
}

// shareCost applies deductible, basic bands with ratio adjustments and the annual cap,
// critical illness, assistance and the combined ceiling, in that order.
func shareCost(in Input, eligible, refused decimal.Decimal, ex *explainer) shares {
	rules, dk, bk := rulesFor(in)
	s := shares{deductibleKind: dk, basicKind: bk}
	adj, adjNotes, unreferred := ratioAdjustment(in)
	noBasic := unreferred && in.Bundle.UnreferredNoBasic
	s.deductible = deductible(in, rules, noBasic, eligible, ex)
	if rules.level != nil && !noBasic {
		if len(adjNotes) > 0 {
			ex.add("ratio_adjustment", "ratio adjustments: "+strings.Join(adjNotes, ", ")+" = "+signed(adj), nil)
		}
		s.basic = basicFund(in, rules, bk, s.deductible, eligible, adj, ex)
	}
	s.oop = eligible.Sub(s.basic)
	s.critical = criticalIllness(in, s.oop, ex)
	s.assistance = medicalAssistance(in, eligible, s.basic, s.critical, ex)
	cost := in.Claim.Total.Sub(refused) // what someone pays: the refused amount is nobody's (§10.3)
	s.assistance, s.critical = ceiling(in, cost, s.basic, s.critical, s.assistance, ex)
	s.fund = s.basic.Add(s.critical).Add(s.assistance)
	s.memberPays = cost.Sub(s.fund)
	ex.add("fund_total", "fund total = basic "+money(s.basic)+" + critical "+money(s.critical)+" + assistance "+money(s.assistance), s.fund)
	if refused.IsZero() {
		ex.add("member_pays", "member pays = total "+num(in.Claim.Total)+" − fund total "+money(s.fund), s.memberPays)
	} else {
		ex.add("member_pays", "member pays = total "+num(in.Claim.Total)+" − refused "+money(refused)+" − fund total "+money(s.fund), s.memberPays)
	}
	return s
}

// ratioAdjustment sums the ratio deltas of §5 and §9.17 and says whether the care is
// unreferred.
func ratioAdjustment(in Input) (decimal.Decimal, []string, bool) {
	c, b, p, m := in.Claim, in.Bundle, in.Provider, in.Member
	unreferred := p.Level >= b.ReferralRequiredFromLevel && !c.Emergency && !c.ApprovedReferral()
	adj := zero
	var notes []string
	if unreferred {
		adj = adj.Add(b.UnreferredDelta)
		notes = append(notes, fmt.Sprintf("unreferred at level %d %s", p.Level, signed(b.UnreferredDelta)))
	}
	if d, ok := b.CrossRegionDelta[c.CrossRegion]; ok && c.CrossRegion != "none" {
		adj = adj.Add(d)
		notes = append(notes, "cross-region ("+c.CrossRegion+") "+signed(d))
	}
	if m.PovertyRegistered && !unreferred && !b.PovertyDelta.IsZero() {
		adj = adj.Add(b.PovertyDelta)
		notes = append(notes, "poverty-registered "+signed(b.PovertyDelta))
	}
	return adj, notes, unreferred
}

// deductible applies §5 and §9.12–16.
func deductible(in Input, rules careRules, noBasic bool, eligible decimal.Decimal, ex *explainer) decimal.Decimal {
	c, p, m := in.Claim, in.Provider, in.Member
	lr := rules.level
	switch {
	case lr == nil:
		ex.add("deductible", fmt.Sprintf("%s care at level %d is not covered by the %s scheme: no deductible, no basic fund", c.CareType, p.Level, m.Scheme), zero)
		return zero
	case noBasic:
		ex.add("deductible", fmt.Sprintf("unreferred care at level %d is not covered by the basic fund (unreferred_no_basic): no deductible", p.Level), zero)
		return zero
	case !c.IsInpatient():
		paid := in.Totals[OPDeductiblePaid]
		D := decimal.Min(eligible, floor0(lr.Deductible.Sub(paid)))
		ex.add("deductible", "level "+strconv.Itoa(p.Level)+" outpatient annual deductible "+num(lr.Deductible)+
			", already paid this year "+num(paid)+", limited to eligible "+num(eligible), D)
		return D
	}
	D, detail := inpatientDeductible(in, lr)
	if D.GreaterThan(eligible) {
		D = eligible
		detail = append(detail, "limited to the eligible amount "+num(eligible))
	}
	ex.add("deductible", strings.Join(detail, "; "), D)
	return D
}

// inpatientDeductible: the level's deductible, reduced on readmission, waived or reduced
// along approved referrals.
func inpatientDeductible(in Input, lr *policy.LevelRule) (decimal.Decimal, []string) {
	c, b, p, m := in.Claim, in.Bundle, in.Provider, in.Member
	D := lr.Deductible
	detail := []string{"level " + strconv.Itoa(p.Level) + " inpatient deductible " + num(lr.Deductible)}
	if in.Totals.Admitted() {
		D = floor0(D.Sub(b.ReadmissionReduction))
		detail = append(detail, "readmission in "+strconv.Itoa(c.KeyDate().Year())+" − "+num(b.ReadmissionReduction)+" → "+num(D))
		if m.PovertyRegistered && b.Poverty.ReadmissionSameLevelNoDeductible && in.Totals[levelKind(p.Level)].IsPositive() {
			D = zero
			detail = append(detail, "poverty-registered re-admission at the same level → 0")
		}
	}
	if !c.ApprovedReferral() {
		return D, detail
	}
	sameAlliance := in.ReferralSource != nil && in.ReferralSource.AllianceID != "" && in.ReferralSource.AllianceID == p.AllianceID
	switch {
	case sameAlliance:
		D = zero
		detail = append(detail, "referred within alliance "+p.AllianceID+" from "+c.Referral.FromProviderID+" → 0")
	case c.Referral.Direction == "down":
		D = zero
		detail = append(detail, "downward referral from "+c.Referral.FromProviderID+" → 0")
	case c.Referral.Direction == "up":
		D = floor0(D.Sub(in.ChainDeductible))
		detail = append(detail, "upward referral: deductible already paid along the referral chain "+num(in.ChainDeductible)+" → "+num(D))
	}
	return D, detail
}

// basicFund applies the level's bands above the deductible, the ratio adjustment and the
// annual cap.
func basicFund(in Input, rules careRules, bk Kind, D, eligible, adj decimal.Decimal, ex *explainer) decimal.Decimal {
	raw := zero
	prev := zero
	for _, band := range rules.level.Bands {
		lo := decimal.Max(D, prev)
		hiLabel := "∞"
		portion := eligible.Sub(lo)
		if band.UpTo != nil {
			hiLabel = num(*band.UpTo)
			portion = decimal.Min(eligible, *band.UpTo).Sub(lo)
			prev = *band.UpTo
		}
		if !portion.IsPositive() {
			if band.UpTo == nil {
				break
			}
			continue
		}
		ratio := band.Ratio
		if !adj.IsZero() {
			ratio = clamp01(ratio.Add(adj))
		}
		amt := portion.Mul(ratio)
		raw = raw.Add(amt)
		ex.add("band", "band ("+num(lo)+", "+hiLabel+"]: "+num(portion)+" × "+num(ratio), amt)
		if band.UpTo == nil {
			break
		}
	}
	basic := raw.Round(2)
	detail := "basic fund Σ bands " + num(raw) + ", rounded to 0.01"
	if cap := rules.care.AnnualCap; cap != nil {
		remaining := floor0(cap.Sub(in.Totals[bk]))
		if basic.GreaterThan(remaining) {
			detail += fmt.Sprintf("; annual cap %s reached (paid this year %s): limited to %s", cap, in.Totals[bk], remaining)
			basic = remaining
		}
	}
	ex.add("basic", detail, basic)
	return basic
}

// criticalIllness applies the critical-illness insurance to the year's eligible
// out-of-pocket amount above the threshold.
func criticalIllness(in Input, oop decimal.Decimal, ex *explainer) decimal.Decimal {
	b, m := in.Bundle, in.Member
	cr := b.Schemes[m.Scheme].Critical
	if cr == nil {
		return zero
	}
	threshold, ratio, capAmt := cr.Threshold, cr.Ratio, cr.AnnualCap
	note := ""
	if m.PovertyRegistered {
		threshold = threshold.Mul(b.Poverty.CriticalThresholdFactor)
		ratio = clamp01(ratio.Add(b.Poverty.CriticalRatioDelta))
		note = " (poverty-registered: threshold × " + num(b.Poverty.CriticalThresholdFactor) + ", ratio " + signed(b.Poverty.CriticalRatioDelta)
		if b.Poverty.CriticalUncapped {
			capAmt = nil
			note += ", no annual cap"
		}
		note += ")"
	}
	before := in.Totals[EligibleOOP]
	after := before.Add(oop)
	base := floor0(after.Sub(decimal.Max(threshold, before)))
	critical := zero
	if base.IsPositive() {
		critical = base.Mul(ratio).Round(2)
	}
	detail := "eligible out-of-pocket this year " + num(before) + " → " + num(after) + ", threshold " + num(threshold) +
		note + ": " + num(base) + " × " + num(ratio)
	if capAmt != nil {
		remaining := floor0(capAmt.Sub(in.Totals[CriticalPaid]))
		if critical.GreaterThan(remaining) {
			detail += fmt.Sprintf("; annual critical cap %s reached: limited to %s", capAmt, remaining)
			critical = remaining
		}
	}
	ex.add("critical", detail, critical)
	return critical
}

// medicalAssistance pays a share of what is left for assisted members.
func medicalAssistance(in Input, eligible, basic, critical decimal.Decimal, ex *explainer) decimal.Decimal {
	m := in.Member
	ar, ok := in.Bundle.Assistance[m.Assistance]
	if !ok {
		return zero
	}
	rest := eligible.Sub(basic).Sub(critical)
	assistance := rest.Mul(ar.Ratio).Round(2)
	detail := "assistance (" + m.Assistance + "): (eligible − basic − critical) " + num(rest) + " × " + num(ar.Ratio)
	if ar.AnnualCap != nil {
		remaining := floor0(ar.AnnualCap.Sub(in.Totals[AssistancePaid]))
		if assistance.GreaterThan(remaining) {
			detail += fmt.Sprintf("; annual assistance cap %s reached: limited to %s", ar.AnnualCap, remaining)
			assistance = remaining
		}
	}
	ex.add("assistance", detail, assistance)
	return assistance
}

// ceiling applies the combined ceiling (§5, §9.19): assistance gives way first, then
// critical illness. It returns the reduced assistance and critical amounts.
func ceiling(in Input, cost, basic, critical, assistance decimal.Decimal, ex *explainer) (decimal.Decimal, decimal.Decimal) {
	b := in.Bundle
	if b.MaxCoverage == nil {
		return assistance, critical
	}
	limit := b.MaxCoverage.Mul(cost).Round(2)
	excess := basic.Add(critical).Add(assistance).Sub(limit)
	if !excess.IsPositive() {
		return assistance, critical
	}
	fromA := decimal.Min(excess, assistance)
	fromC := decimal.Min(excess.Sub(fromA), critical)
	of := "total"
	if !cost.Equal(in.Claim.Total) {
		of = "(total − refused)"
	}
	ex.add("ceiling", fmt.Sprintf("basic + critical + assistance may not exceed %s × %s = %s: assistance −%s, critical −%s",
		b.MaxCoverage, of, limit, money(fromA), money(fromC)), fromA.Add(fromC).Neg())
	return assistance.Sub(fromA), critical.Sub(fromC)
}
