package payment

import (
	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/fraud"
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
	// Signup is the member's primary-care signup with the provider on the claim's date
	// (nil when none): an outpatient visit under it is paid by capitation.
	Signup *policy.Signup
	// Grouper is the bundle's DRG grouper (nil when its data set is missing).
	Grouper *drg.Grouper
	// Earlier is the member's other live claims at this provider or another of its
	// alliance, for repeat edits (§10; the claim rules' history, FRAUD.md §2.1).
	Earlier []*fraud.Fact
	// People are the qualifications of the claim's practitioners who have a suspension or
	// termination on their ledger (FRAUD.md §9); nil when none.
	People map[string]fraud.Qualification
}

// Priced is the outcome of adjudicating a valid claim.
type Priced struct {
	Result claim.Result // amounts, method, reasons, explanation (ids and times set by the caller)
	Deltas []Delta      // accumulator changes this claim posts
	// Capitation is the fund share recorded as capitation consumption (capitation visits).
	Capitation decimal.Decimal
	// Method is the provider-side payment method; Coding what unsupported_cc reads of a DRG
	// stay in a CC/MCC subgroup (nil otherwise).
	Method string
	Coding *fraud.Coding
}

// Adjudicate prices a claim that passed validation: eligible amount (§3), member cost
// sharing (§5) and provider payment (§6). It is pure.
func Adjudicate(in Input) Priced {
	ex := &explainer{steps: make([]claim.Step, 0, 14+min(len(in.Claim.Lines), lineStepLimit)),
		amounts: make([]claim.Money, 0, 14+min(len(in.Claim.Lines), lineStepLimit))}
	ed := applyEdits(in)
	sel := selectMethod(in)
	reasons := explainMethod(sel, ex)
	el := eligibleAmounts(in, ed, ex)
	sh := shareCost(in, el.eligible, el.refused, ex)
	ps := pricedProvider(in, sel, sh.fund, sh.memberPays, el.refused, ex)
	out := assemble(in, sel, append(reasons, el.reasons...), el, sh, ps, ex)
	out.Method, out.Coding = sel.method, coding(in, sel, ps, el.refused)
	return out
}

// explainMethod records the method selection and grouping steps and the drg_exception
// reason.
func explainMethod(sel selection, ex *explainer) []claim.Reason {
	ex.add("method", sel.why, nil)
	if sel.group != nil {
		for _, t := range sel.group.Trace {
			ex.add("grouping", t, nil)
		}
		for _, u := range sel.group.Unknown {
			ex.add("grouping", "unknown code: "+u, nil)
		}
	}
	if sel.exception == "" {
		return nil
	}
	return []claim.Reason{{Code: claim.ReasonDRGException, Message: sel.exception + "; priced fee-for-service (特例单议)"}}
}

// assemble builds the result and the accumulator changes.
func assemble(in Input, sel selection, reasons []claim.Reason, el eligibleAmount, sh shares, ps providerSide, ex *explainer) Priced {
	am := [...]claim.Money{{Decimal: in.Claim.Total}, {Decimal: el.eligible}, {Decimal: el.selfPay}, {Decimal: sh.deductible},
		{Decimal: sh.basic}, {Decimal: sh.critical}, {Decimal: sh.assistance}, {Decimal: sh.fund}, {Decimal: sh.memberPays},
		{Decimal: *ps.fundToProvider}, {Decimal: el.refused}}
	r := claim.Result{
		Status: claim.StatusAdjudicated, Reasons: reasons, Method: sel.method, DRG: ps.drgInfo,
		Total: &am[0], Eligible: &am[1], SelfPay: &am[2], Deductible: &am[3], Basic: &am[4], Critical: &am[5],
		Assistance: &am[6], FundTotal: &am[7], MemberPays: &am[8], FundToProvider: &am[9], Refused: &am[10], Edits: el.hits,
		Explanation: ex.steps, PolicyVersion: in.Bundle.Version,
	}
	if ps.standard != nil {
		r.Standard, r.ProviderMargin = claim.M(*ps.standard), claim.M(*ps.margin)
	}
	changes := [...]Delta{{sh.deductibleKind, sh.deductible}, {sh.basicKind, sh.basic}, {EligibleOOP, sh.oop},
		{CriticalPaid, sh.critical}, {AssistancePaid, sh.assistance}}
	n := 0
	if in.Claim.IsInpatient() {
		n++
	}
	for _, d := range changes {
		if !d.Amount.IsZero() {
			n++
		}
	}
	deltas := make([]Delta, 0, n) // kept with the claim version: no spare capacity
	if in.Claim.IsInpatient() {
		deltas = append(deltas, Delta{levelKind(in.Provider.Level), one})
	}
	for _, d := range changes {
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
