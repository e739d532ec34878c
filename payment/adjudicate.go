package payment

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/payment/drg"
	"medclaims/policy"
)

var (
	zero = decimal.Zero
	one  = decimal.NewFromInt(1)
)

// Input is everything one adjudication needs besides the claim.
type Input struct {
	Claim    *claim.Claim
	Bundle   *policy.Bundle
	Provider *policy.Provider
	Member   *policy.Member
	// Totals are the member's accumulators for the claim's year before this claim.
	Totals Totals
	// ReferralSource is the referring provider (nil when unknown or no referral).
	ReferralSource *policy.Provider
	// ChainDeductible is the deductible paid along the approved referral chain (§9.14).
	ChainDeductible decimal.Decimal
	// Dir answers signup questions for capitation (nil: no signups).
	Dir Directory
	// Grouper is the bundle's DRG grouper (nil when its data set is missing).
	Grouper *drg.Grouper
}

// Priced is the outcome of adjudicating a valid claim.
type Priced struct {
	Result claim.Result // amounts, method, reasons, explanation (ids and times set by the caller)
	Deltas []Delta      // accumulator changes this claim posts
	// Capitation is the fund share recorded as capitation consumption (capitation visits).
	Capitation decimal.Decimal
}

// Adjudicate prices a claim that passed validation: eligible amount (§3), member cost
// sharing (§5) and provider payment (§6). It is pure.
func Adjudicate(in Input) Priced {
	c, b, p, m := in.Claim, in.Bundle, in.Provider, in.Member
	scheme := b.Schemes[m.Scheme]
	ex := &explainer{steps: make([]claim.Step, 0, 14+len(c.Lines)), amounts: make([]claim.Money, 0, 14+len(c.Lines))}
	var reasons []claim.Reason
	sel := selectMethod(in)
	ex.add("method", sel.why, nil)
	if sel.group != nil {
		for _, t := range sel.group.Trace {
			ex.add("grouping", t, nil)
		}
		for _, u := range sel.group.Unknown {
			ex.add("grouping", "unknown code: "+u, nil)
		}
	}
	if sel.exception != "" {
		reasons = append(reasons, claim.Reason{Code: claim.ReasonDRGException, Message: sel.exception + "; priced fee-for-service (特例单议)"})
	}

	// §3 eligible amount.
	eligibleRaw := zero
	for i := range c.Lines {
		l := &c.Lines[i]
		item, known := b.Catalogue[l.ItemCode]
		if !known {
			reasons = append(reasons, claim.Reason{Code: claim.ReasonNotInCatalogue,
				Message: "line " + strconv.Itoa(l.LineNo) + ": item " + l.ItemCode + " is not in the catalogue, treated as class C (self-pay)"})
			ex.add("line", "line "+strconv.Itoa(l.LineNo)+" "+l.ItemCode+": not in catalogue, class C, eligible 0 of "+num(l.Amount), zero)
			continue
		}
		base := l.Amount
		note := ""
		if item.MaxUnitPrice != nil {
			if capAmt := l.Quantity.Mul(*item.MaxUnitPrice); base.GreaterThan(capAmt) {
				note = ", above the price ceiling " + num(l.Quantity) + " × " + num(*item.MaxUnitPrice) + " = " + num(capAmt)
				base = capAmt
			}
		}
		var el decimal.Decimal
		switch item.Class {
		case "A": // ratio 1 (enforced at load)
			el = base
		case "C": // ratio 0
			el = zero
		default:
			el = base.Mul(item.EligibleRatio)
		}
		if !el.IsZero() {
			eligibleRaw = eligibleRaw.Add(el)
		}
		ex.add("line", "line "+strconv.Itoa(l.LineNo)+" "+l.ItemCode+" class "+item.Class+note+": "+num(base)+" × eligible ratio "+ratioText(item), el)
	}
	total := c.Total
	eligible := eligibleRaw.Round(2)
	selfPay := total.Sub(eligible)
	ex.add("eligible", "eligible amount Σ eligible lines "+num(eligibleRaw)+", rounded to 0.01", eligible)
	ex.add("self_pay", "self-pay = total "+num(total)+" − eligible "+num(eligible), selfPay)

	inpatient := c.IsInpatient()
	var care *policy.CareRule
	var deductibleKind, basicKind Kind
	if inpatient {
		care, deductibleKind, basicKind = scheme.Inpatient, DeductiblePaid, BasicPaid
	} else {
		care, deductibleKind, basicKind = scheme.Outpatient, OPDeductiblePaid, OPBasicPaid
	}
	var lr *policy.LevelRule
	if care != nil {
		lr = care.Levels[p.Level]
	}

	// Ratio adjustments (§5, §9.17).
	unreferred := p.Level >= b.ReferralRequiredFromLevel && !c.Emergency && !c.ApprovedReferral()
	adj := zero
	var adjNotes []string
	if unreferred {
		adj = adj.Add(b.UnreferredDelta)
		adjNotes = append(adjNotes, fmt.Sprintf("unreferred at level %d %s", p.Level, signed(b.UnreferredDelta)))
	}
	if d, ok := b.CrossRegionDelta[c.CrossRegion]; ok && c.CrossRegion != "none" {
		adj = adj.Add(d)
		adjNotes = append(adjNotes, "cross-region ("+c.CrossRegion+") "+signed(d))
	}
	if m.PovertyRegistered && !unreferred && !b.PovertyDelta.IsZero() {
		adj = adj.Add(b.PovertyDelta)
		adjNotes = append(adjNotes, "poverty-registered "+signed(b.PovertyDelta))
	}
	noBasic := unreferred && b.UnreferredNoBasic

	// Deductible (§5, §9.12–16).
	D := zero
	switch {
	case lr == nil:
		ex.add("deductible", fmt.Sprintf("%s care at level %d is not covered by the %s scheme: no deductible, no basic fund", c.CareType, p.Level, m.Scheme), zero)
	case noBasic:
		ex.add("deductible", fmt.Sprintf("unreferred care at level %d is not covered by the basic fund (unreferred_no_basic): no deductible", p.Level), zero)
	case inpatient:
		D = lr.Deductible
		detail := []string{"level " + strconv.Itoa(p.Level) + " inpatient deductible " + num(lr.Deductible)}
		if in.Totals.Admitted() {
			D = floor0(D.Sub(b.ReadmissionReduction))
			detail = append(detail, "readmission in "+strconv.Itoa(c.KeyDate().Year())+" − "+num(b.ReadmissionReduction)+" → "+num(D))
			if m.PovertyRegistered && b.Poverty.ReadmissionSameLevelNoDeductible && in.Totals[levelKind(p.Level)].IsPositive() {
				D = zero
				detail = append(detail, "poverty-registered re-admission at the same level → 0")
			}
		}
		if c.ApprovedReferral() {
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
		}
		if D.GreaterThan(eligible) {
			D = eligible
			detail = append(detail, "limited to the eligible amount "+num(eligible))
		}
		ex.add("deductible", strings.Join(detail, "; "), D)
	default:
		paid := in.Totals[OPDeductiblePaid]
		D = decimal.Min(eligible, floor0(lr.Deductible.Sub(paid)))
		ex.add("deductible", "level "+strconv.Itoa(p.Level)+" outpatient annual deductible "+num(lr.Deductible)+
			", already paid this year "+num(paid)+", limited to eligible "+num(eligible), D)
	}

	// Basic fund bands (§5).
	basic := zero
	if lr != nil && !noBasic {
		if len(adjNotes) > 0 {
			ex.add("ratio_adjustment", "ratio adjustments: "+strings.Join(adjNotes, ", ")+" = "+signed(adj), nil)
		}
		raw := zero
		prev := zero
		for _, band := range lr.Bands {
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
		basic = raw.Round(2)
		detail := "basic fund Σ bands " + num(raw) + ", rounded to 0.01"
		if care.AnnualCap != nil {
			remaining := floor0(care.AnnualCap.Sub(in.Totals[basicKind]))
			if basic.GreaterThan(remaining) {
				detail += fmt.Sprintf("; annual cap %s reached (paid this year %s): limited to %s", care.AnnualCap, in.Totals[basicKind], remaining)
				basic = remaining
			}
		}
		ex.add("basic", detail, basic)
	}

	// Critical-illness insurance (§5).
	critical := zero
	oop := eligible.Sub(basic)
	if cr := scheme.Critical; cr != nil {
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
	}

	// Medical assistance (§5).
	assistance := zero
	if ar, ok := b.Assistance[m.Assistance]; ok {
		rest := eligible.Sub(basic).Sub(critical)
		assistance = rest.Mul(ar.Ratio).Round(2)
		detail := "assistance (" + m.Assistance + "): (eligible − basic − critical) " + num(rest) + " × " + num(ar.Ratio)
		if ar.AnnualCap != nil {
			remaining := floor0(ar.AnnualCap.Sub(in.Totals[AssistancePaid]))
			if assistance.GreaterThan(remaining) {
				detail += fmt.Sprintf("; annual assistance cap %s reached: limited to %s", ar.AnnualCap, remaining)
				assistance = remaining
			}
		}
		ex.add("assistance", detail, assistance)
	}

	// Combined ceiling (§5, §9.19).
	if b.MaxCoverage != nil {
		limit := b.MaxCoverage.Mul(total).Round(2)
		if excess := basic.Add(critical).Add(assistance).Sub(limit); excess.IsPositive() {
			fromA := decimal.Min(excess, assistance)
			assistance = assistance.Sub(fromA)
			fromC := decimal.Min(excess.Sub(fromA), critical)
			critical = critical.Sub(fromC)
			ex.add("ceiling", fmt.Sprintf("basic + critical + assistance may not exceed %s × total = %s: assistance −%s, critical −%s",
				b.MaxCoverage, limit, money(fromA), money(fromC)), fromA.Add(fromC).Neg())
		}
	}

	fund := basic.Add(critical).Add(assistance)
	memberPays := total.Sub(fund)
	ex.add("fund_total", "fund total = basic "+money(basic)+" + critical "+money(critical)+" + assistance "+money(assistance), fund)
	ex.add("member_pays", "member pays = total "+num(total)+" − fund total "+money(fund), memberPays)

	// §6 provider payment by the selected method.
	ps := pricedProvider(in, sel, fund, memberPays, ex)

	am := [...]claim.Money{{Decimal: total}, {Decimal: eligible}, {Decimal: selfPay}, {Decimal: D}, {Decimal: basic},
		{Decimal: critical}, {Decimal: assistance}, {Decimal: fund}, {Decimal: memberPays}, {Decimal: *ps.fundToProvider}}
	r := claim.Result{
		Status: claim.StatusAdjudicated, Reasons: reasons, Method: sel.method, DRG: ps.drgInfo,
		Total: &am[0], Eligible: &am[1], SelfPay: &am[2], Deductible: &am[3], Basic: &am[4], Critical: &am[5],
		Assistance: &am[6], FundTotal: &am[7], MemberPays: &am[8], FundToProvider: &am[9],
		Explanation: ex.steps, PolicyVersion: b.Version,
	}
	if ps.standard != nil {
		r.Standard, r.ProviderMargin = claim.M(*ps.standard), claim.M(*ps.margin)
	}
	deltas := make([]Delta, 0, 8)
	if inpatient {
		deltas = append(deltas, Delta{levelKind(p.Level), one})
	}
	for _, d := range []Delta{{deductibleKind, D}, {basicKind, basic}, {EligibleOOP, oop}, {CriticalPaid, critical}, {AssistancePaid, assistance}} {
		if !d.Amount.IsZero() { // a zero change posts no ledger entry
			deltas = append(deltas, d)
		}
	}
	return Priced{Result: r, Deltas: deltas, Capitation: ps.capitation}
}

func levelKind(level int) Kind {
	switch level {
	case 1:
		return AdmissionsL1
	case 2:
		return AdmissionsL2
	default:
		return AdmissionsL3
	}
}

func floor0(d decimal.Decimal) decimal.Decimal {
	if d.IsNegative() {
		return zero
	}
	return d
}

func clamp01(d decimal.Decimal) decimal.Decimal {
	if d.IsNegative() {
		return zero
	}
	if d.GreaterThan(one) {
		return one
	}
	return d
}

func signed(d decimal.Decimal) string {
	if d.IsNegative() {
		return num(d)
	}
	return "+" + num(d)
}

// explainer collects the explanation steps; amounts live in one slice (one allocation).
type explainer struct {
	steps   []claim.Step
	amounts []claim.Money
}

func (e *explainer) add(step, detail string, amount any) {
	s := claim.Step{Step: step, Detail: detail}
	if a, ok := amount.(decimal.Decimal); ok {
		e.amounts = append(e.amounts, claim.Money{Decimal: a})
		s.Amount = &e.amounts[len(e.amounts)-1]
	}
	e.steps = append(e.steps, s)
}

func ratioText(it policy.Item) string {
	if it.RatioText != "" {
		return it.RatioText
	}
	return num(it.EligibleRatio)
}
