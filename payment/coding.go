package payment

import (
	"slices"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment/drg"
)

// coding is what unsupported_cc reads of a DRG-priced stay grouped to a CC or MCC subgroup
// with a secondary diagnosis cc_evidence.csv questions (FRAUD.md §8.5); nil for any other
// claim, so most stays pay nothing for it.
func coding(in Input, sel selection, ps providerSide, refused decimal.Decimal) *fraud.Coding {
	if sel.method != MethodDRG || ps.standard == nil || len(in.Bundle.CCEvidence) == 0 || !fraud.SeveritySubgroup(sel.group.DRG) ||
		!questioned(in) {
		return nil
	}
	gc := groupingCase(in.Claim, in.Member)
	return &fraud.Coding{DRG: sel.group.DRG, RW: sel.weight.RW, Standard: *ps.standard, Severe: in.Grouper.Severe(gc),
		Evidence: in.Bundle.EvidenceFor,
		Regroup:  func(without []string) (fraud.Regrouped, bool) { return regroup(in, sel, gc, without, refused) }}
}

// questioned reports whether a secondary diagnosis of the claim has an evidence row: the
// rule can fire only then, and most stays have none.
func questioned(in Input) bool {
	dx := in.Claim.Diagnoses
	for i := 1; i < len(dx); i++ {
		if _, ok := in.Bundle.EvidenceFor(dx[i]); ok {
			return true
		}
	}
	return false
}

// regroup groups the case again without some secondary diagnoses and prices the group it
// falls in by POLICY.md §6, the same claim otherwise (cost, LOS, coefficient, base rate);
// false when that group is not a success or has no weight.
func regroup(in Input, sel selection, gc *drg.Case, without []string, refused decimal.Decimal) (fraud.Regrouped, bool) {
	c := *gc
	c.Diagnoses = []string{gc.Diagnoses[0]}
	for _, dx := range gc.Diagnoses[1:] {
		if !slices.Contains(without, dx) {
			c.Diagnoses = append(c.Diagnoses, dx)
		}
	}
	gr := in.Grouper.Group(&c)
	w, ok := in.Bundle.DRGWeights[gr.DRG]
	if gr.Status != drg.Success || !ok {
		return fraud.Regrouped{}, false
	}
	s := sel
	s.group, s.weight = &gr, w
	standard := drgStandard(in, s, &claim.DRGInfo{}, in.Claim.Total.Sub(refused), &explainer{})
	return fraud.Regrouped{DRG: gr.DRG, RW: w.RW, Standard: standard}, true
}
